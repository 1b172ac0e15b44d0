package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-chi/chi/v5"
	"golang.org/x/oauth2"

	"inspectrack/internal/auth"
	"inspectrack/internal/config"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// Single sign-on with OpenID Connect providers (config.OIDCProvider): the
// authorization code flow with PKCE (S256), state and nonce checked, the
// ID token verified (signature, issuer, audience, expiry) and its email
// verified. A sign-in maps to an existing, enabled account by email; there
// is no self-registration. The provider's sign-in is the first step; it
// counts as the second only when the provider is set so.

// Session keys of a sign-in sent to a provider and not back yet.
const (
	sessionSSOProvider = "sso_provider"
	sessionSSOState    = "sso_state"
	sessionSSONonce    = "sso_nonce"
	sessionSSOVerifier = "sso_verifier"
	sessionSSONext     = "sso_next"
	sessionSSOAt       = "sso_at"
)

// ssoLifetime is how long the browser may take at the provider.
const ssoLifetime = 10 * time.Minute

// ssoProvider is a configured provider, discovered on first use (so the
// portal starts when a provider is down) and then kept.
type ssoProvider struct {
	cfg config.OIDCProvider

	mu       sync.Mutex
	provider *oidc.Provider
}

// ssoClient is the HTTP client that talks to providers: discovery, keys,
// the token exchange.
var ssoClient = &http.Client{Timeout: 10 * time.Second}

func (p *ssoProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	// The keys are fetched later under this context too: not the request's.
	pr, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), ssoClient), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("web: single sign-on %s: discovery: %w", p.cfg.ID, err)
	}
	p.provider = pr
	return pr, nil
}

func (s *Server) ssoProviders() map[string]*ssoProvider {
	s.ssoOnce.Do(func() {
		s.sso = map[string]*ssoProvider{}
		for _, c := range s.cfg.OIDC {
			s.sso[c.ID] = &ssoProvider{cfg: c}
		}
	})
	return s.sso
}

// providerLabels are the single sign-on providers' button labels.
func (s *Server) providerLabels() []string {
	var labels []string
	for _, c := range s.cfg.OIDC {
		labels = append(labels, fmt.Sprintf("%s (%s; for %v; counts as the second factor: %s)", c.Label, c.Issuer, c.Domains, c.SecondFactor))
	}
	return labels
}

// ssoButtons are the sign-in page's buttons, one a provider.
func (s *Server) ssoButtons() []components.SSOButton {
	var bs []components.SSOButton
	for _, c := range s.cfg.OIDC {
		bs = append(bs, components.SSOButton{Href: "/login/sso/" + c.ID, Label: c.Label})
	}
	return bs
}

func (s *Server) oauthConfig(r *http.Request, p *ssoProvider, pr *oidc.Provider) *oauth2.Config {
	redirect := p.cfg.RedirectURL
	if redirect == "" {
		redirect = s.baseURL(r) + "/login/sso/" + p.cfg.ID + "/callback"
	}
	return &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, Endpoint: pr.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// ssoStart is GET /login/sso/{provider}: off to the provider, with a new
// state, nonce and PKCE verifier kept in the session.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if auth.UserFrom(ctx) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	p, ok := s.ssoProviders()[chi.URLParam(r, "provider")]
	if !ok {
		// No such provider (any more): the sign-in page lists those there are.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	pr, err := p.discover(ctx)
	if err != nil {
		s.log.ErrorContext(ctx, "single sign-on unavailable", "provider", p.cfg.ID, "error", err, "request_id", RequestIDFrom(ctx))
		return s.ssoRefuse(w, r, http.StatusBadGateway, p.cfg.Label+" cannot be reached just now. Try again later, or sign in with your email address and password.")
	}
	state, nonce, verifier := auth.RandomToken(32), auth.RandomToken(32), oauth2.GenerateVerifier()
	s.sessions.Put(ctx, sessionSSOProvider, p.cfg.ID)
	s.sessions.Put(ctx, sessionSSOState, state)
	s.sessions.Put(ctx, sessionSSONonce, nonce)
	s.sessions.Put(ctx, sessionSSOVerifier, verifier)
	s.sessions.Put(ctx, sessionSSONext, safeNext(r.URL.Query().Get("next")))
	s.sessions.Put(ctx, sessionSSOAt, s.now().Unix())
	url := s.oauthConfig(r, p, pr).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	http.Redirect(w, r, url, http.StatusSeeOther)
	return nil
}

// ssoClaims are the ID token's claims the portal reads.
type ssoClaims struct {
	Email         string   `json:"email"`
	EmailVerified any      `json:"email_verified"` // a bool, or "true" from some providers
	AMR           []string `json:"amr"`
}

func (c ssoClaims) verified() bool {
	switch v := c.EmailVerified.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// secondFactorAMR are the amr values (RFC 8176) that say a second factor
// was used.
var secondFactorAMR = []string{"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"}

// ssoCallback is GET /login/sso/{provider}/callback: the provider's answer.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if auth.UserFrom(ctx) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	p, ok := s.ssoProviders()[chi.URLParam(r, "provider")]
	if !ok {
		// No such provider (any more): the sign-in page lists those there are.
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	// The state is taken from the session before anything else: it is
	// good once, whatever happens next.
	wantState := s.sessions.PopString(ctx, sessionSSOState)
	nonce := s.sessions.PopString(ctx, sessionSSONonce)
	verifier := s.sessions.PopString(ctx, sessionSSOVerifier)
	next := safeNext(s.sessions.PopString(ctx, sessionSSONext))
	at := s.sessions.GetInt64(ctx, sessionSSOAt)
	s.sessions.Remove(ctx, sessionSSOAt)
	provider := s.sessions.PopString(ctx, sessionSSOProvider)
	plain := "You could not be signed in through " + p.cfg.Label + ". Start again from the sign-in page, or ask an administrator of the portal."
	// reject refuses an answer that carries no identity the provider
	// vouched for (a state that matches nothing, a token that does not
	// verify): logged, not audited, as failed passwords are kept out of
	// the trail, so that anyone can send such answers without filling it.
	reject := func(reason string) error {
		s.log.WarnContext(ctx, "single sign-on refused", "provider", p.cfg.ID, "reason", reason,
			"request_id", RequestIDFrom(ctx), "client", ClientAddrFrom(ctx))
		return s.ssoRefuse(w, r, http.StatusForbidden, plain)
	}
	// refuse refuses a sign-in the provider vouched for (its ID token
	// verified): audited, naming the email.
	refuse := func(reason string) error {
		a := actor(r)
		if err := s.store.AuditOne(ctx, a.Event("login.sso.refused", "sso", p.cfg.ID, 0,
			"sign-in through "+p.cfg.Label+" refused: "+reason)); err != nil {
			return err
		}
		return s.ssoRefuse(w, r, http.StatusForbidden, plain)
	}
	got := r.URL.Query().Get("state")
	if wantState == "" || provider != p.cfg.ID || subtle.ConstantTimeCompare([]byte(got), []byte(wantState)) != 1 {
		return reject("the state did not match a sign-in this browser started (replayed, forged or from another browser)")
	}
	if s.now().Unix()-at > int64(ssoLifetime.Seconds()) {
		return reject("the sign-in took longer than " + ssoLifetime.String())
	}
	if e := r.URL.Query().Get("error"); e != "" {
		return reject("the provider answered " + truncate(e, 80))
	}
	pr, err := p.discover(ctx)
	if err != nil {
		return err
	}
	tok, err := s.oauthConfig(r, p, pr).Exchange(oidc.ClientContext(ctx, ssoClient), r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		s.log.WarnContext(ctx, "single sign-on: code exchange failed", "provider", p.cfg.ID, "error", err, "request_id", RequestIDFrom(ctx))
		return reject("the provider did not exchange the code for tokens")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return reject("the provider sent no ID token")
	}
	idt, err := pr.VerifierContext(oidc.ClientContext(ctx, ssoClient), &oidc.Config{ClientID: p.cfg.ClientID, Now: s.now}).Verify(ctx, raw)
	if err != nil {
		s.log.WarnContext(ctx, "single sign-on: ID token refused", "provider", p.cfg.ID, "error", err, "request_id", RequestIDFrom(ctx))
		return reject("the ID token did not verify (" + idTokenProblem(err) + ")")
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return reject("the ID token's nonce did not match")
	}
	var c ssoClaims
	if err := idt.Claims(&c); err != nil {
		return reject("the ID token's claims could not be read")
	}
	email := store.NormalizeEmail(c.Email)
	if email == "" {
		return refuse("the ID token names no email address")
	}
	if !c.verified() {
		return refuse("the provider has not verified the email address " + truncate(email, 120))
	}
	if !p.cfg.AllowsEmail(email) {
		return refuse(truncate(email, 120) + " is not in a domain this provider may sign in for")
	}
	u, err := s.store.UserByEmail(ctx, email)
	if isNotFound(err) {
		return refuse(truncate(email, 120) + " is no account of the portal")
	}
	if err != nil {
		return err
	}
	if u.DisabledAt != nil {
		return refuse("the account " + u.Email + " is disabled")
	}
	secondDone := false
	switch p.cfg.SecondFactor {
	case "trusted":
		secondDone = true
	case "amr":
		secondDone = slices.ContainsFunc(c.AMR, func(m string) bool { return slices.Contains(secondFactorAMR, m) })
	}
	return s.firstStepPassed(w, r, u, next, "through "+p.cfg.Label, secondDone, 0)
}

// idTokenProblem names what was wrong with an ID token, for the audit
// trail, without the token.
func idTokenProblem(err error) string {
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		return "expired"
	case errContains(err, "audience"):
		return "issued for another client"
	case errContains(err, "issuer"):
		return "another issuer"
	case errContains(err, "signature"):
		return "bad signature"
	}
	return "malformed"
}

func errContains(err error, s string) bool {
	return err != nil && strings.Contains(err.Error(), s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// ssoRefuse shows the plain refusal page.
func (s *Server) ssoRefuse(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	return s.render(w, r, status, components.SSORefusedPage(s.page(r, "You could not be signed in"), msg))
}
