package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// OIDCProvider is one single sign-on provider (OpenID Connect), set by
// environment: INSPECTRACK_OIDC_PROVIDERS lists their ids, and for each id
// (upper case, "-" as "_") INSPECTRACK_OIDC_<ID>_ISSUER, _CLIENT_ID,
// _CLIENT_SECRET, _DOMAINS, _LABEL and _SECOND_FACTOR.
type OIDCProvider struct {
	ID           string // in the sign-in path: /login/sso/{id}
	Issuer       string
	ClientID     string
	ClientSecret string
	// Domains are the email domains the provider may sign in for.
	Domains []string
	// Label is the button's text: "Sign in with " + Label.
	Label string
	// SecondFactor says whether the provider's sign-in counts as the
	// second factor: "none" (the default: the portal's own still
	// applies), "amr" (when the ID token's amr claim says a second
	// factor was used: mfa, otp, hwk, swk, sc, fpt...) or "trusted".
	SecondFactor string
	// RedirectURL is where the provider sends the browser back; empty:
	// this portal's address, as the request names it, + /login/sso/{id}/callback.
	RedirectURL string
}

var oidcID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,30}$`)

func loadOIDC(getenv func(string) string) ([]OIDCProvider, error) {
	list := strings.TrimSpace(getenv("INSPECTRACK_OIDC_PROVIDERS"))
	if list == "" {
		return nil, nil
	}
	var ps []OIDCProvider
	seen := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		id = strings.ToLower(strings.TrimSpace(id))
		if !oidcID.MatchString(id) || seen[id] {
			return nil, fmt.Errorf("config: INSPECTRACK_OIDC_PROVIDERS: %q is no provider id (lower-case letters, digits and -, each once)", id)
		}
		seen[id] = true
		pre := "INSPECTRACK_OIDC_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_"
		get := func(k string) string { return strings.TrimSpace(getenv(pre + k)) }
		p := OIDCProvider{ID: id, Issuer: get("ISSUER"), ClientID: get("CLIENT_ID"), ClientSecret: get("CLIENT_SECRET"),
			Label: get("LABEL"), SecondFactor: strings.ToLower(get("SECOND_FACTOR")), RedirectURL: get("REDIRECT_URL")}
		for _, d := range strings.Split(get("DOMAINS"), ",") {
			if d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@"))); d != "" {
				p.Domains = append(p.Domains, d)
			}
		}
		if u, err := url.Parse(p.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("config: %sISSUER: want the provider's issuer URL", pre)
		}
		if p.ClientID == "" || p.ClientSecret == "" {
			return nil, fmt.Errorf("config: %sCLIENT_ID and %sCLIENT_SECRET are required", pre, pre)
		}
		if len(p.Domains) == 0 {
			return nil, fmt.Errorf("config: %sDOMAINS: name the email domain(s) the provider signs in for", pre)
		}
		if p.Label == "" {
			p.Label = id
		}
		switch p.SecondFactor {
		case "":
			p.SecondFactor = "none"
		case "none", "amr", "trusted":
		default:
			return nil, fmt.Errorf("config: %sSECOND_FACTOR: want none, amr or trusted", pre)
		}
		ps = append(ps, p)
	}
	return ps, nil
}

// AllowsEmail reports whether p may sign in email: its domain is one of
// p's, exactly.
func (p OIDCProvider) AllowsEmail(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(email[at+1:])
	for _, d := range p.Domains {
		if domain == d {
			return true
		}
	}
	return false
}
