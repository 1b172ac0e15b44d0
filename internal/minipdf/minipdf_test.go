package minipdf_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"inspectrack/internal/letter/lettertest"
	"inspectrack/internal/minipdf"
)

func TestTextIsAPDFWhoseTextReadsBack(t *testing.T) {
	pdf := minipdf.Text("Leicestershire Police", "Plan (version 1) for A\\B")
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("not a PDF:\n%s", pdf)
	}
	// Every offset in the cross-reference table points at its object.
	s := string(pdf)
	xref := s[strings.Index(s, "xref\n"):]
	for i, line := range strings.Split(xref, "\n")[3:8] {
		off, err := strconv.Atoi(line[:10])
		if err != nil || !strings.HasPrefix(s[off:], strconv.Itoa(i+1)+" 0 obj") {
			t.Errorf("xref entry %d %q does not point at object %d", i+1, line, i+1)
		}
	}
	text := lettertest.PDFText(t, pdf)
	for _, want := range []string{"Leicestershire Police", "Plan (version 1) for A\\B"} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
}
