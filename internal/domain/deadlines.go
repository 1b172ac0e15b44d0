package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Period is a length of time as a recommendation states it. Weeks are held
// as days (12 weeks is 84 days).
type Period struct {
	Years, Months, Days int
}

// AddTo returns the calendar date the period ends on when it starts on d.
// Years and months are added first, keeping the day of the month but never
// running past the month's end (31 August 2016 + 6 months = 28 February
// 2017; 29 February 2016 + 1 year = 28 February 2017); days are added after.
func (p Period) AddTo(d time.Time) time.Time {
	return AddDays(AddMonths(d, 12*p.Years+p.Months), p.Days)
}

// AddMonths returns the calendar date n months after d (before it when
// n < 0), clamped to the last day of the target month: 31 January + 1 month
// is 28 February, or 29 February in a leap year.
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	// Day 1 cannot overflow, so time.Date normalises the month alone.
	first := Date(y, m+time.Month(n), 1)
	ty, tm, _ := first.Date()
	return Date(ty, tm, min(day, daysIn(ty, tm)))
}

// Deadline is a recommendation's deadline as read from its words: either a
// period after the report's publication ("within six months") or a fixed
// date ("by 31 March 2018"). "Immediately" is a period of zero.
type Deadline struct {
	// Phrase is the deadline as written in the text, e.g. "within six months".
	Phrase string
	// Period is the time allowed after publication when On is zero.
	Period Period
	// On is the fixed calendar date of an absolute deadline; zero otherwise.
	On time.Time
}

// IsAbsolute reports whether the deadline is a fixed date rather than a
// period after publication.
func (d Deadline) IsAbsolute() bool { return !d.On.IsZero() }

// From returns the deadline's calendar date for a report published on the
// calendar date published; an absolute deadline ignores it.
func (d Deadline) From(published time.Time) time.Time {
	if d.IsAbsolute() {
		return dateOf(d.On)
	}
	return d.Period.AddTo(published)
}

// ErrManualDeadline matches (with errors.Is) every *DeadlineError: no
// deadline date could be worked out and the inspector must enter it by hand.
var ErrManualDeadline = errors.New("domain: deadline must be entered by hand")

// DeadlineError is the error ParseDeadline returns when the words give no
// single deadline it can compute.
type DeadlineError struct {
	// Text is the text that was read.
	Text string
	// Reason says why no date was worked out, e.g. `no deadline such as
	// "within six months" or "by 31 March 2018" found`.
	Reason string
}

// Error implements error.
func (e *DeadlineError) Error() string {
	return fmt.Sprintf("domain: deadline %q: %s; the inspector must enter the date by hand", e.Text, e.Reason)
}

// Is makes errors.Is(err, ErrManualDeadline) true for a *DeadlineError.
func (e *DeadlineError) Is(target error) bool { return target == ErrManualDeadline }

// numberWords are the counts a recommendation spells out, up to ninety-nine.
var (
	unitWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	teenWords = []string{"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensWords = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
)

// numberPattern matches a count: digits, "a"/"an", or words up to
// "ninety-nine". Longer words come before their prefixes ("seventeen" before
// "seven") because Go's alternation takes the first that matches.
var numberPattern = `\d{1,3}|(?:` + strings.Join(tensWords[2:], "|") + `)(?:[\s-]+(?:` +
	strings.Join(unitWords[1:], "|") + `))?|` + strings.Join(teenWords, "|") + `|` +
	strings.Join(unitWords, "|") + `|an?`

var monthPattern = `jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?`

var (
	// "within six months", "within the next 12 weeks", "within 28 calendar
	// days". Working days are left to the inspector: they need a calendar of
	// bank holidays.
	withinRE = regexp.MustCompile(`(?i)\bwithin\s+(?:the\s+next\s+)?(` + numberPattern + `)\s+(?:calendar\s+)?(day|week|month|year)s?\b`)
	// "by 31 March 2018", "no later than 1st April 2018".
	byDateRE = regexp.MustCompile(`(?i)\b(?:by|no\s+later\s+than)\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(` + monthPattern + `)\.?,?\s+(\d{4})\b`)
	// "by the end of March 2018": the last day of that month.
	byEndRE = regexp.MustCompile(`(?i)\bby\s+(?:the\s+)?end\s+of\s+(` + monthPattern + `)\.?,?\s+(\d{4})\b`)
	// "immediately", "with immediate effect".
	nowRE = regexp.MustCompile(`(?i)\bimmediately\b|\bwith\s+immediate\s+effect\b`)
)

// ParseDeadline finds the deadline in a recommendation's words,
// case-insensitively and wherever it stands in the text: "within six months",
// "within 6 months", "within 12 weeks", "within one year", "within 18
// months", "by 31 March 2018", "by the end of March 2018", "immediately".
// Text with no deadline, a date that does not exist, or two different
// deadlines returns a *DeadlineError (matching ErrManualDeadline); the same
// deadline written twice is not a conflict.
func ParseDeadline(text string) (Deadline, error) {
	fail := func(format string, args ...any) (Deadline, error) {
		return Deadline{}, &DeadlineError{Text: text, Reason: fmt.Sprintf(format, args...)}
	}

	type found struct {
		at int
		d  Deadline
	}
	var all []found
	for _, m := range withinRE.FindAllStringSubmatchIndex(text, -1) {
		n, ok := parseCount(text[m[2]:m[3]])
		if !ok {
			return fail("cannot read the number in %q", text[m[0]:m[1]])
		}
		var p Period
		switch strings.ToLower(text[m[4]:m[5]]) {
		case "day":
			p.Days = n
		case "week":
			p.Days = 7 * n
		case "month":
			p.Months = n
		case "year":
			p.Years = n
		}
		all = append(all, found{m[0], Deadline{Phrase: text[m[0]:m[1]], Period: p}})
	}
	for _, m := range byDateRE.FindAllStringSubmatchIndex(text, -1) {
		day, _ := strconv.Atoi(text[m[2]:m[3]])
		month, _ := monthByPrefix(text[m[4]:m[5]])
		year, _ := strconv.Atoi(text[m[6]:m[7]])
		if day < 1 || day > daysIn(year, month) {
			return fail("%q is not a real date", text[m[0]:m[1]])
		}
		all = append(all, found{m[0], Deadline{Phrase: text[m[0]:m[1]], On: Date(year, month, day)}})
	}
	for _, m := range byEndRE.FindAllStringSubmatchIndex(text, -1) {
		month, _ := monthByPrefix(text[m[2]:m[3]])
		year, _ := strconv.Atoi(text[m[4]:m[5]])
		all = append(all, found{m[0], Deadline{Phrase: text[m[0]:m[1]], On: Date(year, month, daysIn(year, month))}})
	}
	for _, m := range nowRE.FindAllStringIndex(text, -1) {
		all = append(all, found{m[0], Deadline{Phrase: text[m[0]:m[1]]}})
	}

	if len(all) == 0 {
		return fail(`no deadline such as "within six months" or "by 31 March 2018" found`)
	}
	first := all[0]
	for _, f := range all[1:] {
		if f.at < first.at {
			first = f
		}
	}
	for _, f := range all {
		if !sameDeadline(f.d, first.d) {
			return fail("it gives more than one deadline (%q and %q)", first.d.Phrase, f.d.Phrase)
		}
	}
	return first.d, nil
}

// sameDeadline reports whether two deadlines give the same date whatever the
// publication date, however they are worded.
func sameDeadline(a, b Deadline) bool {
	if a.IsAbsolute() || b.IsAbsolute() {
		return a.On.Equal(b.On)
	}
	return 12*a.Period.Years+a.Period.Months == 12*b.Period.Years+b.Period.Months &&
		a.Period.Days == b.Period.Days
}

// DeadlineDate returns the calendar date of the deadline written in text for
// a report published on the calendar date published. A report known only by
// its month ("December 2016") needs a day chosen by the caller; the day of
// publication on the report itself is the right one. Errors are those of
// ParseDeadline.
func DeadlineDate(published time.Time, text string) (time.Time, error) {
	d, err := ParseDeadline(text)
	if err != nil {
		return time.Time{}, err
	}
	return d.From(published), nil
}

// parseCount reads a count matched by numberPattern.
func parseCount(s string) (int, bool) {
	s = strings.ToLower(s)
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	if s == "a" || s == "an" {
		return 1, true
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || unicode.IsSpace(r) })
	n := 0
	for _, w := range words {
		v, ok := wordValue(w)
		if !ok {
			return 0, false
		}
		n += v
	}
	return n, len(words) > 0
}

// wordValue returns the value of one number word ("six", "twelve", "forty").
func wordValue(w string) (int, bool) {
	for i, name := range unitWords {
		if w == name {
			return i, true
		}
	}
	for i, name := range teenWords {
		if w == name {
			return 10 + i, true
		}
	}
	for i, name := range tensWords {
		if name != "" && w == name {
			return 10 * i, true
		}
	}
	return 0, false
}

// monthByPrefix reads a month matched by monthPattern ("mar", "March",
// "sept", "June").
func monthByPrefix(s string) (time.Month, bool) {
	s = strings.ToLower(s)
	for m := time.January; m <= time.December; m++ {
		if strings.HasPrefix(strings.ToLower(m.String()), s) && len(s) >= 3 {
			return m, true
		}
	}
	return 0, false
}
