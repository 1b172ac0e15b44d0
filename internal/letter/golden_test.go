package letter_test

import (
	"testing"

	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/letter/lettertest"
	"inspectrack/internal/seed"
)

// leicestershire are the facts of the seed story and Leicestershire's
// assessment, as `seed demo` records them.
func leicestershire() letter.Data {
	return letter.Data{
		LetterDate:          domain.Date(2017, 10, 2),
		ForceName:           "Leicestershire Police",
		ChiefOfficerTitle:   "Chief Constable",
		ChiefOfficerName:    "Simon Cole",
		ChiefOfficerHonours: "QPM",
		OversightBody:       "Police and Crime Commissioner for Leicestershire",
		OversightHolderName: "Lord Willy Bach",
		ReportTitle:         "PEEL: police legitimacy 2016",
		ReportPublished:     domain.Date(2016, 12, 8),
		Term:                "In April 2017 the National Police Chiefs' Council agreed a national strategy, which calls this 'abuse of position for a sexual purpose'. The recommendation keeps its original words; letters use the new term.",
		Recommendation:      seed.StoryRecommendationText,
		RequestDate:         domain.Date(2017, 5, 16),
		PlanDueDate:         domain.Date(2017, 5, 31),
		Period:              "June 2017",
		ReviewedUpTo:        domain.Date(2017, 5, 31),
		Findings:            seed.LeicestershireFindings(),
		ContactName:         "John Young",
		ContactEmail:        "john.young@hmic.gsi.gov.uk",
		ContactPhone:        "07802 948502",
		SignatoryName:       "Michael Cunningham",
		SignatoryHonours:    "QPM",
		SignatoryTitles:     "Her Majesty's Inspector of Constabulary\nHer Majesty's Inspector of Fire & Rescue Services",
	}
}

func TestComposeLeicestershireEqualsTheLetterOf2October2017(t *testing.T) {
	c, err := letter.Compose(seed.StoryLetterTemplate(), leicestershire())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) != 0 {
		t.Errorf("missing facts: %v", c.Missing)
	}
	got, want := c.Letter.Text(), lettertest.FixtureText(t)
	if got != want {
		t.Errorf("composed letter differs from the fixture:\n%s", got)
	}
}
