package config

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// minAuditKeyBytes matches store.MinAuditKeyBytes: HMAC-SHA-256's strength.
const minAuditKeyBytes = 32

// AuditKeyFileName is the key file generated under DataDir for the embedded
// default, when no key is configured.
const AuditKeyFileName = "audit.key"

// AuditKeys returns the audit chain's current key and the old keys kept to
// verify the events they keyed before a rotation. The key comes from
// INSPECTRACK_AUDIT_KEY or INSPECTRACK_AUDIT_KEY_FILE (current key on its
// first line, old keys on the lines after), old keys also from
// INSPECTRACK_AUDIT_KEYS_OLD. With neither, the embedded default (no
// DATABASE_URL) generates a key file in DataDir on first use and reuses it;
// with DATABASE_URL it is an error: a production database must not be keyed
// by a key that lives on whichever machine first ran a command.
func (c Config) AuditKeys() (current []byte, old [][]byte, err error) {
	var keys []string
	source := "INSPECTRACK_AUDIT_KEY"
	switch {
	case c.AuditKey != "" && c.AuditKeyFile != "":
		return nil, nil, errors.New("config: set INSPECTRACK_AUDIT_KEY or INSPECTRACK_AUDIT_KEY_FILE, not both")
	case c.AuditKey != "":
		keys = []string{c.AuditKey}
	case c.AuditKeyFile != "":
		source = "INSPECTRACK_AUDIT_KEY_FILE " + c.AuditKeyFile
		if keys, err = readKeyFile(c.AuditKeyFile); err != nil {
			return nil, nil, err
		}
	case c.DatabaseURL == "":
		path := filepath.Join(c.DataDir, AuditKeyFileName)
		source = "the generated key file " + path
		if keys, err = ensureKeyFile(path); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, errors.New("config: DATABASE_URL is set but the audit chain has no key: set INSPECTRACK_AUDIT_KEY " +
			"(at least 32 bytes in hex or base64, e.g. from `openssl rand -hex 32`) or INSPECTRACK_AUDIT_KEY_FILE, kept outside the database")
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("config: %s holds no key", source)
	}
	for i, k := range keys {
		b, err := decodeKey(k)
		if err != nil {
			if i > 0 {
				return nil, nil, fmt.Errorf("config: %s, old key %d: %w", source, i, err)
			}
			return nil, nil, fmt.Errorf("config: %s: %w", source, err)
		}
		if i == 0 {
			current = b
		} else {
			old = append(old, b)
		}
	}
	for i, k := range strings.Split(c.AuditKeysOld, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		b, err := decodeKey(k)
		if err != nil {
			return nil, nil, fmt.Errorf("config: INSPECTRACK_AUDIT_KEYS_OLD, key %d: %w", i+1, err)
		}
		old = append(old, b)
	}
	return current, old, nil
}

// decodeKey reads a key written in hex or base64 (standard or URL-safe,
// padded or not). Its errors never show the key.
func decodeKey(s string) ([]byte, error) {
	var b []byte
	var err error
	if b, err = hex.DecodeString(s); err != nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err = enc.DecodeString(s); err == nil {
				break
			}
		}
	}
	if err != nil {
		return nil, errors.New("the audit key is neither hex nor base64")
	}
	if len(b) < minAuditKeyBytes {
		return nil, fmt.Errorf("the audit key is %d bytes: want at least %d", len(b), minAuditKeyBytes)
	}
	return b, nil
}

// readKeyFile returns the keys of a key file, one a line; blank lines and
// lines starting with # are skipped.
func readKeyFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: audit key file: %w", err)
	}
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			keys = append(keys, line)
		}
	}
	return keys, sc.Err()
}

// ensureKeyFile reads the key file at path, first writing a new random key
// there (mode 0600) when there is none.
func ensureKeyFile(path string) ([]string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("config: audit key file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return readKeyFile(path)
	case err != nil:
		return nil, fmt.Errorf("config: audit key file: %w", err)
	}
	key := make([]byte, minAuditKeyBytes)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	text := "# The key of the audit chain of the embedded database beside it. Keep it, and a copy elsewhere:\n" +
		"# without it the trail cannot be verified. To rotate, put the new key on the first line and keep this one below.\n" +
		hex.EncodeToString(key) + "\n"
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return nil, fmt.Errorf("config: audit key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("config: audit key file: %w", err)
	}
	return readKeyFile(path)
}
