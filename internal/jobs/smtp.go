package jobs

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"

	"inspectrack/internal/notify"
)

// SMTP sends messages through a mail server with go-mail.
type SMTP struct {
	from   string
	host   string
	domain string
	opts   []mail.Option
}

// NewSMTP configures delivery through rawURL: smtp://user:pass@host:587
// requires STARTTLS; smtps://host:465 is TLS from the start;
// ?insecure=true allows a local relay without TLS. from is the sender.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("jobs: INSPECTRACK_SMTP_URL: %w", err)
	}
	s := &SMTP{from: from, host: u.Hostname(), domain: "inspectrack"}
	opts := []mail.Option{mail.WithTimeout(20 * time.Second)}
	insecure, _ := strconv.ParseBool(u.Query().Get("insecure"))
	port := 587
	switch {
	case u.Scheme == "smtps":
		port = 465
		opts = append(opts, mail.WithSSL())
	case insecure:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case u.Scheme == "smtp":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		return nil, fmt.Errorf("jobs: INSPECTRACK_SMTP_URL: scheme %q: want smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("jobs: INSPECTRACK_SMTP_URL: port %q", p)
		}
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	s.opts = opts
	if _, err := mail.NewClient(s.host, s.opts...); err != nil {
		return nil, fmt.Errorf("jobs: INSPECTRACK_SMTP_URL: %w", err)
	}
	return s, nil
}

// Send delivers e, text and HTML, over a connection of its own.
func (s *SMTP) Send(ctx context.Context, e notify.Email) error {
	m := mail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("smtp: from %q: %w", s.from, err)
	}
	if err := m.To(e.To); err != nil {
		return fmt.Errorf("smtp: to: %w", err)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(fmt.Sprintf("message-%d@%s", e.ID, s.domain))
	m.SetDate()
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	c, err := mail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}
