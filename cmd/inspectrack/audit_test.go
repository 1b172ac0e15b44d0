package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"inspectrack/internal/testdb"
)

// testAuditKey is the audit key the commands run with in tests.
var testAuditKey = hex.EncodeToString(testdb.AuditKeySecret())

func TestServeRefusesADatabaseURLWithoutAnAuditKey(t *testing.T) {
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"inspectrack", "serve", "--addr", "127.0.0.1:0"},
		envWith(map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}), nil, &stdout, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "INSPECTRACK_AUDIT_KEY") {
		t.Fatalf("serve without an audit key: %v", err)
	}
	if strings.Contains(stdout.String(), "serving") {
		t.Fatal("served without an audit key")
	}
}

func TestAuditCheckpointIsVerifiedFromALineOrAFile(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": "demo password for tests"}
	ctx := context.Background()
	runArgs := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"inspectrack"}, args...), envWith(vars), nil, &out, io.Discard)
		return out.String(), err
	}
	if _, err := runArgs("seed", "demo"); err != nil {
		t.Fatal(err)
	}
	out, err := runArgs("audit", "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(out)
	if !strings.HasPrefix(line, "inspectrack-audit-checkpoint id=") || strings.Count(out, "\n") != 1 {
		t.Fatalf("checkpoint printed %q", out)
	}
	if _, err := runArgs("audit", "note", "after the checkpoint"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "checkpoints")
	if err := os.WriteFile(file, []byte("# kept on another machine\n"+line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cp := range []string{line, file} {
		if out, err := runArgs("audit", "verify", "--checkpoint", cp); err != nil || !strings.Contains(out, "1 checkpoint") {
			t.Errorf("verify --checkpoint %s: %q, %v", cp, out, err)
		}
	}
	forged := line[:len(line)-4] + "0000"
	if forged == line {
		forged = line[:len(line)-4] + "1111"
	}
	out, err = runArgs("audit", "verify", "--checkpoint", line, "--checkpoint", forged)
	if err == nil || !strings.Contains(out, "BROKEN") {
		t.Fatalf("a checkpoint the chain does not pass through: %q, %v", out, err)
	}
	if _, err := runArgs("audit", "verify", "--checkpoint", "no such file or checkpoint"); err == nil {
		t.Fatal("an unreadable checkpoint was ignored")
	}
}
