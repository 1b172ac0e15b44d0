package web

import (
	"net/http"
	"testing"

	"inspectrack/internal/auth"
)

// TestPasswordsTheWebGivesMeetThePolicy: the web never takes a chosen
// password; the ones it generates for a new user or a reset pass the same
// policy the command line applies.
func TestPasswordsTheWebGivesMeetThePolicy(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t)
	admin := ts.as("admin@demo.test")
	u, err := ts.store.UserByEmail(t.Context(), "manager@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	res := admin.post("/admin/users/"+itoa(u.ID)+"/password", nil)
	wantStatus(t, res, http.StatusOK)
	pw := res.doc(t).Find("[data-testid=password]").Text()
	if pw == "" {
		t.Fatalf("the reset page shows no password:\n%s", res.Body)
	}
	if err := auth.ValidatePassword(pw, u.Email); err != nil {
		t.Errorf("the generated password %q breaks the policy: %v", pw, err)
	}
}
