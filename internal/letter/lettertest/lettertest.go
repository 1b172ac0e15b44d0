// Package lettertest helps tests hold letters to the real one: the
// fixture letter of 2 October 2017, a PDF's text, facts in order.
package lettertest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// FixtureText is the real letter of 2 October 2017 as the portal must
// compose it: the fixture without the blank lines above the address and
// without the description of the handwritten signature, which no recorded
// fact stands for.
func FixtureText(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "testdata", "letter-leicestershire-2017-10-02.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(strings.TrimLeft(string(b), "\n"), "\n") {
		if !strings.HasPrefix(line, "A handwritten signature") {
			kept = append(kept, line)
		}
	}
	return strings.ReplaceAll(strings.Join(kept, "\n"), "\n\n\n", "\n\n")
}

// Facts are the facts of the letter of 2 October 2017, in its order: what
// a page or a PDF of Leicestershire's letter must carry.
var Facts = []string{
	"Chief Constable Simon Cole QPM", "Leicestershire Police", "Via email",
	"Copied to: Lord Willy Bach", "Police and Crime Commissioner for Leicestershire",
	"2 October 2017", "Dear Chief Constable", "HMICFRS assessment: Abuse of position for a sexual purpose",
	"December 2016", "PEEL: police legitimacy 2016", "abuse of position for a sexual purpose",
	"To address this cause of concern, we recommend that within six months, all forces should have started to implement a plan",
	"organisations that support vulnerable people.",
	"Further to my letter dated 16 May 2017 and your force's subsequent document submission",
	"which took place during June 2017", "all documentation submitted by 31 May 2017",
	"Your plans did not reflect the national strategy agreed at the National Police Chiefs' Council in April of this year.",
	"They did include improvements to your IT systems' monitoring capability and work had commenced on this prior to our review.",
	"However, no information was provided that allowed us to assess your progress in reviewing the capability and capacity of your counter-corruption unit or any work done to seek intelligence from those organisations that support vulnerable people.",
	"This letter will be published on the HMICFRS website, alongside a national overview report.",
	"We will be returning to your force to assess implementation of your plans during a subsequent inspection.",
	"please contact John Young at john.young@hmic.gsi.gov.uk or on 07802 948502.",
	"Yours sincerely", "Michael Cunningham QPM", "Her Majesty's Inspector of Constabulary",
	"Her Majesty's Inspector of Fire & Rescue Services",
}

// InOrder fails unless every want appears in text (white space squashed),
// each after the one before.
func InOrder(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	at := 0
	for _, w := range wants {
		i := strings.Index(flat[at:], w)
		if i < 0 {
			t.Errorf("%s: %q missing or out of order", what, w)
			continue
		}
		at += i + len(w)
	}
}

// PDFText extracts a PDF's text with poppler's pdftotext, as a reader (or
// a screen reader) gets at it. Without pdftotext the test is skipped, or
// fails when CI=true (make test installs it).
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) not installed: make ensure-pdftotext")
		}
		t.Skip("pdftotext (poppler-utils) not installed: make ensure-pdftotext")
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
