// Package config reads the portal's settings from the environment, with
// command-line flags overriding them. There are no globals: Load returns a
// Config and the caller passes it on.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of the portal.
type Config struct {
	// OIDC are the single sign-on providers (see oidc.go).
	OIDC        []OIDCProvider
	DatabaseURL string // empty: run the embedded PostgreSQL cluster under DataDir
	Addr        string
	// MetricsAddr is where Prometheus scrapes /metrics: an address of its
	// own, never the public one; empty serves no metrics.
	MetricsAddr string
	DataDir     string
	LogLevel    slog.Level
	LogFormat   string // "text" or "json"

	// SecureCookies marks the session cookie Secure with the __Host- prefix;
	// on for any deployment served over TLS, off for local http.
	SecureCookies bool
	IdleTimeout   time.Duration
	SessionLife   time.Duration
	// TrustedProxies lists the peers whose X-Forwarded-For is believed; empty
	// means the client address is always the TCP peer.
	TrustedProxies []netip.Prefix

	DemoPassword string // INSPECTRACK_DEMO_PASSWORD: password of the demo users

	// The audit chain's key, as configured; AuditKeys decodes it. Secret:
	// never log a Config.
	AuditKey     string // INSPECTRACK_AUDIT_KEY
	AuditKeyFile string // INSPECTRACK_AUDIT_KEY_FILE
	AuditKeysOld string // INSPECTRACK_AUDIT_KEYS_OLD: comma-separated keys retired by rotation

	MaxFileBytes       int64
	MaxSubmissionBytes int64
	AssessDays         int // days after a plan is received before its assessment is overdue

	// ReadTimeout bounds reading an ordinary request, headers and body;
	// uploads get UploadGrace, then must keep up UploadMinRate bytes a
	// second on average. MaxConnections caps the connections open at once.
	ReadTimeout    time.Duration
	UploadGrace    time.Duration
	UploadMinRate  int64
	MaxConnections int

	// SMTPURL is the mail server (smtp://user:pass@host:587, STARTTLS
	// required; smtps:// for implicit TLS; ?insecure=true for a local relay
	// without TLS). Empty: messages go to the admin mailbox instead.
	// Secret: it may hold a password.
	SMTPURL  string
	MailFrom string // INSPECTRACK_MAIL_FROM: the From of every message
	// BaseURL is the portal's address as its users reach it, for links in
	// messages and the calendar feed; empty: the address serve listens on.
	BaseURL string

	// BlobURL chooses where documents' bytes are kept: empty for
	// PostgreSQL, s3://bucket/prefix for an S3-compatible bucket reached
	// with S3. Secret keys: never log a Config.
	BlobURL string
	S3      S3
}

// S3 is how to reach the object storage of BlobURL (and of
// `blobs copy --to`).
type S3 struct {
	Endpoint     string // host[:port] or http(s)://host[:port]; empty: Amazon S3
	Region       string // empty: asked of the endpoint
	AccessKey    string // empty: the machine's role (instance or container credentials)
	SecretKey    string
	SessionToken string
}

// Vars lists the environment variables Load reads, with their defaults and
// meaning; the README's configuration table is written from it.
var Vars = []struct{ Name, Default, Meaning string }{
	{"DATABASE_URL", "(none)", "PostgreSQL to use; empty starts the embedded cluster under INSPECTRACK_DATA_DIR"},
	{"INSPECTRACK_ADDR", ":8080", "address to listen on"},
	{"INSPECTRACK_METRICS_ADDR", "(none)", "address of the Prometheus metrics (/metrics), apart from the portal's; empty serves none"},
	{"INSPECTRACK_DATA_DIR", "./.data", "folder for the embedded PostgreSQL cluster and other local data"},
	{"INSPECTRACK_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"INSPECTRACK_LOG_FORMAT", "text", "text or json"},
	{"INSPECTRACK_SECURE_COOKIES", "false", "true when served over TLS: Secure, __Host- session cookie and HSTS"},
	{"INSPECTRACK_SESSION_IDLE", "30m", "sign out after this long without a request"},
	{"INSPECTRACK_SESSION_LIFETIME", "12h", "sign out this long after signing in, whatever the activity"},
	{"INSPECTRACK_TRUSTED_PROXIES", "(none)", "comma-separated CIDRs whose X-Forwarded-For is trusted"},
	{"INSPECTRACK_DEMO_PASSWORD", "(generated)", "password given to the demo users by `seed demo`"},
	{"INSPECTRACK_MAX_FILE_MB", "25", "largest document a force may upload, in MiB"},
	{"INSPECTRACK_MAX_SUBMISSION_MB", "100", "largest submission (all its documents), in MiB"},
	{"INSPECTRACK_ASSESS_DAYS", "30", "days after a plan arrives before its assessment counts as overdue"},
	{"INSPECTRACK_AUDIT_KEY", "(none)", "key of the audit chain's HMAC, >= 32 bytes in hex or base64; required with DATABASE_URL (or the file below)"},
	{"INSPECTRACK_AUDIT_KEY_FILE", "(none)", "file with the audit key on its first line and old keys on the next; without DATABASE_URL, INSPECTRACK_DATA_DIR/audit.key is generated"},
	{"INSPECTRACK_AUDIT_KEYS_OLD", "(none)", "comma-separated keys retired by rotation, kept to verify the events they keyed"},
	{"INSPECTRACK_READ_TIMEOUT", "10s", "time a client has to send an ordinary request, headers and body"},
	{"INSPECTRACK_UPLOAD_GRACE", "30s", "time an upload has before it must keep up the minimum rate"},
	{"INSPECTRACK_UPLOAD_MIN_KBPS", "32", "the slowest an upload may arrive on average, in KiB a second"},
	{"INSPECTRACK_MAX_CONNECTIONS", "512", "connections served at once; more wait to be accepted"},
	{"INSPECTRACK_BLOB_URL", "(none)", "where documents are kept: empty for PostgreSQL, s3://bucket/prefix for an S3-compatible bucket"},
	{"INSPECTRACK_S3_ENDPOINT", "(Amazon S3)", "the object storage's address, host:port or http(s)://host:port"},
	{"INSPECTRACK_S3_REGION", "(asked of the endpoint)", "the bucket's region; AWS_REGION is read when this is unset"},
	{"INSPECTRACK_S3_ACCESS_KEY_ID", "(none)", "access key; AWS_ACCESS_KEY_ID is read when unset; neither: the machine's role"},
	{"INSPECTRACK_S3_SECRET_ACCESS_KEY", "(none)", "secret key; AWS_SECRET_ACCESS_KEY is read when unset (AWS_SESSION_TOKEN too)"},
	{"INSPECTRACK_SMTP_URL", "(none)", "mail server, smtp://user:pass@host:587 (STARTTLS required), smtps://... or ?insecure=true for a local relay; empty keeps messages in the admin mailbox"},
	{"INSPECTRACK_MAIL_FROM", "inspectrack@localhost", "From address of every message"},
	{"INSPECTRACK_BASE_URL", "(the listen address)", "the portal's address as users reach it, for links in messages and the calendar feed"},
}

// Load reads the environment through getenv, then lets flags in args
// override it. args excludes the program and subcommand names.
func Load(getenv func(string) string, fs *flag.FlagSet, args []string) (Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var c Config
	var level, idle, life, proxies string
	var fileMB, subMB int64
	var secure bool
	var err error
	secure, err = strconv.ParseBool(env("INSPECTRACK_SECURE_COOKIES", "false"))
	if err != nil {
		return c, fmt.Errorf("config: INSPECTRACK_SECURE_COOKIES: %w", err)
	}
	// DATABASE_URL is read after parsing, not given as the flag's default:
	// -h prints defaults, and this one holds a password.
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL (default: $DATABASE_URL; empty: embedded cluster)")
	fs.StringVar(&c.Addr, "addr", env("INSPECTRACK_ADDR", ":8080"), "listen address")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("INSPECTRACK_METRICS_ADDR", ""), "Prometheus metrics address (empty: none)")
	fs.StringVar(&c.DataDir, "data-dir", env("INSPECTRACK_DATA_DIR", "./.data"), "data folder")
	fs.StringVar(&level, "log-level", env("INSPECTRACK_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", env("INSPECTRACK_LOG_FORMAT", "text"), "text or json")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", secure, "served over TLS")
	fs.StringVar(&idle, "session-idle", env("INSPECTRACK_SESSION_IDLE", "30m"), "session idle timeout")
	fs.StringVar(&life, "session-lifetime", env("INSPECTRACK_SESSION_LIFETIME", "12h"), "session absolute lifetime")
	fs.StringVar(&proxies, "trusted-proxies", env("INSPECTRACK_TRUSTED_PROXIES", ""), "trusted proxy CIDRs")
	fs.Int64Var(&fileMB, "max-file-mb", envInt(env("INSPECTRACK_MAX_FILE_MB", "25")), "largest document in MiB")
	fs.Int64Var(&subMB, "max-submission-mb", envInt(env("INSPECTRACK_MAX_SUBMISSION_MB", "100")), "largest submission in MiB")
	assess := int64(0)
	fs.Int64Var(&assess, "assess-days", envInt(env("INSPECTRACK_ASSESS_DAYS", "30")), "days to assess a plan")
	var readTimeout, grace string
	var minKBps, maxConns int64
	fs.StringVar(&readTimeout, "read-timeout", env("INSPECTRACK_READ_TIMEOUT", "10s"), "time to send an ordinary request")
	fs.StringVar(&grace, "upload-grace", env("INSPECTRACK_UPLOAD_GRACE", "30s"), "time an upload has before the minimum rate applies")
	fs.Int64Var(&minKBps, "upload-min-kbps", envInt(env("INSPECTRACK_UPLOAD_MIN_KBPS", "32")), "slowest upload in KiB/s")
	fs.Int64Var(&maxConns, "max-connections", envInt(env("INSPECTRACK_MAX_CONNECTIONS", "512")), "connections served at once")
	fs.StringVar(&c.BlobURL, "blob-url", env("INSPECTRACK_BLOB_URL", ""), "where documents are kept: empty for PostgreSQL, s3://bucket/prefix")
	either := func(a, b string) string { return env(a, env(b, "")) }
	c.S3 = S3{Endpoint: env("INSPECTRACK_S3_ENDPOINT", ""), Region: either("INSPECTRACK_S3_REGION", "AWS_REGION"),
		AccessKey:    either("INSPECTRACK_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
		SecretKey:    either("INSPECTRACK_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
		SessionToken: env("AWS_SESSION_TOKEN", "")}
	fs.StringVar(&c.MailFrom, "mail-from", env("INSPECTRACK_MAIL_FROM", "inspectrack@localhost"), "From address of messages")
	fs.StringVar(&c.BaseURL, "base-url", env("INSPECTRACK_BASE_URL", ""), "the portal's address for links (default: the listen address)")
	// No flag: -h prints defaults, and the URL may hold a password.
	c.SMTPURL = strings.TrimSpace(getenv("INSPECTRACK_SMTP_URL"))
	c.DemoPassword = getenv("INSPECTRACK_DEMO_PASSWORD")
	c.AuditKey = strings.TrimSpace(getenv("INSPECTRACK_AUDIT_KEY"))
	c.AuditKeyFile = strings.TrimSpace(getenv("INSPECTRACK_AUDIT_KEY_FILE"))
	c.AuditKeysOld = strings.TrimSpace(getenv("INSPECTRACK_AUDIT_KEYS_OLD"))
	if err := parseInterspersed(fs, args); err != nil {
		return c, err
	}
	if !isSet(fs, "database-url") {
		c.DatabaseURL = env("DATABASE_URL", "")
	}

	var errs []error
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0") {
		errs = append(errs, fmt.Errorf("metrics address %q: the portal's own address; give the metrics one of their own", c.MetricsAddr))
	}
	if err := c.LogLevel.UnmarshalText([]byte(level)); err != nil {
		errs = append(errs, fmt.Errorf("log level %q: %w", level, err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log format %q: want text or json", c.LogFormat))
	}
	if c.IdleTimeout, err = time.ParseDuration(idle); err != nil || c.IdleTimeout <= 0 {
		errs = append(errs, fmt.Errorf("session idle timeout %q: want a positive duration such as 30m", idle))
	}
	if c.SessionLife, err = time.ParseDuration(life); err != nil || c.SessionLife <= 0 {
		errs = append(errs, fmt.Errorf("session lifetime %q: want a positive duration such as 12h", life))
	}
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("trusted proxy %q: want an address or CIDR", p))
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix)
	}
	if fileMB <= 0 || subMB <= 0 || fileMB > subMB {
		errs = append(errs, fmt.Errorf("upload limits: file %d MiB, submission %d MiB: want 0 < file <= submission", fileMB, subMB))
	}
	c.MaxFileBytes, c.MaxSubmissionBytes = fileMB<<20, subMB<<20
	if assess <= 0 {
		errs = append(errs, fmt.Errorf("assess days %d: want a positive number", assess))
	}
	c.AssessDays = int(assess)
	if c.ReadTimeout, err = time.ParseDuration(readTimeout); err != nil || c.ReadTimeout <= 0 {
		errs = append(errs, fmt.Errorf("read timeout %q: want a positive duration such as 10s", readTimeout))
	}
	if c.UploadGrace, err = time.ParseDuration(grace); err != nil || c.UploadGrace <= 0 {
		errs = append(errs, fmt.Errorf("upload grace %q: want a positive duration such as 30s", grace))
	}
	if minKBps <= 0 {
		errs = append(errs, fmt.Errorf("upload minimum rate %d KiB/s: want a positive number", minKBps))
	}
	c.UploadMinRate = minKBps << 10
	if maxConns <= 0 {
		errs = append(errs, fmt.Errorf("max connections %d: want a positive number", maxConns))
	}
	c.MaxConnections = int(maxConns)
	if c.BlobURL != "" && !strings.HasPrefix(c.BlobURL, "s3://") {
		errs = append(errs, fmt.Errorf("blob URL %q: want empty (PostgreSQL) or s3://bucket/prefix", c.BlobURL))
	}
	if (c.S3.AccessKey == "") != (c.S3.SecretKey == "") {
		errs = append(errs, errors.New("S3 keys: give both the access key id and the secret access key, or neither"))
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			errs = append(errs, errors.New("INSPECTRACK_SMTP_URL: want smtp://user:pass@host:587 or smtps://user:pass@host:465"))
		}
	}
	if !strings.Contains(c.MailFrom, "@") {
		errs = append(errs, fmt.Errorf("mail from %q: want an email address", c.MailFrom))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base URL %q: want http(s)://host[:port][/path]", c.BaseURL))
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("config: %w", errors.Join(errs...))
	}
	if c.OIDC, err = loadOIDC(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// parseInterspersed parses fs's flags wherever they stand among args
// (`user reset-password EMAIL --password-stdin` as well as before EMAIL);
// fs.Args() is then the arguments that are not flags, in order. After
// "--" everything is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parsing "--" and the arguments leaves them as fs.Args().
	return fs.Parse(append([]string{"--"}, positional...))
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// envInt reads a number from the environment, or -1 so validation names it.
func envInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}
