package config

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func load(env map[string]string, args ...string) (Config, error) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return Load(func(k string) string { return env[k] }, fs, args)
}

func TestDefaults(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./.data" || c.DatabaseURL != "" || c.IdleTimeout != 30*time.Minute ||
		c.SessionLife != 12*time.Hour || c.MaxFileBytes != 25<<20 || c.AssessDays != 30 || c.SecureCookies ||
		c.ReadTimeout != 10*time.Second || c.UploadGrace != 30*time.Second || c.UploadMinRate != 32<<10 || c.MaxConnections != 512 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestFlagsOverrideTheEnvironment(t *testing.T) {
	c, err := load(map[string]string{"INSPECTRACK_ADDR": ":9000", "DATABASE_URL": "postgres://x"}, "--addr", ":9100")
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":9100" || c.DatabaseURL != "postgres://x" {
		t.Fatalf("got %+v", c)
	}
}

func TestBadSettingsAreAllNamed(t *testing.T) {
	_, err := load(map[string]string{
		"INSPECTRACK_LOG_LEVEL": "loud", "INSPECTRACK_SESSION_IDLE": "soon",
		"INSPECTRACK_TRUSTED_PROXIES": "10.0.0.0/8, not-an-address", "INSPECTRACK_MAX_FILE_MB": "500",
		"INSPECTRACK_READ_TIMEOUT": "0s", "INSPECTRACK_UPLOAD_MIN_KBPS": "slow", "INSPECTRACK_MAX_CONNECTIONS": "-1",
	})
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, want := range []string{"log level", "session idle", "not-an-address", "upload limits", "read timeout", "minimum rate", "max connections"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestTrustedProxiesTakeAddressesAndCIDRs(t *testing.T) {
	c, err := load(map[string]string{"INSPECTRACK_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].Bits() != 32 {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
}

func TestFlagsMayFollowArguments(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	stdin := fs.Bool("password-stdin", false, "")
	c, err := Load(func(string) string { return "" }, fs, []string{"a@b.test", "--password-stdin", "--addr", ":9100", "--", "--not-a-flag"})
	if err != nil {
		t.Fatal(err)
	}
	if !*stdin || c.Addr != ":9100" || strings.Join(fs.Args(), " ") != "a@b.test --not-a-flag" {
		t.Fatalf("stdin %v, addr %q, args %q", *stdin, c.Addr, fs.Args())
	}
}

func TestHelpPrintsNoDatabasePassword(t *testing.T) {
	var out strings.Builder
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(&out)
	_, err := Load(func(k string) string {
		if k == "DATABASE_URL" {
			return "postgres://u:hunter2hunter2@db/x"
		}
		return ""
	}, fs, []string{"-h"})
	if err != flag.ErrHelp || strings.Contains(out.String(), "hunter2") || !strings.Contains(out.String(), "database-url") {
		t.Fatalf("-h: %v\n%s", err, out.String())
	}
}

func TestMetricsAreOffUnlessGivenAnAddressOfTheirOwn(t *testing.T) {
	c, err := load(nil)
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("default metrics address %q (%v), want none", c.MetricsAddr, err)
	}
	c, err = load(map[string]string{"INSPECTRACK_METRICS_ADDR": "127.0.0.1:9090"})
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" {
		t.Fatalf("metrics address %q (%v)", c.MetricsAddr, err)
	}
	_, err = load(map[string]string{"INSPECTRACK_ADDR": "10.0.0.1:8080", "INSPECTRACK_METRICS_ADDR": "10.0.0.1:8080"})
	if err == nil || !strings.Contains(err.Error(), "metrics address") {
		t.Fatalf("metrics on the portal's own address: %v, want refused", err)
	}
}

func TestObjectStorageSettingsComeFromTheInspectrackOrTheAWSVariables(t *testing.T) {
	c, err := load(map[string]string{"INSPECTRACK_BLOB_URL": "s3://docs/portal", "INSPECTRACK_S3_ENDPOINT": "http://127.0.0.1:9000",
		"AWS_ACCESS_KEY_ID": "aws-id", "AWS_SECRET_ACCESS_KEY": "aws-secret", "AWS_REGION": "eu-west-2",
		"INSPECTRACK_S3_ACCESS_KEY_ID": "own-id", "INSPECTRACK_S3_SECRET_ACCESS_KEY": "own-secret", "AWS_SESSION_TOKEN": "tok"})
	if err != nil {
		t.Fatal(err)
	}
	want := S3{Endpoint: "http://127.0.0.1:9000", Region: "eu-west-2", AccessKey: "own-id", SecretKey: "own-secret", SessionToken: "tok"}
	if c.BlobURL != "s3://docs/portal" || c.S3 != want {
		t.Fatalf("got %q %+v", c.BlobURL, c.S3)
	}
	c, err = load(map[string]string{"AWS_ACCESS_KEY_ID": "aws-id", "AWS_SECRET_ACCESS_KEY": "aws-secret"}, "--blob-url", "s3://other")
	if err != nil || c.BlobURL != "s3://other" || c.S3.AccessKey != "aws-id" || c.S3.SecretKey != "aws-secret" {
		t.Fatalf("got %q %+v, %v", c.BlobURL, c.S3, err)
	}
	for _, bad := range []map[string]string{
		{"INSPECTRACK_BLOB_URL": "/var/lib/documents"},
		{"INSPECTRACK_S3_ACCESS_KEY_ID": "id without its secret"},
	} {
		if _, err := load(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
