package main

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"strings"
	"testing"

	"inspectrack/internal/auth"
	"inspectrack/internal/database"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
)

// runCode runs the binary's run as main does and returns the exit status
// main would give, with what it wrote.
func runCode(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"inspectrack"}, args...), envWith(vars), strings.NewReader(stdin), &out, &errOut)
	return exitCode(err), out.String(), errOut.String()
}

func TestHelpExitsZeroAndUsageErrorsExitTwo(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "INSPECTRACK_AUDIT_KEY": testAuditKey}
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"-h"}, 0},
		{[]string{"--help"}, 0},
		{[]string{"help"}, 0},
		{[]string{"serve", "-h"}, 0},
		{[]string{"migrate", "--help"}, 0},
		{[]string{"user", "add", "-h"}, 0},
		{[]string{"user", "reset-password", "-h"}, 0},
		{[]string{"audit", "-h"}, 0},
		{[]string{}, 2},
		{[]string{"frobnicate"}, 2},
		{[]string{"serve", "--no-such-flag"}, 2},
		{[]string{"serve", "--log-level", "loud"}, 2},
		{[]string{"migrate"}, 2},
		{[]string{"migrate", "sideways"}, 2},
		{[]string{"migrate", "down"}, 2},
		{[]string{"seed"}, 2},
		{[]string{"seed", "everything"}, 2},
		{[]string{"seed", "demo", "--cases", "5"}, 2},
		{[]string{"seed", "bench", "--cases", "many"}, 2},
		{[]string{"user"}, 2},
		{[]string{"user", "promote", "a@b.test"}, 2},
		{[]string{"user", "disable"}, 2},
		{[]string{"user", "add", "--email", "x@demo.test", "--name", "X", "--role", "liaison"}, 2},
		{[]string{"audit"}, 2},
		{[]string{"audit", "note", "  "}, 2},
		{[]string{"version", "extra"}, 2},
	} {
		if code, out, errOut := runCode(t, vars, "", tc.args...); code != tc.want {
			t.Errorf("inspectrack %v: exit %d, want %d\n%s%s", tc.args, code, tc.want, out, errOut)
		}
	}
	// A failure that is not a usage error is 1: here, no database.
	if code, _, _ := runCode(t, vars, "", "migrate", "version"); code != 1 {
		t.Errorf("migrate version without a database: exit %d, want 1", code)
	}
}

func TestUsageListsEveryCommand(t *testing.T) {
	t.Parallel()
	code, out, _ := runCode(t, nil, "", "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for _, cmd := range []string{"serve", "migrate up", "seed demo", "seed bench", "user add", "user disable",
		"user reset-password", "audit verify", "audit note", "blobs copy", "blobs sweep", "backup", "restore", "version", "help"} {
		if !strings.Contains(out, "  "+cmd) {
			t.Errorf("usage does not list %q:\n%s", cmd, out)
		}
	}
}

func TestVersionPrintsTheBuild(t *testing.T) {
	t.Parallel()
	code, out, _ := runCode(t, nil, "", "version")
	if code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	for _, want := range []string{"inspectrack ", "revision ", "time ", runtime.Version()} {
		if !strings.Contains(out, want) {
			t.Errorf("version does not print %q:\n%s", want, out)
		}
	}
}

// TestNoSecretInHelpOrErrors: the password in DATABASE_URL (and the demo
// password) appear in no help text and no error.
func TestNoSecretInHelpOrErrors(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Pa55word"
	vars := map[string]string{
		"DATABASE_URL":              "postgres://inspectrack:" + secret + "@127.0.0.1:1/inspectrack?connect_timeout=1",
		"INSPECTRACK_AUDIT_KEY":     testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": secret,
	}
	for _, args := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"user", "add", "-h"}, {"migrate", "version"},
		{"serve", "--addr", "127.0.0.1:0"}, {"serve", "--log-level", "loud"}} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"inspectrack"}, args...), envWith(vars), strings.NewReader(""), &out, &errOut)
		all := out.String() + errOut.String()
		if err != nil {
			all += err.Error()
		}
		if strings.Contains(all, secret) {
			t.Errorf("inspectrack %v printed the password:\n%s", args, all)
		}
	}
	// A bad URL is named without its password.
	vars["DATABASE_URL"] = "postgres://inspectrack:" + secret + "@127.0.0.1:notaport/inspectrack"
	err := run(context.Background(), []string{"inspectrack", "migrate", "version"}, envWith(vars), nil, io.Discard, io.Discard)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("migrate version with a malformed DATABASE_URL: %v", err)
	}
}

// TestResetPasswordTakesFlagsAfterTheAddress runs the README's form,
// `user reset-password EMAIL --password-stdin`, and signs in with the
// password it read.
func TestResetPasswordTakesFlagsAfterTheAddress(t *testing.T) {
	t.Parallel()
	cs := testdb.ConnString(t)
	vars := map[string]string{"DATABASE_URL": cs, "INSPECTRACK_AUDIT_KEY": testAuditKey}
	if code, _, errOut := runCode(t, vars, "", "seed", "demo"); code != 0 {
		t.Fatalf("seed demo: exit %d\n%s", code, errOut)
	}
	const password = "a long chosen password"
	code, out, errOut := runCode(t, vars, password+"\n", "user", "reset-password", "manager@demo.test", "--password-stdin")
	if code != 0 {
		t.Fatalf("user reset-password EMAIL --password-stdin: exit %d\n%s%s", code, out, errOut)
	}
	if strings.Contains(out, "shown once") {
		t.Errorf("a password was generated although one was given on stdin: %q", out)
	}
	pool, err := database.Connect(context.Background(), cs)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	u, err := store.New(pool).UserByEmail(context.Background(), "manager@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := auth.CheckPassword(password, u.PasswordHash, auth.DefaultParams); !ok || err != nil {
		t.Errorf("the password read from stdin does not sign in: %v %v", ok, err)
	}
}

// TestWeakPasswordsAreRefusedFromTheCommandLine: the command line applies
// the portal's one password policy, counted in characters.
func TestWeakPasswordsAreRefusedFromTheCommandLine(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	if code, _, errOut := runCode(t, vars, "", "seed", "demo"); code != 0 {
		t.Fatalf("seed demo: exit %d\n%s", code, errOut)
	}
	for _, pw := range []string{"aaaaaaaaaaaa", "éééééé", "password1234", "Inspectrack2026!", "manager@demo.test", "123456789012"} {
		code, out, _ := runCode(t, vars, pw+"\n", "user", "reset-password", "--password-stdin", "manager@demo.test")
		if code == 0 {
			t.Errorf("reset-password accepted %q: %s", pw, out)
		}
		if pw == "manager@demo.test" {
			pw = "new.person@demo.test" // the new user's own address
		}
		code, out, _ = runCode(t, vars, pw+"\n", "user", "add", "--email", "new.person@demo.test", "--name", "New Person",
			"--role", "inspector", "--password-stdin")
		if code == 0 {
			t.Errorf("user add accepted %q: %s", pw, out)
		}
	}
	if code, _, errOut := runCode(t, vars, "a long chosen password\n", "user", "reset-password", "--password-stdin", "manager@demo.test"); code != 0 {
		t.Errorf("a good password was refused: exit %d\n%s", code, errOut)
	}
}
