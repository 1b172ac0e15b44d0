package web

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/domain"
	"inspectrack/internal/store"
)

// FuzzCheckImport feeds the findings import any file: it never panics; a
// file it accepts has findings with a kind and a text within the limits;
// and the findings it read, written out again as a file of their kind,
// reference and text, read back the same.
func FuzzCheckImport(f *testing.F) {
	f.Add([]byte(goodImport))
	f.Add([]byte("kind,reference,text,deadline,deadline_date,answers,criteria\n" +
		"recommendation,R 7,Fine.,within six months,,,\nrecommendation,R 10,Do it.,,31/2/2018,,\n"))
	f.Add([]byte("kind,text\nrecommendation,\"Unclosed\nafi,x\n"))
	f.Add([]byte("kind,text\n"))
	f.Add([]byte("kind,text\nAFI,\"a \"\"quoted\"\" text, with a comma\r\nand a line\"\n"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte{})
	rp := store.Report{ID: 1, PublishedOn: time.Date(2017, 6, 8, 0, 0, 0, 0, time.UTC)}
	forces := map[string]bool{"kent": true, "sussex": true}
	f.Fuzz(func(t *testing.T, content []byte) {
		plan := checkImport(content, rp, nil, forces)
		if len(plan.rows) != len(plan.view) {
			t.Fatalf("%d rows but %d shown", len(plan.rows), len(plan.view))
		}
		if !plan.ok() {
			return
		}
		if len(plan.rows) == 0 {
			t.Fatal("accepted a file with no findings")
		}
		var out bytes.Buffer
		w := csv.NewWriter(&out)
		_ = w.Write([]string{"kind", "reference", "text"})
		for _, r := range plan.rows {
			in := r.Input
			if !in.Kind.Valid() || in.Body == "" || len([]rune(in.Body)) > maxBodyLen {
				t.Fatalf("accepted a finding %+v", in)
			}
			_ = w.Write([]string{strings.ToLower(in.Kind.Label()), in.Reference, in.Body})
		}
		w.Flush()
		again := checkImport(out.Bytes(), rp, nil, forces)
		if !again.ok() || len(again.rows) != len(plan.rows) {
			t.Fatalf("written out again, the file reads %d rows (file errors %v, rows %v); want %d",
				len(again.rows), again.fileErrors, again.view, len(plan.rows))
		}
		for i, r := range again.rows {
			want := plan.rows[i].Input
			if r.Input.Kind != want.Kind || r.Input.Reference != want.Reference || r.Input.Body != want.Body {
				t.Fatalf("row %d read back as %q %q %q, want %q %q %q", i, r.Input.Kind, r.Input.Reference, r.Input.Body,
					want.Kind, want.Reference, want.Body)
			}
		}
	})
}

// FuzzParseImportDate: the import's deadline_date reader gives a calendar
// date or an error, never a panic, and a date it reads reads again the same
// when written as the import's ISO form.
func FuzzParseImportDate(f *testing.F) {
	for _, s := range []string{"2017-06-08", "8/6/2017", "31/2/2018", "29/2/2016", "1/sept/2020", "2017-6-8", "//", "8/6/17", "", "99999999999999999999/1/2017"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseImportDate(s)
		if err != nil {
			return
		}
		if d != domain.Date(d.Date()) || d.Year() < 1000 {
			t.Fatalf("%q read as %v: not a calendar date", s, d)
		}
		again, err := parseImportDate(d.Format(time.DateOnly))
		if err != nil || !again.Equal(d) {
			t.Fatalf("%q read as %v, which reads again as %v, %v", s, d, again, err)
		}
	})
}
