package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/domain"
	"inspectrack/internal/testdb"
)

// icsProp is one content line of an iCalendar file, unfolded.
type icsProp struct {
	Name   string
	Params map[string]string
	Value  string
}

// icsEvent is a VEVENT's properties by name.
type icsEvent map[string]icsProp

var (
	icsName     = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	icsDate     = regexp.MustCompile(`^\d{8}$`)
	icsDateTime = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
	icsEscape   = regexp.MustCompile(`\\(.?)`)
)

// parseICS is a strict reader of the RFC 5545 this portal writes: CRLF line
// ends only, no physical line over 75 octets, folded lines joined, every
// line "NAME;PARAM=V:VALUE", components properly nested, and each VEVENT
// with one UID, DTSTAMP (UTC) and an all-day DTSTART. TEXT values may hold
// only the escapes \\ \; \, \n and no bare ; or ,. It returns the events
// with their TEXT values unescaped.
func parseICS(t *testing.T, body string) (cal map[string]icsProp, events []icsEvent) {
	t.Helper()
	if !utf8.ValidString(body) {
		t.Fatal("not UTF-8")
	}
	if !strings.HasSuffix(body, "\r\n") {
		t.Fatal("does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Fatalf("line %d is %d octets, more than 75: %q", i+1, len(l), l)
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				t.Fatal("file starts with a continuation line")
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	parse := func(l string) icsProp {
		colon := strings.IndexByte(l, ':')
		if colon < 0 {
			t.Fatalf("no colon in %q", l)
		}
		head, value := l[:colon], l[colon+1:]
		parts := strings.Split(head, ";")
		p := icsProp{Name: strings.ToUpper(parts[0]), Params: map[string]string{}, Value: value}
		if !icsName.MatchString(p.Name) {
			t.Fatalf("bad property name in %q", l)
		}
		for _, kv := range parts[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || !icsName.MatchString(k) || v == "" {
				t.Fatalf("bad parameter %q in %q", kv, l)
			}
			p.Params[strings.ToUpper(k)] = v
		}
		return p
	}
	text := func(p icsProp) string {
		if strings.ContainsAny(icsEscape.ReplaceAllString(p.Value, ""), ";,") {
			t.Fatalf("%s has an unescaped ; or ,: %q", p.Name, p.Value)
		}
		return icsEscape.ReplaceAllStringFunc(p.Value, func(m string) string {
			switch m {
			case `\\`:
				return `\`
			case `\;`:
				return ";"
			case `\,`:
				return ","
			case `\n`, `\N`:
				return "\n"
			}
			t.Fatalf("%s has a bad escape %q in %q", p.Name, m, p.Value)
			return ""
		})
	}

	if len(lines) < 2 || lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		t.Fatalf("not a VCALENDAR: first %q", lines[0])
	}
	cal = map[string]icsProp{}
	var ev icsEvent
	uids := map[string]bool{}
	for _, l := range lines[1 : len(lines)-1] {
		p := parse(l)
		switch {
		case p.Name == "BEGIN" && p.Value == "VEVENT":
			if ev != nil {
				t.Fatal("VEVENT inside VEVENT")
			}
			ev = icsEvent{}
		case p.Name == "END" && p.Value == "VEVENT":
			if ev == nil {
				t.Fatal("END:VEVENT without BEGIN")
			}
			for _, req := range []string{"UID", "DTSTAMP", "DTSTART"} {
				if _, ok := ev[req]; !ok {
					t.Fatalf("VEVENT without %s: %v", req, ev)
				}
			}
			if uids[ev["UID"].Value] {
				t.Fatalf("UID %q twice", ev["UID"].Value)
			}
			uids[ev["UID"].Value] = true
			if !icsDateTime.MatchString(ev["DTSTAMP"].Value) {
				t.Fatalf("DTSTAMP %q is not a UTC date-time", ev["DTSTAMP"].Value)
			}
			for _, d := range []string{"DTSTART", "DTEND"} {
				if p, ok := ev[d]; ok && (p.Params["VALUE"] != "DATE" || !icsDate.MatchString(p.Value)) {
					t.Fatalf("%s %v is not an all-day date", d, p)
				}
			}
			if end, ok := ev["DTEND"]; ok && end.Value <= ev["DTSTART"].Value {
				t.Fatalf("DTEND %s not after DTSTART %s", end.Value, ev["DTSTART"].Value)
			}
			events = append(events, ev)
			ev = nil
		case p.Name == "BEGIN" || p.Name == "END":
			t.Fatalf("unexpected %s:%s", p.Name, p.Value)
		case ev != nil:
			if _, dup := ev[p.Name]; dup {
				t.Fatalf("%s twice in a VEVENT", p.Name)
			}
			if p.Name == "SUMMARY" || p.Name == "DESCRIPTION" {
				p.Value = text(p)
			}
			ev[p.Name] = p
		default:
			cal[p.Name] = p
		}
	}
	if ev != nil {
		t.Fatal("VEVENT not ended")
	}
	if cal["VERSION"].Value != "2.0" || cal["PRODID"].Value == "" {
		t.Fatalf("VERSION %q PRODID %q", cal["VERSION"].Value, cal["PRODID"].Value)
	}
	return cal, events
}

// calendarURL issues a calendar address for c's user through the settings
// page, which shows it this once, and returns its path.
func calendarURL(t *testing.T, c *client) string {
	t.Helper()
	res := c.post("/settings/calendar", url.Values{})
	wantStatus(t, res, http.StatusOK)
	full, ok := res.doc(t).Find(`[data-testid="calendar-url"]`).Attr("value")
	if !ok {
		t.Fatal("no calendar address on the page that made it")
	}
	u, err := url.Parse(full)
	if err != nil || !strings.HasPrefix(u.Path, "/calendar/") || !strings.HasSuffix(u.Path, ".ics") {
		t.Fatalf("calendar address %q", full)
	}
	return u.Path
}

func TestCalendarParsesAndHoldsOnlyWhatItsOwnerMaySee(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	ctx := context.Background()
	forceOfCase := map[string]string{}
	rows, err := ts.store.Pool().Query(ctx, `SELECT c.id, f.code FROM cases c JOIN forces f ON f.id = c.force_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var code string
		if err := rows.Scan(&id, &code); err != nil {
			t.Fatal(err)
		}
		forceOfCase[strconv.FormatInt(id, 10)] = code
	}
	rows.Close()
	caseInURL := regexp.MustCompile(`/cases/(\d+)`)

	for _, tt := range []struct {
		email, force string // force "" sees every force
	}{
		{"liaison.leicestershire@demo.test", "leicestershire"},
		{"liaison.sussex@demo.test", "sussex"},
		{"inspector@demo.test", ""},
		{"manager@demo.test", ""},
	} {
		path := calendarURL(t, ts.as(tt.email))
		res := ts.anon().get(path) // a calendar program has no session
		wantStatus(t, res, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tt.email, ct)
		}
		if !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q", tt.email, res.Header.Get("Cache-Control"))
		}
		_, events := parseICS(t, res.Body)
		if len(events) == 0 {
			t.Fatalf("%s: an empty calendar", tt.email)
		}
		forces := map[string]bool{}
		kinds := map[string]bool{}
		for _, ev := range events {
			kinds[strings.SplitN(ev["UID"].Value, "-", 2)[0]] = true
			for _, m := range caseInURL.FindAllStringSubmatch(ev["URL"].Value, -1) {
				forces[forceOfCase[m[1]]] = true
			}
			if tt.force != "" && strings.Contains(ev["URL"].Value, "/dashboard") {
				t.Errorf("%s: a liaison's calendar links to the dashboard: %v", tt.email, ev["URL"].Value)
			}
		}
		if tt.force != "" {
			if len(forces) != 1 || !forces[tt.force] {
				t.Errorf("%s: calendar holds cases of %v, want only %s", tt.email, forces, tt.force)
			}
			other := "Sussex"
			if tt.force == "sussex" {
				other = "Leicestershire"
			}
			if strings.Contains(res.Body, other) {
				t.Errorf("%s: calendar mentions %s", tt.email, other)
			}
			if kinds["assessment"] {
				t.Errorf("%s: a liaison sees the inspectorate's assessment deadlines", tt.email)
			}
		} else if len(forces) < 5 || !kinds["plan"] || !kinds["deadline"] || !kinds["follow"] {
			t.Errorf("%s: national calendar has follow-ups at %d forces and kinds %v", tt.email, len(forces), kinds)
		}
	}
}

func TestCalendarAddressIsRevocableAndReissuable(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	c := ts.as("inspector2@demo.test")
	first := calendarURL(t, c)
	wantStatus(t, ts.anon().get(first), http.StatusOK)
	second := calendarURL(t, c) // re-issue
	if second == first {
		t.Fatal("re-issuing kept the same address")
	}
	wantStatus(t, ts.anon().get(first), http.StatusNotFound)
	wantStatus(t, ts.anon().get(second), http.StatusOK)

	wantStatus(t, c.post("/settings/calendar/revoke", url.Values{}), http.StatusSeeOther)
	wantStatus(t, ts.anon().get(second), http.StatusNotFound)
	res := c.get("/settings")
	if res.doc(t).Find(`[data-testid="calendar-off"]`).Length() != 1 {
		t.Error("settings do not say the calendar is off")
	}
	var issued, revoked int
	_ = ts.store.Pool().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE action = 'user.calendar.issue'),
		count(*) FILTER (WHERE action = 'user.calendar.revoke') FROM audit_events`).Scan(&issued, &revoked)
	if issued != 2 || revoked != 1 {
		t.Errorf("audited %d issues and %d revocations, want 2 and 1", issued, revoked)
	}
}

func TestCalendarRefusesBadTokensAndDisabledOwners(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	path := calendarURL(t, ts.as("liaison.sussex@demo.test"))
	for _, bad := range []string{"/calendar/short.ics", "/calendar/" + strings.Repeat("A", 43) + ".ics",
		strings.TrimSuffix(path, ".ics"), "/calendar/" + strings.Repeat("%27", 20) + ".ics"} {
		wantStatus(t, ts.anon().get(bad), http.StatusNotFound)
	}
	admin := ts.as("admin@demo.test")
	u, err := ts.store.UserByEmail(context.Background(), "liaison.sussex@demo.test")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, admin.post(fmt.Sprintf("/admin/users/%d/disable", u.ID), url.Values{}), http.StatusSeeOther)
	wantStatus(t, ts.anon().get(path), http.StatusNotFound)
}

func TestSettingsPageForEveryRole(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	for _, tt := range []struct {
		email    string
		calendar bool
	}{
		{"admin@demo.test", false},
		{"manager@demo.test", true},
		{"inspector@demo.test", true},
		{"liaison.leicestershire@demo.test", true},
	} {
		c := ts.as(tt.email)
		res := c.get("/settings")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.Body, tt.email) {
			t.Errorf("%s: settings do not show the email", tt.email)
		}
		has := res.doc(t).Find(`[data-testid="calendar-issue"]`).Length() == 1
		if has != tt.calendar {
			t.Errorf("%s: calendar offered %v, want %v", tt.email, has, tt.calendar)
		}
		if !tt.calendar {
			wantStatus(t, c.post("/settings/calendar", url.Values{}), http.StatusNotFound)
		}
	}
	wantStatus(t, ts.anon().get("/settings"), http.StatusSeeOther)
}

func TestICSLinesFoldAt75OctetsWithoutSplittingACharacter(t *testing.T) {
	t.Parallel()
	var w icsWriter
	w.line("BEGIN", "VCALENDAR")
	w.line("VERSION", "2.0")
	w.line("PRODID", "-//test//EN")
	w.line("BEGIN", "VEVENT")
	w.line("UID", "x@inspectrack")
	w.line("DTSTAMP", "20170601T090000Z")
	w.line("DTSTART;VALUE=DATE", "20170531")
	long := strings.Repeat("Avon and Somerset – “abuse of position”; plans, due ", 6) + "\nsecond line \\ end"
	w.line("SUMMARY", icsText(long))
	w.line("END", "VEVENT")
	w.line("END", "VCALENDAR")
	_, events := parseICS(t, w.b.String())
	if got := events[0]["SUMMARY"].Value; got != long {
		t.Errorf("round trip:\n%q\n%q", got, long)
	}
}

// TestCalendarDatesAreTheCasesDates: the plan due date of a liaison's case
// is an all-day event on that date.
func TestCalendarDatesAreTheCasesDates(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	id := currentCase(t, ts, "R2", "leicestershire")
	var due time.Time
	// Whatever the demo drew for it, the plan is still awaited.
	testdb.Change(t, ts.store.Pool(), func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `UPDATE cases SET first_submitted_at = NULL,
			last_submitted_at = NULL WHERE id = $1 RETURNING plan_due_on`, id).Scan(&due)
	})
	path := calendarURL(t, ts.as("liaison.leicestershire@demo.test"))
	_, events := parseICS(t, ts.anon().get(path).Body)
	for _, ev := range events {
		if ev["UID"].Value == fmt.Sprintf("plan-due-case-%d-%s@inspectrack", id, due.Format("20060102")) {
			if ev["DTSTART"].Value != due.Format("20060102") || ev["DTEND"].Value != domain.AddDays(due, 1).Format("20060102") {
				t.Errorf("plan due event %v, want %s", ev, due.Format(time.DateOnly))
			}
			return
		}
	}
	t.Errorf("no plan due event for case %d among %d events", id, len(events))
}

func TestCalendarAsOfReachesBackAYearFromThatDay(t *testing.T) {
	t.Parallel()
	ts := newCurrentServer(t)
	id := currentCase(t, ts, "R2", "leicestershire")
	due := domain.AddDays(domain.Today(ts.clock()), -800) // more than a year ago
	testdb.Exec(t, ts.store.Pool(), `UPDATE cases SET plan_due_on = $2, first_submitted_at = NULL, last_submitted_at = NULL
		WHERE id = $1`, id, due)
	uid := fmt.Sprintf("plan-due-case-%d-%s@inspectrack", id, due.Format("20060102"))
	has := func(path string) bool {
		res := ts.anon().get(path)
		wantStatus(t, res, http.StatusOK)
		_, events := parseICS(t, res.Body)
		for _, ev := range events {
			if ev["UID"].Value == uid {
				return true
			}
		}
		return false
	}
	path := calendarURL(t, ts.as("liaison.leicestershire@demo.test"))
	if has(path) {
		t.Errorf("today's feed has a due date %s, more than a year back", due.Format(time.DateOnly))
	}
	if !has(path + "?asof=" + domain.AddDays(due, 10).Format(time.DateOnly)) {
		t.Errorf("the feed as of ten days after %s lacks that due date", due.Format(time.DateOnly))
	}
	wantStatus(t, ts.anon().get(path+"?asof=31-02-2017"), http.StatusBadRequest)
}
