package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	key32 = bytes.Repeat([]byte{0x5a}, 32)
	key48 = bytes.Repeat([]byte{0xa5}, 48)
)

func TestAuditKeyIsReadAsHexOrBase64(t *testing.T) {
	for _, v := range []string{hex.EncodeToString(key32), base64.StdEncoding.EncodeToString(key32), base64.RawURLEncoding.EncodeToString(key32)} {
		c, err := load(map[string]string{"DATABASE_URL": "postgres://x", "INSPECTRACK_AUDIT_KEY": v,
			"INSPECTRACK_AUDIT_KEYS_OLD": hex.EncodeToString(key48)})
		if err != nil {
			t.Fatal(err)
		}
		cur, old, err := c.AuditKeys()
		if err != nil || !bytes.Equal(cur, key32) || len(old) != 1 || !bytes.Equal(old[0], key48) {
			t.Errorf("%s: current %x, old %x, %v", v, cur, old, err)
		}
	}
}

func TestAShortOrUnreadableAuditKeyIsRefusedWithoutShowingIt(t *testing.T) {
	for _, v := range []string{hex.EncodeToString(key32[:31]), "not a key at all, though long enough: !!!!"} {
		c, err := load(map[string]string{"DATABASE_URL": "postgres://x", "INSPECTRACK_AUDIT_KEY": v})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.AuditKeys()
		if err == nil || !strings.Contains(err.Error(), "INSPECTRACK_AUDIT_KEY") || strings.Contains(err.Error(), v) {
			t.Errorf("%q: %v", v, err)
		}
	}
}

func TestWithDatabaseURLAndNoAuditKeyTheErrorNamesTheVariable(t *testing.T) {
	c, err := load(map[string]string{"DATABASE_URL": "postgres://x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.AuditKeys(); err == nil || !strings.Contains(err.Error(), "INSPECTRACK_AUDIT_KEY") {
		t.Fatalf("no key with DATABASE_URL: %v", err)
	}
}

func TestTheEmbeddedDefaultGeneratesAKeyFileOnceAndKeepsIt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".data")
	c, err := load(map[string]string{"INSPECTRACK_DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := c.AuditKeys()
	if err != nil || len(first) != 32 {
		t.Fatalf("first run: %x, %v", first, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	again, _, err := c.AuditKeys()
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second run: %x, %v; want the same key %x", again, err, first)
	}
}

func TestAKeyFileHoldsTheCurrentKeyThenOldOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	text := "# current first\n" + hex.EncodeToString(key48) + "\n\n" + base64.StdEncoding.EncodeToString(key32) + "\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := load(map[string]string{"DATABASE_URL": "postgres://x", "INSPECTRACK_AUDIT_KEY_FILE": path})
	if err != nil {
		t.Fatal(err)
	}
	cur, old, err := c.AuditKeys()
	if err != nil || !bytes.Equal(cur, key48) || len(old) != 1 || !bytes.Equal(old[0], key32) {
		t.Fatalf("current %x, old %x, %v", cur, old, err)
	}
	c.AuditKey = hex.EncodeToString(key32)
	if _, _, err := c.AuditKeys(); err == nil {
		t.Error("both INSPECTRACK_AUDIT_KEY and INSPECTRACK_AUDIT_KEY_FILE were accepted")
	}
}
