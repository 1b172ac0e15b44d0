package main

import (
	"strings"
	"testing"
	"time"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/testdb"
)

// TestUserOTPPrintsACurrentCodeOfADemoUser: `make run` prints how to get
// the second step's code, and this is it.
func TestUserOTPPrintsACurrentCodeOfADemoUser(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey}
	code, out, errOut := runCode(t, vars, "", "seed", "demo")
	if code != 0 {
		t.Fatalf("seed demo: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, "user otp") {
		t.Errorf("seed demo does not say how to get a code:\n%s", out)
	}
	before := time.Now()
	code, out, errOut = runCode(t, vars, "", "user", "otp", "manager@demo.test")
	if code != 0 {
		t.Fatalf("user otp: exit %d\n%s", code, errOut)
	}
	got := strings.TrimSpace(out)
	secret := seed.DemoTOTPSecret("manager@demo.test")
	if _, ok := auth.CheckTOTP(secret, got, before, 0); !ok {
		if _, ok := auth.CheckTOTP(secret, got, time.Now(), 0); !ok {
			t.Errorf("user otp printed %q, not a current code of the demo secret", got)
		}
	}
	if code, _, _ := runCode(t, vars, "", "user", "otp", "nobody@demo.test"); code != 1 {
		t.Errorf("user otp for no such user: exit %d, want 1", code)
	}
}
