package domain

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

// FuzzParseDate: the three date boxes, whatever is typed, give a date or a
// *DateError naming at least one box, never a panic; a date read gives
// itself back when its numbers are typed in again.
func FuzzParseDate(f *testing.F) {
	for _, s := range [][3]string{
		{"8", "6", "2017"}, {"29", "2", "2016"}, {"29", "2", "2017"}, {"31", "april", "2017"}, {"1", "Sept", "2020"},
		{"", "", ""}, {"1", "", "2017"}, {"+5", "-1", "17"}, {"0017", "1", "1"}, {"99999999999999999999", "1", "2017"},
		{" 3 ", " jan ", " 2024 "}, {"١", "٢", "٢٠١٧"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, day, month, year string) {
		d, err := ParseDate(day, month, year)
		if err != nil {
			var de *DateError
			if !errors.As(err, &de) || len(de.Fields) == 0 || de.Message("the date") == "" {
				t.Fatalf("ParseDate(%q, %q, %q): %v, want a *DateError naming a box", day, month, year, err)
			}
			return
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Year() < 1000 || d.Year() > 9999 {
			t.Fatalf("ParseDate(%q, %q, %q) = %v: not a calendar date of a 4-digit year", day, month, year, d)
		}
		again, err := ParseDate(strconv.Itoa(d.Day()), strconv.Itoa(int(d.Month())), strconv.Itoa(d.Year()))
		if err != nil || !again.Equal(d) {
			t.Fatalf("%v typed in again gives %v, %v", d, again, err)
		}
	})
}
