package seed_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/letter"
	"inspectrack/internal/letter/lettertest"
	"inspectrack/internal/seed"
)

// The letter of 2 October 2017, composed from what the seed records, equals
// the real one, as text and in its PDF.

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

func TestLeicestershirePDFCarriesTheLetterInOrder(t *testing.T) {
	c, err := letter.Compose(seed.StoryLetterTemplate(), leicestershire())
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2017, 10, 2, 9, 0, 0, 0, time.UTC)
	var a, b bytes.Buffer
	for _, buf := range []*bytes.Buffer{&a, &b} {
		if err := letter.WritePDF(buf, c.Letter, letter.PDFOptions{Title: "HMICFRS assessment", Created: created}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.HasPrefix(a.Bytes(), []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", a.Bytes()[:16])
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same letter gave two different PDFs")
	}
	text := lettertest.PDFText(t, a.Bytes())
	lettertest.InOrder(t, "PDF", text, append(lettertest.Facts, "Page 2 of 2")...)
	if strings.Contains(text, "DRAFT") {
		t.Error("a published letter's PDF says DRAFT")
	}
}
