package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/domain"
	"inspectrack/internal/store"
	"inspectrack/web/components"
)

// calendarTokenBytes is the entropy of a calendar token: 32 random bytes,
// 43 characters in the URL.
const calendarTokenBytes = 32

var calendarTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// calendarWindow is how far back a calendar reaches: a year of history, and
// everything still to come.
const calendarWindow = 365

// calendarShow is GET /calendar/{token}.ics: the due dates and follow-ups
// of the token owner's scope, as an iCalendar feed for Outlook and other
// calendar programs. The token is the credential (a calendar program sends
// no cookie); an unknown, revoked or malformed token, a disabled owner or
// one whose role has no calendar all look like a page that does not exist.
func (s *Server) calendarShow(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	if !calendarTokenPattern.MatchString(token) {
		return errHidden
	}
	owner, err := s.store.UserByCalendarToken(r.Context(), token)
	if err != nil {
		return err
	}
	u := toAuthUser(owner)
	if !auth.Allowed(u, auth.UseCalendar) {
		return errHidden
	}
	now := s.now()
	// ?asof= moves the year of history back with the day, as on every page.
	asOf, _, err := s.asOfOnly(r)
	if err != nil {
		return err
	}
	byCase := u.Role == auth.RoleLiaison
	entries, err := s.store.CalendarEntries(r.Context(), store.Scope{ForceID: u.ForceScope()}, store.CalendarFilter{
		From: domain.AddDays(asOf, -calendarWindow), AssessDays: s.cfg.AssessDays, ByCase: byCase})
	if err != nil {
		return err
	}
	base := s.baseURL(r)
	var c icsWriter
	c.line("BEGIN", "VCALENDAR")
	c.line("VERSION", "2.0")
	c.line("PRODID", "-//Inspection tracker//inspectrack//EN")
	c.line("CALSCALE", "GREGORIAN")
	c.line("METHOD", "PUBLISH")
	c.line("X-WR-CALNAME", icsText("Inspection tracker: "+owner.Name))
	stamp := now.UTC().Format("20060102T150405Z")
	for _, e := range entries {
		summary, description, uid, link := calendarEvent(e, byCase)
		c.line("BEGIN", "VEVENT")
		c.line("UID", uid+"@inspectrack")
		c.line("DTSTAMP", stamp)
		c.line("DTSTART;VALUE=DATE", e.On.Format("20060102"))
		c.line("DTEND;VALUE=DATE", domain.AddDays(e.On, 1).Format("20060102"))
		c.line("SUMMARY", icsText(summary))
		c.line("DESCRIPTION", icsText(description))
		c.line("URL", base+link)
		c.line("TRANSP", "TRANSPARENT")
		c.line("END", "VEVENT")
	}
	c.line("END", "VCALENDAR")
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="inspection-tracker.ics"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = c.b.WriteTo(w)
	return err
}

// calendarEvent words one entry; uid is stable across downloads so a
// calendar program updates an event rather than adding it again.
func calendarEvent(e store.CalendarEntry, byCase bool) (summary, description, uid, link string) {
	rec := e.Reference
	if rec == "" {
		rec = "recommendation " + strconv.FormatInt(e.FindingID, 10)
	}
	forces := func() string {
		if e.CaseID != 0 {
			return e.ForceName
		}
		return fmt.Sprintf("%d %s", e.Forces, components.Plural(e.Forces, "force", "forces"))
	}
	day := e.On.Format("20060102")
	link = withQuery("/dashboard", url.Values{"report": {strconv.FormatInt(e.ReportID, 10)}, "recommendation": {strconv.FormatInt(e.FindingID, 10)}})
	if e.CaseID != 0 {
		link = "/cases/" + strconv.FormatInt(e.CaseID, 10)
	}
	scopeID := fmt.Sprintf("finding-%d", e.FindingID)
	if byCase || e.CaseID != 0 {
		scopeID = fmt.Sprintf("case-%d", e.CaseID)
	}
	switch e.Kind {
	case store.CalendarPlanDue:
		summary = "Plan due: " + rec + " (" + forces() + ")"
		description = "The plan for " + rec + " is due from " + forces() + "."
		uid = "plan-due-" + scopeID + "-" + day
	case store.CalendarDeadline:
		summary = "Recommendation deadline: " + rec
		description = "The deadline of " + rec + " (" + e.ReportTitle + ") for " + forces() + " with the case open."
		uid = "deadline-" + scopeID + "-" + day
	case store.CalendarAssessmentDue:
		summary = fmt.Sprintf("Assessments due: %d %s for %s", e.Forces, components.Plural(e.Forces, "plan", "plans"), rec)
		description = "Assessments of plans for " + rec + " received from " + forces() + " are due to be published."
		uid = "assessment-due-" + scopeID + "-" + day
	case store.CalendarFollowUp:
		summary = "Follow-up inspection: " + e.ForceName + ", " + rec
		description = "Follow-up inspection planned at " + e.ForceName + " for " + rec + " (" + e.ReportTitle + ")."
		uid = "follow-up-" + strconv.FormatInt(e.FollowUpID, 10)
		link = followUpsPath(e.CaseID)
	case store.CalendarFollowUpDone:
		summary = "Follow-up inspection done: " + e.ForceName + ", " + rec
		description = "Follow-up inspection at " + e.ForceName + " for " + rec + " (" + e.ReportTitle + ") happened."
		uid = "follow-up-" + strconv.FormatInt(e.FollowUpID, 10)
		link = followUpsPath(e.CaseID)
	default:
		summary, description, uid = e.Kind, e.Kind, e.Kind+"-"+scopeID+"-"+day
	}
	return summary, description, uid, link
}

// baseURL is the portal's address for absolute links: INSPECTRACK_BASE_URL
// (serve defaults it to its listen address), never the request's Host
// header, which a client chooses; only a Server built without one (tests)
// falls back to the scheme and host the request came to.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if s.cfg.SecureCookies || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// icsWriter writes iCalendar content lines (RFC 5545 3.1): CRLF endings,
// lines folded at 75 octets without splitting a UTF-8 character.
type icsWriter struct{ b bytes.Buffer }

func (w *icsWriter) line(name, value string) {
	l := name + ":" + value
	const max = 75
	first := true
	for len(l) > 0 {
		limit := max
		if !first {
			limit = max - 1 // the leading space counts
			w.b.WriteByte(' ')
		}
		n := len(l)
		if n > limit {
			n = limit
			for n > 0 && !utf8.RuneStart(l[n]) {
				n--
			}
		}
		w.b.WriteString(l[:n])
		w.b.WriteString("\r\n")
		l = l[n:]
		first = false
	}
}

// icsEscaper escapes a TEXT value (RFC 5545 3.3.11); built once, it is
// safe for concurrent use.
var icsEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// icsText escapes a TEXT value (RFC 5545 3.3.11).
func icsText(s string) string { return icsEscaper.Replace(s) }

// newCalendarToken is a fresh secret for a calendar URL.
func newCalendarToken() string { return auth.RandomToken(calendarTokenBytes) }

// loggedPath is r's path as logs and the audit trail may show it: a
// calendar address's token is its credential, and so is a one-time link's
// (an invitation, a password reset), so they never appear.
func loggedPath(r *http.Request) string {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/calendar/"):
		return "/calendar/[token].ics"
	case strings.HasPrefix(p, "/invitation/"):
		return "/invitation/[token]"
	case strings.HasPrefix(p, "/password-reset/"):
		return "/password-reset/[token]"
	}
	return r.URL.Path
}
