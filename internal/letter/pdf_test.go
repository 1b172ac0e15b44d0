package letter_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/letter"
	"inspectrack/internal/letter/lettertest"
	"inspectrack/internal/seed"
)

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
	text := lettertest.PDFText(t, buf.Bytes())
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
