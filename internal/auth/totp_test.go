package auth

import (
	"strings"
	"testing"
	"time"
)

func TestTOTPCodeIsGoodWithinOneStepAndNeverAtOrBeforeTheLastUsed(t *testing.T) {
	secret, url, err := NewTOTPKey("manager@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/") || !strings.Contains(url, "secret="+secret) || !strings.Contains(url, "issuer=Inspection") {
		t.Errorf("otpauth URL %q", url)
	}
	now := time.Unix(1_800_000_015, 0)
	step := TOTPStep(now)
	code := func(s int64) string {
		c, err := TOTPCode(secret, time.Unix(s*TOTPPeriod, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name     string
		code     string
		lastStep int64
		want     int64
		ok       bool
	}{
		{"this step", code(step), 0, step, true},
		{"the step before", code(step - 1), 0, step - 1, true},
		{"the step after", code(step + 1), 0, step + 1, true},
		{"two steps before", code(step - 2), 0, 0, false},
		{"two steps after", code(step + 2), 0, 0, false},
		{"typed with a space", code(step)[:3] + " " + code(step)[3:], 0, step, true},
		{"this step, used", code(step), step, 0, false},
		{"the step before, a later one used", code(step - 1), step, 0, false},
		{"the step after, this one used", code(step + 1), step, step + 1, true},
		{"too short", code(step)[:5], 0, 0, false},
	} {
		got, ok := CheckTOTP(secret, tc.code, now, tc.lastStep)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: CheckTOTP = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRecoveryCodesAreTenDistinctAndReadAsTyped(t *testing.T) {
	codes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount || RecoveryCodeCount != 10 {
		t.Fatalf("%d codes", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 19 || seen[c] || NormalizeRecoveryCode(c) == "" {
			t.Errorf("code %q: malformed or repeated", c)
		}
		seen[c] = true
	}
	c := codes[0]
	typed := " " + strings.ToUpper(strings.ReplaceAll(c, "-", " ")) + " "
	if string(RecoveryCodeHash(typed)) != string(RecoveryCodeHash(c)) {
		t.Error("a code typed in capitals with spaces does not match")
	}
	if string(RecoveryCodeHash(codes[1])) == string(RecoveryCodeHash(c)) {
		t.Error("two codes hash alike")
	}
	for _, bad := range []string{"", "123456", "abcd-efgh-ijkl", "abcd-efgh-ijkl-mno1"} {
		if NormalizeRecoveryCode(bad) != "" {
			t.Errorf("%q taken for a recovery code", bad)
		}
	}
}

func TestSecondFactorPolicy(t *testing.T) {
	for _, r := range []Role{RoleAdmin, RoleManager, RoleInspector} {
		if !SecondFactorRequired(r, false) || !SecondFactorRequired(r, true) {
			t.Errorf("%s: a second factor is not always required", r)
		}
	}
	if !SecondFactorRequired(RoleLiaison, true) || SecondFactorRequired(RoleLiaison, false) {
		t.Error("liaisons: the setting is not followed")
	}
}
