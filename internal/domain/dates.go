package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London must load even where the host has no zoneinfo.
)

// london is Europe/London. The embedded tzdata makes loading it unable to
// fail, so a failure is a broken build and panics at start-up.
var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("domain: load %s: %v", name, err))
	}
	return loc
}

// London returns the Europe/London location, in which every date of the
// inspectorate is reckoned and every instant is shown.
func London() *time.Location { return london }

// Date returns the calendar date y-m-d as a time.Time at 00:00 UTC, the form
// pgx scans a PostgreSQL date into. Out-of-range values normalise as in
// time.Date (31 April becomes 1 May).
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOf drops the time of day and location of a calendar date, reading its
// year, month and day in its own location.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

// LondonDate returns the calendar date an instant falls on in Europe/London:
// 2017-06-30T23:30Z is 1 July 2017 (BST), 2017-12-31T23:30Z is still
// 31 December 2017 (GMT).
func LondonDate(instant time.Time) time.Time {
	return dateOf(instant.In(london))
}

// Today returns the calendar date in Europe/London at the instant now; it is
// the "as of" date of a page shown for the present.
func Today(now time.Time) time.Time {
	return LondonDate(now)
}

// DaysBetween returns the number of calendar days from one calendar date to
// another: 1 from 31 May to 1 June, negative when to is before from. Time of
// day is ignored, so a change of clocks in between never shifts the count;
// pass instants through LondonDate first.
func DaysBetween(from, to time.Time) int {
	// Both are midnight UTC, where every day is exactly 24 hours long.
	return int(dateOf(to).Sub(dateOf(from)) / (24 * time.Hour))
}

// AddDays returns the calendar date n days after d (before it when n < 0).
func AddDays(d time.Time, n int) time.Time {
	return dateOf(d).AddDate(0, 0, n)
}

// FormatLong formats a calendar date, or the day of an instant in
// Europe/London, the GOV.UK way: "2 October 2017"; the zero time formats as
// "". It is the one long-date format of the portal: pages, letters' audit
// summaries and flashes alike. A calendar date (00:00 UTC, as pgx reads a
// DATE) is the same day in London, which is never behind UTC.
func FormatLong(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	y, m, day := d.In(london).Date()
	return fmt.Sprintf("%d %s %d", day, m, y)
}

// FormatLongOrNone formats an optional date for audit summaries and
// timelines: "31 May 2017", or "none".
func FormatLongOrNone(d *time.Time) string {
	if d == nil {
		return "none"
	}
	return FormatLong(*d)
}

// DateField names one box of a GOV.UK date input.
type DateField string

// The three boxes of a date input, in the order they are shown.
const (
	DateFieldDay   DateField = "day"
	DateFieldMonth DateField = "month"
	DateFieldYear  DateField = "year"
)

// DateProblem says what is wrong with a date typed into a date input.
type DateProblem string

// The problems ParseDate reports, following the GOV.UK date input pattern.
const (
	DateMissing    DateProblem = "missing"     // nothing entered at all
	DateIncomplete DateProblem = "incomplete"  // some boxes left empty
	DateNotReal    DateProblem = "not_real"    // not a number, or no such day
	DateYearDigits DateProblem = "year_digits" // year not written with 4 digits
)

// DateError is the error ParseDate returns. Fields lists the boxes to mark in
// error (all three when the whole date is wrong); Message gives the sentence
// to show beside them.
type DateError struct {
	Problem DateProblem
	Fields  []DateField
}

// Error implements error with the message for a date labelled "date".
func (e *DateError) Error() string {
	return "domain: " + e.Message("date")
}

// Message returns the GOV.UK error message for the date input labelled label,
// written as it reads mid-sentence ("plan due date"): "Enter plan due date",
// "Plan due date must include a month", "Plan due date must be a real date",
// "Year must include 4 numbers".
func (e *DateError) Message(label string) string {
	switch e.Problem {
	case DateMissing:
		return "Enter " + label
	case DateIncomplete:
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = string(f)
		}
		return capitalise(label) + " must include a " + strings.Join(parts, " and ")
	case DateYearDigits:
		return "Year must include 4 numbers"
	default:
		return capitalise(label) + " must be a real date"
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var allDateFields = []DateField{DateFieldDay, DateFieldMonth, DateFieldYear}

// ParseDate reads the three boxes of a GOV.UK date input into a calendar
// date. Surrounding spaces are ignored; the month may be a number or a month
// name, in full or in its first three letters ("jan", "September"). Any
// problem comes back as a *DateError, checked in this order: nothing entered;
// boxes left empty; a box that is not a number; a year not written with 4
// digits; a year before 1000, a month or a day that does not exist
// (31 April, 29 February 2017).
func ParseDate(day, month, year string) (time.Time, error) {
	values := map[DateField]string{
		DateFieldDay:   strings.TrimSpace(day),
		DateFieldMonth: strings.TrimSpace(month),
		DateFieldYear:  strings.TrimSpace(year),
	}

	var empty []DateField
	for _, f := range allDateFields {
		if values[f] == "" {
			empty = append(empty, f)
		}
	}
	switch len(empty) {
	case 0:
	case len(allDateFields):
		return time.Time{}, &DateError{Problem: DateMissing, Fields: allDateFields}
	default:
		return time.Time{}, &DateError{Problem: DateIncomplete, Fields: empty}
	}

	d, dayErr := strconv.Atoi(values[DateFieldDay])
	m, monthOK := parseMonth(values[DateFieldMonth])
	y, yearErr := strconv.Atoi(values[DateFieldYear])
	var notNumbers []DateField
	if dayErr != nil || !isDigits(values[DateFieldDay]) {
		notNumbers = append(notNumbers, DateFieldDay)
	}
	if !monthOK {
		notNumbers = append(notNumbers, DateFieldMonth)
	}
	if yearErr != nil || !isDigits(values[DateFieldYear]) {
		notNumbers = append(notNumbers, DateFieldYear)
	}
	if len(notNumbers) > 0 {
		return time.Time{}, &DateError{Problem: DateNotReal, Fields: notNumbers}
	}

	if len(values[DateFieldYear]) != 4 {
		return time.Time{}, &DateError{Problem: DateYearDigits, Fields: []DateField{DateFieldYear}}
	}
	if y < 1000 { // "0017" has 4 digits but is no year anyone means
		return time.Time{}, &DateError{Problem: DateNotReal, Fields: []DateField{DateFieldYear}}
	}
	if m < 1 || m > 12 {
		return time.Time{}, &DateError{Problem: DateNotReal, Fields: []DateField{DateFieldMonth}}
	}
	if d < 1 || d > daysIn(y, time.Month(m)) {
		return time.Time{}, &DateError{Problem: DateNotReal, Fields: []DateField{DateFieldDay}}
	}
	return Date(y, time.Month(m), d), nil
}

// isDigits rejects the signs strconv.Atoi accepts ("+5", "-1").
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// parseMonth reads a month box: digits (range checked by the caller) or an
// English month name, in full or as its first three letters ("sept" too).
func parseMonth(s string) (int, bool) {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	if m, ok := monthByName(s); ok {
		return int(m), true
	}
	return 0, false
}

// monthByName finds a month by its English name, its first three letters, or
// "sept"; case is ignored.
func monthByName(s string) (time.Month, bool) {
	s = strings.ToLower(s)
	for m := time.January; m <= time.December; m++ {
		name := strings.ToLower(m.String())
		if s == name || s == name[:3] || (m == time.September && s == "sept") {
			return m, true
		}
	}
	return 0, false
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	// Day 0 of the next month is the last day of this one.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
