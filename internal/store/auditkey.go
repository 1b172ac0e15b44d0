package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// MinAuditKeyBytes is the shortest audit key accepted: the strength of
// HMAC-SHA-256.
const MinAuditKeyBytes = 32

// ErrNoAuditKey is returned when an event would be appended without a key:
// by a Store made without one, or through a transaction that no Store
// opened.
var ErrNoAuditKey = errors.New("store: no audit key: the audit chain cannot be extended")

// AuditKey is a secret that keys the audit chain's HMAC-SHA-256. It lives
// outside the database, so that someone who can write the database cannot
// rewrite the trail and re-hash it. The zero AuditKey is no key.
type AuditKey struct {
	id     string
	secret []byte
}

// NewAuditKey returns the key of secret, which must be at least
// MinAuditKeyBytes long.
func NewAuditKey(secret []byte) (AuditKey, error) {
	if len(secret) < MinAuditKeyBytes {
		return AuditKey{}, fmt.Errorf("store: audit key of %d bytes: want at least %d", len(secret), MinAuditKeyBytes)
	}
	// The id names the key in each event without revealing it: the first
	// 8 bytes of SHA-256 over a label and the key.
	sum := sha256.Sum256(append([]byte("inspectrack audit key id\x00"), secret...))
	return AuditKey{id: hex.EncodeToString(sum[:8]), secret: bytes.Clone(secret)}, nil
}

// ID names the key in the events it keyed (16 hex digits); "" for no key.
func (k AuditKey) ID() string { return k.id }

// AuditKeys are the keys a Store holds: Current keys new events; Old keys,
// retired by rotation, only verify the events they keyed.
type AuditKeys struct {
	Current AuditKey
	Old     []AuditKey
}

// byID finds the key that keyed an event.
func (ks AuditKeys) byID(id string) (AuditKey, bool) {
	if id != "" && ks.Current.id == id {
		return ks.Current, true
	}
	for _, k := range ks.Old {
		if k.id == id {
			return k, true
		}
	}
	return AuditKey{}, false
}

// Option sets up a Store made by New.
type Option func(*Store)

// WithAuditKeys gives the Store the keys of the audit chain; without them
// it can read but not append to the trail.
func WithAuditKeys(ks AuditKeys) Option {
	return func(s *Store) { s.keys = ks }
}

// auditTx is a transaction opened by a Store: it carries the Store's
// current key to Audit, so the many callers of Audit need not.
type auditTx struct {
	pgx.Tx
	key AuditKey
}

// AuditCheckpoint pins the chain at one event: kept outside the database
// (printed by `inspectrack audit checkpoint`), it lets verification catch a
// rewrite of history up to that event, even by someone holding the key, and
// a chain cut short before it.
type AuditCheckpoint struct {
	ID    int64
	KeyID string
	Hash  string // hex
}

const checkpointTag = "inspectrack-audit-checkpoint"

// String is the checkpoint in one line, as ParseAuditCheckpoint reads it.
func (c AuditCheckpoint) String() string {
	return fmt.Sprintf("%s id=%d key=%s hash=%s", checkpointTag, c.ID, c.KeyID, c.Hash)
}

// ParseAuditCheckpoint reads a line written by AuditCheckpoint.String.
func ParseAuditCheckpoint(line string) (AuditCheckpoint, error) {
	var c AuditCheckpoint
	fields := strings.Fields(line)
	if len(fields) != 4 || fields[0] != checkpointTag {
		return c, fmt.Errorf("store: audit checkpoint %q: want %q followed by id=, key= and hash=", line, checkpointTag)
	}
	for _, f := range fields[1:] {
		name, value, _ := strings.Cut(f, "=")
		var err error
		switch name {
		case "id":
			c.ID, err = strconv.ParseInt(value, 10, 64)
			if c.ID <= 0 {
				err = errors.New("want a positive event id")
			}
		case "key":
			c.KeyID = value
			if _, herr := hex.DecodeString(value); herr != nil || len(value) != 16 {
				err = errors.New("want 16 hex digits")
			}
		case "hash":
			c.Hash = strings.ToLower(value)
			if b, herr := hex.DecodeString(value); herr != nil || len(b) != sha256.Size {
				err = errors.New("want 64 hex digits")
			}
		default:
			err = errors.New("unknown field")
		}
		if err != nil {
			return AuditCheckpoint{}, fmt.Errorf("store: audit checkpoint %q: %s: %w", line, name, err)
		}
	}
	if c.ID == 0 || c.KeyID == "" || c.Hash == "" {
		return AuditCheckpoint{}, fmt.Errorf("store: audit checkpoint %q: want id=, key= and hash=", line)
	}
	return c, nil
}
