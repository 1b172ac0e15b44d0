package letter_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/seed"
)

// FixtureText is the real letter of 2 October 2017 as the portal must
// compose it: the fixture without the blank lines above the address and
// without the description of the handwritten signature, which no recorded
// fact stands for.
func fixtureText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/letter-leicestershire-2017-10-02.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimLeft(string(b), "\n")
	var kept []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "A handwritten signature") {
			continue
		}
		kept = append(kept, line)
	}
	return strings.ReplaceAll(strings.Join(kept, "\n"), "\n\n\n", "\n\n")
}

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
		Term:                seed.StoryTerminologyNote,
		Recommendation:      seed.StoryRecommendation,
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
	c, err := letter.Compose(seed.StoryLetterTemplate, leicestershire())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) != 0 {
		t.Errorf("missing facts: %v", c.Missing)
	}
	got, want := c.Letter.Text(), fixtureText(t)
	if got != want {
		t.Errorf("composed letter differs from the fixture\n%s", lineDiff(want, got))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + "\n  want: " + wl + "\n  got:  " + gl + "\n")
		}
	}
	return b.String()
}
