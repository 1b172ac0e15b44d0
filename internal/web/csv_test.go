package web

import (
	"bytes"
	"testing"
)

func TestCSVCellKeepsFormulasAsText(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
		"+1":                         "'+1",
		"-1":                         "'-1",
		"@SUM(A1)":                   "'@SUM(A1)",
		"\t=1":                       "'\t=1",
		"\r=1":                       "'\r=1",
		// Values that must not change: text, numbers, a formula sign
		// anywhere but first, nothing at all.
		"Plan overdue":    "Plan overdue",
		"42":              "42",
		"a=b":             "a=b",
		"Avon & Somerset": "Avon & Somerset",
		"2024-03-12":      "2024-03-12",
		"":                "",
		" =1":             " =1",
	} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteCSVEscapesEveryCellAndEndsLinesWithCRLF(t *testing.T) {
	var b bytes.Buffer
	if err := writeCSV(&b, [][]string{{"force", "note"}, {"=cmd", "a, \"quoted\" note"}}); err != nil {
		t.Fatal(err)
	}
	want := "force,note\r\n'=cmd,\"a, \"\"quoted\"\" note\"\r\n"
	if b.String() != want {
		t.Errorf("writeCSV wrote %q, want %q", b.String(), want)
	}
}
