package config

import (
	"strings"
	"testing"
)

func TestOIDCProvidersAreReadFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		"INSPECTRACK_OIDC_PROVIDERS":                "entra, police-sso",
		"INSPECTRACK_OIDC_ENTRA_ISSUER":             "https://login.microsoftonline.com/tenant/v2.0",
		"INSPECTRACK_OIDC_ENTRA_CLIENT_ID":          "client",
		"INSPECTRACK_OIDC_ENTRA_CLIENT_SECRET":      "secret",
		"INSPECTRACK_OIDC_ENTRA_DOMAINS":            "hmicfrs.test, @Justice.test",
		"INSPECTRACK_OIDC_ENTRA_LABEL":              "Inspectorate account",
		"INSPECTRACK_OIDC_POLICE_SSO_ISSUER":        "https://sso.police.test",
		"INSPECTRACK_OIDC_POLICE_SSO_CLIENT_ID":     "c2",
		"INSPECTRACK_OIDC_POLICE_SSO_CLIENT_SECRET": "s2",
		"INSPECTRACK_OIDC_POLICE_SSO_DOMAINS":       "police.test",
		"INSPECTRACK_OIDC_POLICE_SSO_SECOND_FACTOR": "amr",
	}
	ps, err := loadOIDC(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].ID != "entra" || ps[1].ID != "police-sso" {
		t.Fatalf("providers %+v", ps)
	}
	e := ps[0]
	if e.SecondFactor != "none" || e.Label != "Inspectorate account" || strings.Join(e.Domains, ",") != "hmicfrs.test,justice.test" {
		t.Errorf("entra %+v: want the safe default (none), the label and both domains", e)
	}
	if !e.AllowsEmail("a.b@Justice.test") || e.AllowsEmail("a@evil-justice.test") || e.AllowsEmail("a@justice.test.evil") || e.AllowsEmail("nobody") {
		t.Error("AllowsEmail does not match domains exactly")
	}
	if ps[1].SecondFactor != "amr" || ps[1].Label != "police-sso" {
		t.Errorf("police-sso %+v", ps[1])
	}

	for name, bad := range map[string]map[string]string{
		"no secret":   {"INSPECTRACK_OIDC_PROVIDERS": "x", "INSPECTRACK_OIDC_X_ISSUER": "https://x.test", "INSPECTRACK_OIDC_X_CLIENT_ID": "c", "INSPECTRACK_OIDC_X_DOMAINS": "x.test"},
		"no domains":  {"INSPECTRACK_OIDC_PROVIDERS": "x", "INSPECTRACK_OIDC_X_ISSUER": "https://x.test", "INSPECTRACK_OIDC_X_CLIENT_ID": "c", "INSPECTRACK_OIDC_X_CLIENT_SECRET": "s"},
		"bad issuer":  {"INSPECTRACK_OIDC_PROVIDERS": "x", "INSPECTRACK_OIDC_X_ISSUER": "x.test", "INSPECTRACK_OIDC_X_CLIENT_ID": "c", "INSPECTRACK_OIDC_X_CLIENT_SECRET": "s", "INSPECTRACK_OIDC_X_DOMAINS": "x.test"},
		"bad setting": {"INSPECTRACK_OIDC_PROVIDERS": "x", "INSPECTRACK_OIDC_X_ISSUER": "https://x.test", "INSPECTRACK_OIDC_X_CLIENT_ID": "c", "INSPECTRACK_OIDC_X_CLIENT_SECRET": "s", "INSPECTRACK_OIDC_X_DOMAINS": "x.test", "INSPECTRACK_OIDC_X_SECOND_FACTOR": "yes"},
		"bad id":      {"INSPECTRACK_OIDC_PROVIDERS": "X/Y"},
		"id twice":    {"INSPECTRACK_OIDC_PROVIDERS": "x,x"},
	} {
		if _, err := loadOIDC(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "s2") || strings.Contains(err.Error(), "secret\"") {
			t.Errorf("%s: the error shows a secret: %v", name, err)
		}
	}
}
