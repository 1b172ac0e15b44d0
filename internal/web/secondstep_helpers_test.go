package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"inspectrack/internal/auth"
)

// totpCode is a code of email's authenticator secret that the server will
// take now: of the earliest step within its window not used yet. When
// every step of the window is used (one user signed in three times within
// the same 30 seconds of the server's clock, which tests hold still), the
// server's clock moves on one step, as a real clock would before a person
// could type another code.
func (ts *testServer) totpCode(email string) string {
	ts.t.Helper()
	var secret string
	var last int64
	err := ts.store.Pool().QueryRow(context.Background(), `SELECT t.secret, t.last_step FROM user_totp t
		JOIN users u ON u.id = t.user_id WHERE u.email = $1`, strings.ToLower(email)).Scan(&secret, &last)
	if err != nil {
		ts.t.Fatalf("second factor of %s: %v", email, err)
	}
	return ts.codeAfter(secret, last)
}

// codeAfter is a code of secret, of a step after last, that the server
// takes now (moving its clock on when needed).
func (ts *testServer) codeAfter(secret string, last int64) string {
	ts.t.Helper()
	ts.mu.Lock()
	now := ts.now
	step := max(auth.TOTPStep(now)-auth.TOTPSkew, last+1)
	for step > auth.TOTPStep(now)+auth.TOTPSkew {
		now = now.Add(auth.TOTPPeriod * time.Second)
	}
	ts.now = now
	ts.mu.Unlock()
	code, err := auth.TOTPCode(secret, time.Unix(step*auth.TOTPPeriod, 0))
	if err != nil {
		ts.t.Fatal(err)
	}
	return code
}

// signIn goes through both steps of signing in as email: the password,
// then the code of their authenticator app (or, for a user without one
// whom the policy requires to have one, setting one up from the secret
// the page writes out). headers go with every request (a test's
// X-Forwarded-For). It returns the answer of the last step taken: the
// password form's when it did not pass, else the second step's (303 to
// where the user was going; 200 with the recovery codes after setting up).
func (c *client) signIn(email, password string, headers map[string]string) response {
	c.ts.t.Helper()
	res := c.postWith("/login", url.Values{"email": {email}, "password": {password}}, headers)
	return c.secondStep(res, email, headers)
}

// secondStep completes the second step that res (the first step's answer)
// sends the client to, if any, and returns its answer; else res.
func (c *client) secondStep(res response, email string, headers map[string]string) response {
	c.ts.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		return res
	}
	switch res.Header.Get("Location") {
	case "/login/code":
		return c.postWith("/login/code", url.Values{"code": {c.ts.totpCode(email)}}, headers)
	case "/login/enrol":
		page := c.get("/login/enrol")
		wantStatus(c.ts.t, page, http.StatusOK)
		secret := enrolSecret(c.ts.t, page)
		return c.postWith("/login/enrol", url.Values{"code": {c.ts.codeAfter(secret, 0)}}, headers)
	}
	return res
}

// enrolSecret reads the secret the enrolment page writes out for typing.
func enrolSecret(t *testing.T, page response) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(page.Body))
	if err != nil {
		t.Fatal(err)
	}
	text := d.Find("[data-testid=totp-secret]").Text()
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "Key:"))
	secret := strings.Join(strings.Fields(text), "")
	if len(secret) < 16 {
		t.Fatalf("enrolment page writes out secret %q", secret)
	}
	return secret
}
