package letter_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/letter"
	"inspectrack/internal/seed"
)

// pdfText extracts the text of a PDF with poppler's pdftotext, the way a
// reader (or a screen reader) gets at it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	cmd := exec.Command(path, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// inOrder fails unless every want appears in text, each after the one before.
func inOrder(t *testing.T, text string, wants ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	at := 0
	for _, w := range wants {
		i := strings.Index(flat[at:], w)
		if i < 0 {
			t.Errorf("%q missing or out of order", w)
			continue
		}
		at += i + len(w)
	}
}

func TestLeicestershirePDFCarriesTheLetterInOrder(t *testing.T) {
	c, err := letter.Compose(seed.StoryLetterTemplate, leicestershire())
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
	text := pdfText(t, a.Bytes())
	inOrder(t, text, "Chief Constable Simon Cole QPM", "Leicestershire Police", "Via email",
		"Copied to: Lord Willy Bach", "Police and Crime Commissioner for Leicestershire", "2 October 2017",
		"Dear Chief Constable", "HMICFRS assessment: Abuse of position for a sexual purpose",
		"PEEL: police legitimacy 2016", "To address this cause of concern", "16 May 2017", "June 2017", "31 May 2017",
		"Your plans did not reflect the national strategy", "They did include improvements",
		"However, no information was provided", "John Young at john.young@hmic.gsi.gov.uk or on 07802 948502",
		"Yours sincerely", "Michael Cunningham QPM", "Her Majesty's Inspector of Constabulary",
		"Her Majesty's Inspector of Fire & Rescue Services", "Page 2 of 2")
	if strings.Contains(text, "DRAFT") {
		t.Error("a published letter's PDF says DRAFT")
	}
}

func TestPDFEncodesTypographyWrapsAndPaginates(t *testing.T) {
	long := strings.Repeat("The force’s plan costs £12,000 – a café’s worth. ", 40)
	l := letter.Letter{
		Address:    []string{"Chief Constable Zoë O’Brien"},
		Salutation: "Dear Chief Constable",
		Subject:    "Spending £5",
		Closing:    "Yours sincerely",
		Signature:  []string{"A Signatory"},
	}
	for range 8 {
		l.Body = append(l.Body, letter.Paragraph{{Text: long}, {Text: "In italics.", Italic: true}})
	}
	var buf bytes.Buffer
	if err := letter.WritePDF(&buf, l, letter.PDFOptions{Draft: true}); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	for _, want := range []string{"Zoë O’Brien", "The force’s plan costs £12,000 – a café’s worth.", "Spending £5", "DRAFT: not published", "Page 2 of", "A Signatory"} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// Wrapped: no line of the extracted text is the whole paragraph.
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 200 {
			t.Fatalf("a line of %d characters: the text did not wrap", len(line))
		}
	}
}
