package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"inspectrack/internal/auth"
)

// testIdP is a small but real OpenID provider for the tests, in the test
// process: discovery, a JSON Web Key Set, the authorization endpoint (which
// signs in whoever the test says, at once, as a provider would after its
// own sign-in page) and the token endpoint, which checks the client's
// secret, the code (once), the redirect URI and the PKCE verifier, and
// returns an ID token signed with RS256 by go-jose. (zitadel/oidc's op
// package needs a whole storage implementation: this is the equal the
// issue allows.) Its knobs make the tokens the tests need to be refused.
type testIdP struct {
	t       *testing.T
	srv     *httptest.Server
	key     *rsa.PrivateKey
	clients map[string]string // client id -> secret

	mu    sync.Mutex
	codes map[string]idpGrant
	// Who signs in at the authorization endpoint.
	Email         string
	EmailVerified bool
	AMR           []string
	// Audience, when set, replaces the client id in the ID token's aud.
	Audience string
	// Lifetime of the ID token; negative: expired when issued.
	Lifetime time.Duration
	// LastRedirect is where the authorization endpoint last sent the
	// browser back (code and state in it), to replay.
	LastRedirect string
}

type idpGrant struct {
	clientID, redirect, nonce, challenge string
	email                                string
	verified                             bool
	amr                                  []string
}

func newTestIdP(t *testing.T, clients map[string]string) *testIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &testIdP{t: t, key: key, clients: clients, codes: map[string]idpGrant{}, EmailVerified: true, Lifetime: 5 * time.Minute}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", idp.discovery)
	mux.HandleFunc("GET /jwks", idp.jwks)
	mux.HandleFunc("GET /authorize", idp.authorize)
	mux.HandleFunc("POST /token", idp.token)
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

// Issuer is the provider's issuer URL.
func (idp *testIdP) Issuer() string { return idp.srv.URL }

// set changes the knobs under the lock.
func (idp *testIdP) set(f func(*testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	f(idp)
}

func (idp *testIdP) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                idp.srv.URL,
		"authorization_endpoint":                idp.srv.URL + "/authorize",
		"token_endpoint":                        idp.srv.URL + "/token",
		"jwks_uri":                              idp.srv.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func (idp *testIdP) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &idp.key.PublicKey, KeyID: "test-key", Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

func (idp *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, ok := idp.clients[q.Get("client_id")]; !ok || q.Get("response_type") != "code" || q.Get("redirect_uri") == "" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := auth.RandomToken(16)
	idp.mu.Lock()
	idp.codes[code] = idpGrant{clientID: q.Get("client_id"), redirect: q.Get("redirect_uri"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), email: idp.Email, verified: idp.EmailVerified, amr: idp.AMR}
	back := q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	idp.LastRedirect = back
	idp.mu.Unlock()
	http.Redirect(w, r, back, http.StatusFound)
}

func (idp *testIdP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if want, known := idp.clients[id]; !known || secret != want {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	idp.mu.Lock()
	g, found := idp.codes[r.PostFormValue("code")]
	delete(idp.codes, r.PostFormValue("code")) // a code is good once
	aud, lifetime := idp.Audience, idp.Lifetime
	idp.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !found || r.PostFormValue("grant_type") != "authorization_code" || g.clientID != id ||
		g.redirect != r.PostFormValue("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	if aud == "" {
		aud = id
	}
	now := time.Now()
	claims := map[string]any{
		"iss": idp.srv.URL, "sub": "subject-" + g.email, "aud": aud, "nonce": g.nonce,
		"iat": now.Unix(), "exp": now.Add(lifetime).Unix(),
		"email": g.email, "email_verified": g.verified,
	}
	if lifetime < 0 {
		claims["iat"] = now.Add(2 * lifetime).Unix()
	}
	if len(g.amr) > 0 {
		claims["amr"] = g.amr
	}
	payload, _ := json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: idp.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "test-key"))
	if err != nil {
		idp.t.Error(err)
		return
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		idp.t.Error(err)
		return
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		idp.t.Error(err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": auth.RandomToken(16), "token_type": "Bearer",
		"expires_in": 300, "id_token": raw})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
