package auth

import (
	"strings"
	"testing"
)

var cheap = Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestPasswordHashRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q does not carry its parameters", h)
	}
	for _, tc := range []struct {
		password string
		want     Params
		ok, redo bool
	}{
		{"correct horse battery staple", cheap, true, false},
		{"Correct horse battery staple", cheap, false, false},
		{"correct horse battery staple", Params{MemoryKiB: 2048, Time: 1, Threads: 1}, true, true},
		{"correct horse battery staple", Params{MemoryKiB: 1024, Time: 3, Threads: 1}, true, true},
	} {
		ok, redo, err := CheckPassword(tc.password, h, tc.want)
		if err != nil || ok != tc.ok || redo != tc.redo {
			t.Errorf("CheckPassword(%q, want %+v) = %v, %v, %v; want %v, %v", tc.password, tc.want, ok, redo, err, tc.ok, tc.redo)
		}
	}
}

func TestDefaultParamsMeetASVS(t *testing.T) {
	// OWASP ASVS 5.0 Appendix C: argon2id with m >= 46 MiB, t >= 1, p = 1.
	if DefaultParams.MemoryKiB < 46*1024 || DefaultParams.Time < 1 || DefaultParams.Threads != 1 {
		t.Fatalf("DefaultParams %+v are below ASVS", DefaultParams)
	}
}

func TestMalformedHashesAreErrors(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x$c2FsdA$a2V5", "$argon2id$v=19$m=1,t=1,p=1$!!$a2V5"} {
		if ok, _, err := CheckPassword("x", h, cheap); err == nil || ok {
			t.Errorf("CheckPassword on %q: ok=%v err=%v, want an error", h, ok, err)
		}
	}
}

func TestGeneratedPasswordsAreLongAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := GeneratePassword()
		if len(p) != 20 || seen[p] || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("generated %q", p)
		}
		seen[p] = true
	}
}

func TestPolicy(t *testing.T) {
	liaison := &User{Role: RoleLiaison, ForceID: 7}
	inspector := &User{Role: RoleInspector}
	manager := &User{Role: RoleManager}
	admin := &User{Role: RoleAdmin}
	for _, tc := range []struct {
		u    *User
		p    Permission
		want bool
	}{
		{nil, Public, true},
		{nil, SignedIn, false},
		{nil, ViewCases, false},
		{liaison, ViewCases, true},
		{liaison, ViewDashboard, false},
		{liaison, SubmitPlans, true},
		{inspector, SubmitPlans, false},
		{inspector, RecordOnBehalf, true},
		{manager, RecordOnBehalf, true},
		{liaison, RecordOnBehalf, false},
		{admin, RecordOnBehalf, false},
		{inspector, Assess, true},
		{inspector, ApproveAssess, false},
		{manager, ApproveAssess, true},
		{manager, Assess, false},
		{manager, ViewAssessments, true},
		{inspector, ViewAssessments, true},
		{liaison, ViewAssessments, false},
		{admin, ManageUsers, true},
		{manager, ManageUsers, false},
		{admin, ViewCases, false},
	} {
		if got := Allowed(tc.u, tc.p); got != tc.want {
			role := "anonymous"
			if tc.u != nil {
				role = string(tc.u.Role)
			}
			t.Errorf("Allowed(%s, %s) = %v, want %v", role, tc.p, got, tc.want)
		}
	}
	if liaison.ForceScope() != 7 || inspector.ForceScope() != 0 {
		t.Error("force scope")
	}
	if (&User{Role: RoleLiaison}).ForceScope() != -1 {
		t.Error("a liaison without a force must see nothing")
	}
}
