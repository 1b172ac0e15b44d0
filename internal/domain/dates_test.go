package domain_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

func TestDateIsMidnightUTC(t *testing.T) {
	got := domain.Date(2017, time.May, 31)
	want := time.Date(2017, time.May, 31, 0, 0, 0, 0, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Date(2017, May, 31) = %v, want %v", got, want)
	}
}

func TestLondonDate(t *testing.T) {
	london := domain.London()
	tests := []struct {
		name    string
		instant time.Time
		want    time.Time
	}{
		{"summer evening is next day in BST", time.Date(2017, 6, 30, 23, 30, 0, 0, time.UTC), d(2017, 7, 1)},
		{"winter evening is same day in GMT", time.Date(2017, 12, 31, 23, 30, 0, 0, time.UTC), d(2017, 12, 31)},
		{"last GMT minute before spring change", time.Date(2017, 3, 26, 0, 59, 0, 0, time.UTC), d(2017, 3, 26)},
		{"night before spring change is GMT", time.Date(2017, 3, 25, 23, 30, 0, 0, time.UTC), d(2017, 3, 25)},
		{"first BST instant", time.Date(2017, 3, 26, 1, 0, 0, 0, time.UTC), d(2017, 3, 26)},
		{"evening after spring change is BST", time.Date(2017, 3, 26, 23, 30, 0, 0, time.UTC), d(2017, 3, 27)},
		{"BST evening before autumn change", time.Date(2017, 10, 28, 22, 59, 0, 0, time.UTC), d(2017, 10, 28)},
		{"23:30Z on 28 October is 29 October in BST", time.Date(2017, 10, 28, 23, 30, 0, 0, time.UTC), d(2017, 10, 29)},
		{"last BST instant", time.Date(2017, 10, 29, 0, 59, 0, 0, time.UTC), d(2017, 10, 29)},
		{"first GMT instant", time.Date(2017, 10, 29, 1, 0, 0, 0, time.UTC), d(2017, 10, 29)},
		{"evening after autumn change is GMT", time.Date(2017, 10, 29, 23, 30, 0, 0, time.UTC), d(2017, 10, 29)},
		{"instant in another zone", time.Date(2017, 5, 31, 20, 0, 0, 0, time.FixedZone("EDT", -4*3600)), d(2017, 6, 1)},
		{"instant already in London", time.Date(2017, 7, 1, 0, 30, 0, 0, london), d(2017, 7, 1)},
		{"a calendar date stays itself in summer", d(2017, 7, 1), d(2017, 7, 1)},
		{"a calendar date stays itself in winter", d(2017, 1, 1), d(2017, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.LondonDate(tt.instant)
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("LondonDate(%v) = %v, want %v", tt.instant, got, tt.want)
			}
			if today := domain.Today(tt.instant); !today.Equal(got) {
				t.Errorf("Today(%v) = %v, want %v", tt.instant, today, got)
			}
		})
	}
}

func TestDaysBetween(t *testing.T) {
	london := domain.London()
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		{"same day", d(2017, 5, 31), d(2017, 5, 31), 0},
		{"next day", d(2017, 5, 31), d(2017, 6, 1), 1},
		{"backwards is negative", d(2017, 6, 1), d(2017, 5, 31), -1},
		{"across spring clock change", d(2017, 3, 25), d(2017, 3, 27), 2},
		{"across autumn clock change", d(2017, 10, 28), d(2017, 10, 30), 2},
		{"February in a leap year", d(2016, 2, 28), d(2016, 3, 1), 2},
		{"February in a common year", d(2017, 2, 28), d(2017, 3, 1), 1},
		{"a leap year", d(2016, 1, 1), d(2017, 1, 1), 366},
		{"a common year", d(2017, 1, 1), d(2018, 1, 1), 365},
		{"time of day ignored", time.Date(2017, 3, 25, 23, 0, 0, 0, time.UTC), time.Date(2017, 3, 26, 0, 30, 0, 0, time.UTC), 1},
		{"London-located dates across the 23-hour day", time.Date(2017, 3, 26, 0, 0, 0, 0, london), time.Date(2017, 3, 27, 0, 0, 0, 0, london), 1},
		{"London-located dates across the 25-hour day", time.Date(2017, 10, 29, 0, 0, 0, 0, london), time.Date(2017, 10, 30, 0, 0, 0, 0, london), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.DaysBetween(tt.from, tt.to); got != tt.want {
				t.Errorf("DaysBetween(%v, %v) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{d(2017, 5, 30), 30, d(2017, 6, 29)},
		{d(2017, 3, 25), 2, d(2017, 3, 27)},
		{d(2016, 2, 28), 1, d(2016, 2, 29)},
		{d(2017, 1, 1), -1, d(2016, 12, 31)},
		{time.Date(2017, 3, 25, 23, 59, 0, 0, time.UTC), 0, d(2017, 3, 25)},
	}
	for _, tt := range tests {
		if got := domain.AddDays(tt.from, tt.n); !got.Equal(tt.want) {
			t.Errorf("AddDays(%v, %d) = %v, want %v", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestFormatLong(t *testing.T) {
	tests := []struct {
		date time.Time
		want string
	}{
		{d(2017, 10, 2), "2 October 2017"},
		{d(2017, 5, 31), "31 May 2017"},
		{d(2016, 12, 13), "13 December 2016"},
		{d(2020, 2, 29), "29 February 2020"},
	}
	for _, tt := range tests {
		if got := domain.FormatLong(tt.date); got != tt.want {
			t.Errorf("FormatLong(%v) = %q, want %q", tt.date, got, tt.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	const label = "plan due date"
	tests := []struct {
		name             string
		day, month, year string
		want             time.Time
		problem          domain.DateProblem
		fields           []domain.DateField
		message          string
	}{
		{name: "numbers", day: "31", month: "5", year: "2017", want: d(2017, 5, 31)},
		{name: "leading zeros and spaces", day: " 02 ", month: "010", year: " 2017", want: d(2017, 10, 2)},
		{name: "month name", day: "2", month: "October", year: "2017", want: d(2017, 10, 2)},
		{name: "month abbreviation any case", day: "2", month: "oCt", year: "2017", want: d(2017, 10, 2)},
		{name: "sept", day: "1", month: "Sept", year: "2017", want: d(2017, 9, 1)},
		{name: "29 February in a leap year", day: "29", month: "2", year: "2016", want: d(2016, 2, 29)},

		{name: "nothing entered", day: " ", month: "", year: "",
			problem: domain.DateMissing, fields: []domain.DateField{"day", "month", "year"}, message: "Enter plan due date"},
		{name: "no month", day: "31", month: "", year: "2017",
			problem: domain.DateIncomplete, fields: []domain.DateField{"month"}, message: "Plan due date must include a month"},
		{name: "no day", day: "", month: "5", year: "2017",
			problem: domain.DateIncomplete, fields: []domain.DateField{"day"}, message: "Plan due date must include a day"},
		{name: "no year", day: "31", month: "5", year: "",
			problem: domain.DateIncomplete, fields: []domain.DateField{"year"}, message: "Plan due date must include a year"},
		{name: "no day and month", day: "", month: "", year: "2017",
			problem: domain.DateIncomplete, fields: []domain.DateField{"day", "month"}, message: "Plan due date must include a day and month"},
		{name: "no month and year", day: "31", month: "", year: "",
			problem: domain.DateIncomplete, fields: []domain.DateField{"month", "year"}, message: "Plan due date must include a month and year"},
		{name: "day not a number", day: "first", month: "5", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"day"}, message: "Plan due date must be a real date"},
		{name: "signed day", day: "+5", month: "5", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"day"}, message: "Plan due date must be a real date"},
		{name: "month not a month", day: "5", month: "Smarch", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"month"}, message: "Plan due date must be a real date"},
		{name: "year not a number", day: "5", month: "5", year: "20l7",
			problem: domain.DateNotReal, fields: []domain.DateField{"year"}, message: "Plan due date must be a real date"},
		{name: "two-digit year", day: "31", month: "5", year: "17",
			problem: domain.DateYearDigits, fields: []domain.DateField{"year"}, message: "Year must include 4 numbers"},
		{name: "five-digit year", day: "31", month: "5", year: "20177",
			problem: domain.DateYearDigits, fields: []domain.DateField{"year"}, message: "Year must include 4 numbers"},
		{name: "year before 1000", day: "31", month: "5", year: "0017",
			problem: domain.DateNotReal, fields: []domain.DateField{"year"}, message: "Plan due date must be a real date"},
		{name: "month 13", day: "1", month: "13", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"month"}, message: "Plan due date must be a real date"},
		{name: "month 0", day: "1", month: "0", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"month"}, message: "Plan due date must be a real date"},
		{name: "31 April", day: "31", month: "4", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"day"}, message: "Plan due date must be a real date"},
		{name: "29 February in a common year", day: "29", month: "2", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"day"}, message: "Plan due date must be a real date"},
		{name: "day 0", day: "0", month: "2", year: "2017",
			problem: domain.DateNotReal, fields: []domain.DateField{"day"}, message: "Plan due date must be a real date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseDate(tt.day, tt.month, tt.year)
			if tt.problem == "" {
				if err != nil || !got.Equal(tt.want) {
					t.Fatalf("ParseDate(%q, %q, %q) = %v, %v; want %v", tt.day, tt.month, tt.year, got, err, tt.want)
				}
				return
			}
			var de *domain.DateError
			if !errors.As(err, &de) {
				t.Fatalf("ParseDate(%q, %q, %q) error = %v, want a *DateError", tt.day, tt.month, tt.year, err)
			}
			if de.Problem != tt.problem || !slices.Equal(de.Fields, tt.fields) {
				t.Errorf("problem %q fields %v, want %q %v", de.Problem, de.Fields, tt.problem, tt.fields)
			}
			if msg := de.Message(label); msg != tt.message {
				t.Errorf("Message(%q) = %q, want %q", label, msg, tt.message)
			}
			for _, f := range tt.fields {
				if !slices.Contains(de.Fields, f) {
					t.Errorf("Fields %v lack %q", de.Fields, f)
				}
			}
			if !got.IsZero() {
				t.Errorf("date = %v on error, want zero", got)
			}
		})
	}
}

func TestDateErrorText(t *testing.T) {
	_, err := domain.ParseDate("31", "", "2017")
	if got, want := err.Error(), "domain: Date must include a month"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
