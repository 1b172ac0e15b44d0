package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
)

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{d(2017, 1, 31), 1, d(2017, 2, 28)},
		{d(2016, 1, 31), 1, d(2016, 2, 29)},
		{d(2016, 2, 29), 12, d(2017, 2, 28)},
		{d(2016, 2, 29), 48, d(2020, 2, 29)},
		{d(2016, 8, 31), 6, d(2017, 2, 28)},
		{d(2019, 8, 30), 6, d(2020, 2, 29)},
		{d(2016, 11, 30), 3, d(2017, 2, 28)},
		{d(2016, 12, 13), 6, d(2017, 6, 13)},
		{d(2016, 12, 31), 6, d(2017, 6, 30)},
		{d(2017, 10, 31), 1, d(2017, 11, 30)},
		{d(2016, 11, 15), 3, d(2017, 2, 15)},
		{d(2017, 3, 31), -1, d(2017, 2, 28)},
		{d(2017, 5, 31), 0, d(2017, 5, 31)},
		{d(2017, 5, 31), 18, d(2018, 11, 30)},
	}
	for _, tt := range tests {
		if got := domain.AddMonths(tt.from, tt.n); !got.Equal(tt.want) {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", domain.FormatLong(tt.from), tt.n, domain.FormatLong(got), domain.FormatLong(tt.want))
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	tests := []struct {
		period domain.Period
		from   time.Time
		want   time.Time
	}{
		{domain.Period{}, d(2016, 12, 13), d(2016, 12, 13)},
		{domain.Period{Years: 1}, d(2016, 2, 29), d(2017, 2, 28)},
		{domain.Period{Months: 12}, d(2016, 2, 29), d(2017, 2, 28)},
		{domain.Period{Months: 6}, d(2016, 8, 31), d(2017, 2, 28)},
		{domain.Period{Days: 84}, d(2016, 12, 13), d(2017, 3, 7)},
		{domain.Period{Years: 1, Months: 6}, d(2016, 12, 13), d(2018, 6, 13)},
		// Months before days: 31 January + 1 month = 28 February, + 1 day = 1 March.
		{domain.Period{Months: 1, Days: 1}, d(2017, 1, 31), d(2017, 3, 1)},
	}
	for _, tt := range tests {
		if got := tt.period.AddTo(tt.from); !got.Equal(tt.want) {
			t.Errorf("%+v.AddTo(%s) = %s, want %s", tt.period, domain.FormatLong(tt.from), domain.FormatLong(got), domain.FormatLong(tt.want))
		}
	}
}

// The recommendation of PEEL: police legitimacy 2016, as the fixture letter quotes it.
const legitimacyRecommendation = "To address this cause of concern, we recommend that within six months, all forces " +
	"should have started to implement a plan to achieve the capability and capacity required to seek " +
	"intelligence on potential abuse of authority for sexual gain."

func TestParseDeadline(t *testing.T) {
	tests := []struct {
		text   string
		phrase string
		period domain.Period
		on     time.Time
	}{
		{"within six months", "within six months", domain.Period{Months: 6}, time.Time{}},
		{"within 6 months", "within 6 months", domain.Period{Months: 6}, time.Time{}},
		{"Within Three Months", "Within Three Months", domain.Period{Months: 3}, time.Time{}},
		{"WITHIN 12 WEEKS", "WITHIN 12 WEEKS", domain.Period{Days: 84}, time.Time{}},
		{"within one year", "within one year", domain.Period{Years: 1}, time.Time{}},
		{"within a year", "within a year", domain.Period{Years: 1}, time.Time{}},
		{"within 18 months", "within 18 months", domain.Period{Months: 18}, time.Time{}},
		{"within eighteen months", "within eighteen months", domain.Period{Months: 18}, time.Time{}},
		{"within seventeen months", "within seventeen months", domain.Period{Months: 17}, time.Time{}},
		{"within twenty-four months", "within twenty-four months", domain.Period{Months: 24}, time.Time{}},
		{"within twenty four months", "within twenty four months", domain.Period{Months: 24}, time.Time{}},
		{"within sixty days", "within sixty days", domain.Period{Days: 60}, time.Time{}},
		{"within 28 calendar days", "within 28 calendar days", domain.Period{Days: 28}, time.Time{}},
		{"within the next two years", "within the next two years", domain.Period{Years: 2}, time.Time{}},
		{"within 1 month", "within 1 month", domain.Period{Months: 1}, time.Time{}},
		{"within\nsix\tmonths", "within\nsix\tmonths", domain.Period{Months: 6}, time.Time{}},
		{legitimacyRecommendation, "within six months", domain.Period{Months: 6}, time.Time{}},
		{"By 31 March 2018, all forces should ...", "By 31 March 2018", domain.Period{}, d(2018, 3, 31)},
		{"by 1st April 2018", "by 1st April 2018", domain.Period{}, d(2018, 4, 1)},
		{"by the 30th of June 2018", "by the 30th of June 2018", domain.Period{}, d(2018, 6, 30)},
		{"by 31 Mar 2018", "by 31 Mar 2018", domain.Period{}, d(2018, 3, 31)},
		{"no later than 29 February 2020", "no later than 29 February 2020", domain.Period{}, d(2020, 2, 29)},
		{"by the end of February 2020", "by the end of February 2020", domain.Period{}, d(2020, 2, 29)},
		{"by end of June 2018", "by end of June 2018", domain.Period{}, d(2018, 6, 30)},
		{"Forces should immediately review ...", "immediately", domain.Period{}, time.Time{}},
		{"Immediately", "Immediately", domain.Period{}, time.Time{}},
		{"with immediate effect", "with immediate effect", domain.Period{}, time.Time{}},
		// The same deadline twice, worded two ways, is one deadline.
		{"within six months ... that is, within 6 months", "within six months", domain.Period{Months: 6}, time.Time{}},
		{"within 12 months or, put another way, within one year", "within 12 months", domain.Period{Months: 12}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := domain.ParseDeadline(tt.text)
			if err != nil {
				t.Fatalf("ParseDeadline: %v", err)
			}
			if got.Phrase != tt.phrase || got.Period != tt.period || !got.On.Equal(tt.on) {
				t.Errorf("ParseDeadline = %+v, want phrase %q period %+v on %v", got, tt.phrase, tt.period, tt.on)
			}
			if got.IsAbsolute() != !tt.on.IsZero() {
				t.Errorf("IsAbsolute() = %v", got.IsAbsolute())
			}
		})
	}
}

func TestParseDeadlineNeedsTheInspector(t *testing.T) {
	tests := []struct {
		text   string
		reason string
	}{
		{"", "no deadline"},
		{"Forces should improve their vetting.", "no deadline"},
		{"as soon as possible", "no deadline"},
		{"within 20 working days", "no deadline"},
		{"within six to twelve months", "no deadline"},
		{"by March 2018", "no deadline"},
		{"within sixmonths", "no deadline"},
		{"by 31 April 2018", "not a real date"},
		{"by 29 February 2017", "not a real date"},
		{"within six months and by 31 March 2018", "more than one deadline"},
		{"immediately, and in any case within three months", "more than one deadline"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, err := domain.ParseDeadline(tt.text)
			if !errors.Is(err, domain.ErrManualDeadline) {
				t.Fatalf("ParseDeadline(%q) error = %v, want ErrManualDeadline", tt.text, err)
			}
			var de *domain.DeadlineError
			if !errors.As(err, &de) || de.Text != tt.text {
				t.Fatalf("error = %#v, want a *DeadlineError for the text", err)
			}
			if !strings.Contains(de.Reason, tt.reason) {
				t.Errorf("Reason = %q, want it to mention %q", de.Reason, tt.reason)
			}
			if !strings.Contains(err.Error(), "enter the date by hand") {
				t.Errorf("Error() = %q, want it to say the date must be entered by hand", err.Error())
			}
		})
	}
}

func TestDeadlineDate(t *testing.T) {
	published := d(2016, 12, 13) // PEEL: police legitimacy 2016
	tests := []struct {
		published time.Time
		text      string
		want      time.Time
	}{
		{published, legitimacyRecommendation, d(2017, 6, 13)},
		{published, "within three months", d(2017, 3, 13)},
		{published, "within 12 weeks", d(2017, 3, 7)},
		{published, "within one year", d(2017, 12, 13)},
		{published, "within 18 months", d(2018, 6, 13)},
		{published, "by 31 March 2018", d(2018, 3, 31)},
		{published, "immediately", d(2016, 12, 13)},
		// Reports published at a month's end.
		{d(2016, 12, 31), "within six months", d(2017, 6, 30)},
		{d(2016, 8, 31), "within six months", d(2017, 2, 28)},
		{d(2019, 8, 30), "within six months", d(2020, 2, 29)},
		{d(2016, 11, 30), "within three months", d(2017, 2, 28)},
		{d(2016, 2, 29), "within 12 months", d(2017, 2, 28)},
		{d(2016, 2, 29), "within one year", d(2017, 2, 28)},
		// A published date that is an instant still counts by its date.
		{time.Date(2016, 12, 13, 9, 30, 0, 0, time.UTC), "within six months", d(2017, 6, 13)},
	}
	for _, tt := range tests {
		got, err := domain.DeadlineDate(tt.published, tt.text)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("DeadlineDate(%s, %q) = %v, %v; want %s", domain.FormatLong(tt.published), tt.text, got, err, domain.FormatLong(tt.want))
		}
	}

	if _, err := domain.DeadlineDate(published, "soon"); !errors.Is(err, domain.ErrManualDeadline) {
		t.Errorf("DeadlineDate with no deadline: error = %v, want ErrManualDeadline", err)
	}
}
