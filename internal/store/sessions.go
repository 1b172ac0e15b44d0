package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
)

// SessionUserID is the session key of the signed-in user's id. The store
// keeps it in a column of its own as well, to read the session and its
// user in one statement.
const SessionUserID = "user_id"

// Sessions is the scs session store on the sessions table. It implements
// scs.CtxStore, so every query carries the request's context (and its
// deadline), which scs's own pgx store does not.
type Sessions struct{ s *Store }

// Sessions returns the session store.
func (s *Store) Sessions() *Sessions { return &Sessions{s: s} }

type sessionUserKey struct{}

// sessionUser is where FindCtx leaves the user of the session it read.
type sessionUser struct {
	user  User
	found bool
}

// WithSessionUser returns a context in which FindCtx, reading the session,
// also reads its user; SessionUserFrom then returns it, saving a round
// trip on every signed-in request.
func WithSessionUser(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionUserKey{}, &sessionUser{})
}

// SessionUserFrom returns the user FindCtx read with the session in ctx
// (see WithSessionUser), disabled or not; false when it read none.
func SessionUserFrom(ctx context.Context) (User, bool) {
	if su, ok := ctx.Value(sessionUserKey{}).(*sessionUser); ok && su.found {
		return su.user, true
	}
	return User{}, false
}

// FindCtx returns the data of a live session.
func (ss *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	const q = `SELECT s.data, u.id IS NOT NULL, ` + userNullColumns + ` FROM sessions s
		LEFT JOIN users u ON u.id = s.user_id LEFT JOIN forces f ON f.id = u.force_id
		WHERE s.token_hash = $1 AND s.expiry > now()`
	var b []byte
	var hasUser bool
	var u User
	err := ss.s.pool.QueryRow(ctx, q, TokenHash(token)).Scan(append([]any{&b, &hasUser}, userDest(&u)...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: find session: %w", err)
	}
	if su, ok := ctx.Value(sessionUserKey{}).(*sessionUser); ok && hasUser {
		su.user, su.found = u, true
	}
	return b, true, nil
}

// CommitCtx saves a session.
func (ss *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	const q = `INSERT INTO sessions (token_hash, data, expiry, user_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token_hash) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`
	var userID *int64
	if _, values, err := (SessionCodec{}).Decode(b); err == nil {
		if id, ok := values[SessionUserID].(int64); ok {
			userID = &id
		}
	}
	if _, err := ss.s.pool.Exec(ctx, q, TokenHash(token), b, expiry, userID); err != nil {
		return fmt.Errorf("store: commit session: %w", err)
	}
	return nil
}

// DeleteCtx removes a session.
func (ss *Sessions) DeleteCtx(ctx context.Context, token string) error {
	if _, err := ss.s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, TokenHash(token)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// TokenHash is all the database keeps of a session or calendar token: its
// SHA-256 (migration 000010), so a copy of the tables signs nobody in. The
// tokens are 256-bit random values: a fast, unsalted hash is enough.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Find, Commit and Delete complete scs.Store; scs calls the Ctx forms.
func (ss *Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit saves a session without a request context.
func (ss *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session without a request context.
func (ss *Sessions) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// DeleteExpired removes expired sessions; the periodic clean-up job runs it.
func (ss *Sessions) DeleteExpired(ctx context.Context) (int64, error) {
	tag, err := ss.s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`)
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}

// userNullColumns are userColumns read through a LEFT JOIN, where a
// missing user makes every column NULL.
const userNullColumns = `COALESCE(u.id, 0), COALESCE(u.email, ''), COALESCE(u.name, ''), COALESCE(u.role, ''),
	COALESCE(u.force_id, 0), COALESCE(f.code, ''), COALESCE(f.name, ''), COALESCE(u.password_hash, ''),
	COALESCE(u.session_epoch, 0), COALESCE(u.calendar_token_hash IS NOT NULL, false), u.disabled_at, COALESCE(u.created_at, 'epoch')`

// SessionCodec encodes session values as scs.GobCodec does, but in a
// plain format of its own: decoding gob, which compiles a decoder for
// every session read, was a tenth of a signed-in page's CPU. It holds
// strings, ints, int64s and bools, which is all the portal keeps in a
// session; sessions written by GobCodec before still decode.
//
// The format: a 0 byte (gob never starts with one), the deadline in Unix
// nanoseconds (8 bytes, big-endian), the number of values, then each value
// as its key (length-prefixed), a type byte and the value.
type SessionCodec struct{}

const (
	codecString = 's'
	codecInt    = 'i'
	codecInt64  = 'I'
	codecBool   = 'b'
)

// Encode implements scs.Codec.
func (SessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	b := make([]byte, 1, 64)
	b = binary.BigEndian.AppendUint64(b, uint64(deadline.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(values)))
	for k, v := range values {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case string:
			b = append(b, codecString)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int:
			b = binary.AppendVarint(append(b, codecInt), int64(v))
		case int64:
			b = binary.AppendVarint(append(b, codecInt64), v)
		case bool:
			var x byte
			if v {
				x = 1
			}
			b = append(b, codecBool, x)
		default:
			return nil, fmt.Errorf("store: session value %q: type %T cannot be kept", k, v)
		}
	}
	return b, nil
}

var errSessionData = errors.New("store: session data is malformed")

// Decode implements scs.Codec.
func (SessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if len(b) == 0 || b[0] != 0 {
		return scs.GobCodec{}.Decode(b)
	}
	if len(b) < 9 {
		return time.Time{}, nil, errSessionData
	}
	deadline := time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9])))
	count, w := binary.Uvarint(b[9:])
	if w <= 0 || count > uint64(len(b)) {
		return time.Time{}, nil, errSessionData
	}
	b = b[9+w:]
	values := make(map[string]any, count)
	str := func() (string, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return "", false
		}
		s := string(b[w : w+int(n)])
		b = b[w+int(n):]
		return s, true
	}
	for len(b) > 0 {
		k, ok := str()
		if !ok || len(b) == 0 {
			return time.Time{}, nil, errSessionData
		}
		tag := b[0]
		b = b[1:]
		switch tag {
		case codecString:
			v, ok := str()
			if !ok {
				return time.Time{}, nil, errSessionData
			}
			values[k] = v
		case codecInt, codecInt64:
			v, w := binary.Varint(b)
			if w <= 0 || (tag == codecInt && (v > math.MaxInt || v < math.MinInt)) {
				return time.Time{}, nil, errSessionData
			}
			b = b[w:]
			if tag == codecInt {
				values[k] = int(v)
			} else {
				values[k] = v
			}
		case codecBool:
			if len(b) == 0 {
				return time.Time{}, nil, errSessionData
			}
			values[k] = b[0] == 1
			b = b[1:]
		default:
			return time.Time{}, nil, errSessionData
		}
	}
	if uint64(len(values)) != count {
		return time.Time{}, nil, errSessionData
	}
	return deadline, values, nil
}
