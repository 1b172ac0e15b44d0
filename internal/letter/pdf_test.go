package letter_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"inspectrack/internal/letter"
	"inspectrack/internal/letter/lettertest"
)

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

func TestPDFPrintsNamesOutsideWindows1252(t *testing.T) {
	names := []string{
		"Chief Constable Jan Żółkiewski",
		"Prif Gwnstabl Siân Ŵyn ap Rhŷs",
		"Chief Constable 王小明",
	}
	l := letter.Letter{
		Address:    names,
		Salutation: "Dear " + names[0],
		Subject:    "Cynllun: ŵ, ŷ, ł",
		Body:       []letter.Paragraph{{{Text: "Thank you, " + names[2] + ", and " + names[1] + "."}}},
		Closing:    "Yours sincerely",
		Signature:  []string{"A Signatory"},
	}
	var buf bytes.Buffer
	if err := letter.WritePDF(&buf, l, letter.PDFOptions{Title: "Letter to " + names[0]}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(lettertest.PDFText(t, buf.Bytes()), "\n")
	for _, want := range append(names, "Dear "+names[0], "Cynllun: ŵ, ŷ, ł") {
		if !slices.Contains(lines, want) {
			t.Errorf("no line of the PDF's text reads %q; the lines:\n%s", want, strings.Join(lines, "\n"))
		}
	}
}

func TestPDFKeepsPhoneNumbersAndTitledNamesOnOneLine(t *testing.T) {
	// Each padding puts the protected words across the right margin on a
	// different word, so some wrap would split them if anything could.
	for pad := range 12 {
		text := strings.Repeat("word ", 14) + strings.Repeat("x", pad) +
			" contact Chief Constable Jan Żółkiewski on 07802 948502 or 0116 222 2222 today."
		l := letter.Letter{
			Address: []string{"Chief Constable Jan Żółkiewski", "Force Headquarters"},
			Body:    []letter.Paragraph{{{Text: text}}},
		}
		var buf bytes.Buffer
		if err := letter.WritePDF(&buf, l, letter.PDFOptions{}); err != nil {
			t.Fatal(err)
		}
		got := lettertest.PDFText(t, buf.Bytes())
		for _, want := range []string{"Chief Constable Jan Żółkiewski", "07802 948502", "0116 222 2222"} {
			if strings.Count(got, want) < strings.Count(text+"\n"+l.Address[0], want) {
				t.Errorf("padding %d: %q was broken across lines:\n%s", pad, want, got)
			}
		}
	}
}
