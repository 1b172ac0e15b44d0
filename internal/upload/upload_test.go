package upload

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"inspectrack/internal/upload/uploadtest"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plan.pdf", "plan.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\lee\Documents\Plan 2017.docx`, "Plan 2017.docx"},
		{"plan\x00.pdf", "plan.pdf"},
		{"a\x00/../../b.txt", "b.txt"},
		{"\"\r\nSet-Cookie: x=y", "Set-Cookie: x=y"},
		{"Chief Constable's plan.pdf", "Chief Constable's plan.pdf"},
		{"Plan d’action – Gwent Heddlu.pdf", "Plan d’action – Gwent Heddlu.pdf"},
		{"計画.pdf", "計画.pdf"},
		{"invoice\u202egpj.exe", "invoicegpj.exe"},
		{"  .hidden  ", "hidden"},
		{"...", "document"},
		{"", "document"},
		{"/", "document"},
		{"tab\there", "tab here"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{strings.Repeat("x", 300) + ".pdf", strings.Repeat("x", 196) + ".pdf"},
		{strings.Repeat("é", 150) + ".pdf", strings.Repeat("é", 98) + ".pdf"},
	} {
		if got := CleanName(tc.in); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestContentDispositionCannotBeBrokenOutOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		{"plan.pdf", `attachment; filename="plan.pdf"; filename*=UTF-8''plan.pdf`},
		{"Plan 2017 (v2).pdf", `attachment; filename="Plan 2017 (v2).pdf"; filename*=UTF-8''Plan%202017%20%28v2%29.pdf`},
		{"計画.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E8%A8%88%E7%94%BB.pdf`},
		{"Constable's 100%.txt", `attachment; filename="Constable's 100_.txt"; filename*=UTF-8''Constable%27s%20100%25.txt`},
		// Whatever slips past CleanName still cannot break the header.
		{"a\"\r\nSet-Cookie: x=y", `attachment; filename="aSet-Cookie: x=y"; filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x%3Dy`},
	} {
		got := ContentDisposition(tc.name)
		if got != tc.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", tc.name, got, tc.want)
		}
		if strings.ContainsAny(got, "\r\n\x00") {
			t.Errorf("ContentDisposition(%q) has a control character", tc.name)
		}
	}
}

func TestDownloadNameGivesTheRightExtension(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		display string
		t       Type
		want    string
	}{
		{"plan.pdf", PDF, "plan.pdf"},
		{"plan.PDF", PDF, "plan.PDF"},
		{"plan.docx", PDF, "plan.docx.pdf"},
		{"passwd", Text, "passwd.txt"},
		{"figures.csv", Text, "figures.csv"},
		{"figures.csv", CSV, "figures.csv"},
	} {
		if got := DownloadName(tc.display, tc.t); got != tc.want {
			t.Errorf("DownloadName(%q, %s) = %q, want %q", tc.display, tc.t.Key, got, tc.want)
		}
	}
}

// fileOf spools content as ReadForm would.
func fileOf(t *testing.T, name string, content []byte) *File {
	t.Helper()
	f, err := spool(bytes.NewReader(content), name, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.close() })
	return f
}

func TestInspectAcceptsRealDocuments(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		content     []byte
		want        Type
		contentType string
	}{
		{"plan.pdf", uploadtest.PDF("Plan"), PDF, "application/pdf"},
		{"plan.docx", uploadtest.DOCX("Plan"), DOCX, DOCX.ContentType},
		{"figures.xlsx", uploadtest.XLSX(), XLSX, XLSX.ContentType},
		{"briefing.pptx", uploadtest.PPTX(), PPTX, PPTX.ContentType},
		{"plan.odt", uploadtest.ODT(), ODT, ODT.ContentType},
		{"plan.odt", uploadtest.StreamedODT(), ODT, ODT.ContentType},
		{"figures.ods", uploadtest.ODS(), ODS, ODS.ContentType},
		{"notes.txt", []byte("Plan agreed by the chief officer group.\nNext review: June.\n"), Text, "text/plain; charset=utf-8"},
		{"notes.txt", []byte("Budget: \xa3120,000\r\n"), Text, "text/plain; charset=windows-1252"},
		{"figures.csv", []byte("force,plan,due\nleics,yes,2017-05-31\nsussex,no,2017-05-31\nkent,yes,2017-05-31\n"), CSV, "text/csv; charset=utf-8"},
		// The name does not decide: a DOCX called .pdf is a DOCX.
		{"plan.pdf", uploadtest.DOCX("Plan"), DOCX, DOCX.ContentType},
	} {
		f := fileOf(t, tc.name, tc.content)
		got, ct, err := Inspect(f, DefaultZipLimits)
		if err != nil {
			t.Errorf("%s (%s): refused: %v", tc.name, tc.want.Key, err)
			continue
		}
		if got.Key != tc.want.Key || ct != tc.contentType {
			t.Errorf("%s: got %s %q, want %s %q", tc.name, got.Key, ct, tc.want.Key, tc.contentType)
		}
	}
}

// overlappingBomb builds the overlapping-file ZIP bomb (David Fifield's
// construction, small): many directory entries that all point at one
// deflated part, so the archive claims n times that part's expansion.
func overlappingBomb(n int) []byte {
	body := []byte{0x03, 0x00} // deflate of nothing
	var b bytes.Buffer
	le := binary.LittleEndian
	name := "word/document.xml"
	// One local file.
	b.Write(le.AppendUint32(nil, sigLocal))
	b.Write(make([]byte, 10))
	b.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(nil)))
	b.Write(le.AppendUint32(nil, uint32(len(body))))
	b.Write(le.AppendUint32(nil, 0))
	b.Write(le.AppendUint16(nil, uint16(len(name))))
	b.Write(le.AppendUint16(nil, 0))
	b.WriteString(name)
	b.Write(body)
	dirOff := b.Len()
	names := []string{"[Content_Types].xml", name}
	for i := range n {
		names = append(names, "word/part"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".xml")
	}
	for _, nm := range names {
		b.Write(le.AppendUint32(nil, sigCentral))
		b.Write(make([]byte, 6))
		b.Write(le.AppendUint16(nil, 8)) // deflate
		b.Write(make([]byte, 8))
		b.Write(le.AppendUint32(nil, uint32(len(body))))
		b.Write(le.AppendUint32(nil, 1<<20))
		b.Write(le.AppendUint16(nil, uint16(len(nm))))
		b.Write(make([]byte, 12))
		b.Write(le.AppendUint32(nil, 0)) // every entry at offset 0
		b.WriteString(nm)
	}
	dirLen := b.Len() - dirOff
	b.Write(le.AppendUint32(nil, sigEnd))
	b.Write(make([]byte, 4))
	b.Write(le.AppendUint16(nil, uint16(len(names))))
	b.Write(le.AppendUint16(nil, uint16(len(names))))
	b.Write(le.AppendUint32(nil, uint32(dirLen)))
	b.Write(le.AppendUint32(nil, uint32(dirOff)))
	b.Write(le.AppendUint16(nil, 0))
	return b.Bytes()
}

// smallLimits are DefaultZipLimits with room for fewer entries, so tests
// need not build archives of ten thousand files.
var smallLimits = func() ZipLimits { l := DefaultZipLimits; l.MaxEntries = 100; return l }()

func TestInspectRefusesWhatIsNotAnAcceptedDocument(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what, name string
		content    []byte
		reason     string
	}{
		{"HTML named .pdf", "plan.pdf", uploadtest.HTML(), "it is a web page (HTML)"},
		{"a ZIP bomb named .docx", "plan.docx", uploadtest.ZipBomb(20 << 20), "would expand"},
		{"a declared bomb", "plan.docx", uploadtest.DeclaredBomb(4 << 30), "would expand to more than 1 GB"},
		{"an overlapping bomb", "plan.docx", overlappingBomb(200), "parts overlap"},
		{"too many entries", "plan.docx", uploadtest.ManyEntries(smallLimits.MaxEntries + 1), "files inside it"},
		{"macros", "plan.docx", uploadtest.DOCM(), "contains macros"},
		{"a plain ZIP", "plan.docx", uploadtest.PlainZip(), "not a Word, Excel, PowerPoint or OpenDocument file"},
		{"an empty file", "plan.pdf", nil, "is empty"},
		{"a damaged ZIP", "plan.docx", uploadtest.DOCX("x")[:200], "damaged"},
		{"binary after text", "notes.txt", append(bytes.Repeat([]byte("text "), 1000), 0, 1, 2), "not plain text"},
		{"an image", "plan.pdf", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "an image"},
		{"an old Word file", "plan.doc", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...), "save it as"},
		{"SVG", "plan.txt", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "SVG"},
	} {
		f := fileOf(t, tc.name, tc.content)
		lim := DefaultZipLimits
		if tc.what == "too many entries" {
			lim = smallLimits
		}
		_, _, err := Inspect(f, lim)
		var re *RejectError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want a RejectError", tc.what, err)
			continue
		}
		if !strings.HasPrefix(re.Message(), tc.name+" ") || !strings.Contains(re.Message(), tc.reason) {
			t.Errorf("%s: message %q, want the name and %q", tc.what, re.Message(), tc.reason)
		}
	}
}

// Memory for the directory does not grow with what the archive claims.
func TestZipDirectoryIsReadWithinBounds(t *testing.T) {
	f := fileOf(t, "many.docx", uploadtest.ManyEntries(2000))
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := readZipDir(f.ReaderAt(), f.Size, DefaultZipLimits, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 200 {
		t.Errorf("%v allocations to read 2000 entries; the directory should stream", allocs)
	}
}

// multipartBody builds a form: fields and files (name, content pairs).
func multipartBody(t *testing.T, fields map[string]string, files ...string) (*multipart.Reader, func()) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i := 0; i < len(files); i += 2 {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="documents"; filename="`+files[i]+`"`)
		h.Set("Content-Type", "application/pdf")
		w, _ := mw.CreatePart(h)
		io.WriteString(w, files[i+1])
	}
	mw.Close()
	return multipart.NewReader(&b, mw.Boundary()), func() {}
}

var testLimits = Limits{FileField: "documents", FileBytes: 10, TotalBytes: 15, Files: 3, FieldBytes: 20, Parts: 10}

func TestReadFormSpoolsFilesAndKeepsFields(t *testing.T) {
	t.Parallel()
	mr, _ := multipartBody(t, map[string]string{"note": "see attached"}, "a.txt", "0123456789", "../b.txt", "abc", "", "")
	form, err := ReadForm(mr, testLimits)
	//lint:ignore SA5001 ReadForm returns a form to close, with its spooled files, even with an error
	defer form.Close()
	if err != nil {
		t.Fatal(err)
	}
	if form.Value("note") != "see attached" {
		t.Errorf("note = %q", form.Value("note"))
	}
	if len(form.Files) != 2 {
		t.Fatalf("%d files, want 2 (the empty input skipped)", len(form.Files))
	}
	if form.Files[1].Name != "b.txt" || form.Files[1].Size != 3 || string(form.Files[1].Head) != "abc" {
		t.Errorf("second file: %+v", form.Files[1])
	}
	got, _ := io.ReadAll(form.Files[0].Reader())
	if string(got) != "0123456789" {
		t.Errorf("first file reads %q", got)
	}
}

// A file over a limit ends the reading (see
// TestReadFormStopsAtTheFirstByteOverTheFileLimit); what came before it is
// kept. Too many files is not worth stopping for: the body's own bound
// holds.
func TestReadFormRefusesFilesOverALimitKeepingWhatCameBefore(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what      string
		files     []string
		kept      int
		tooLarge  []string
		overTotal bool
		tooMany   bool
	}{
		{"a file one byte over", []string{"b.txt", "ok", "a.txt", "01234567890", "c.txt", "unread"}, 1, []string{"a.txt"}, false, false},
		{"the total one byte over", []string{"a.txt", "0123456789", "b.txt", "012345", "c.txt", "1"}, 1, nil, true, false},
		{"four files", []string{"a", "1", "b", "2", "c", "3", "d", "4"}, 3, nil, false, true},
	} {
		mr, _ := multipartBody(t, map[string]string{"note": "kept"}, tc.files...)
		form, err := ReadForm(mr, testLimits)
		form.Close()
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if len(form.Files) != tc.kept || !slices.Equal(form.TooLarge, tc.tooLarge) || form.OverTotal != tc.overTotal ||
			form.TooManyFiles != tc.tooMany || !form.Refused() || form.Value("note") != "kept" {
			t.Errorf("%s: kept %d, too large %v, over total %v, too many %v, note %q", tc.what,
				len(form.Files), form.TooLarge, form.OverTotal, form.TooManyFiles, form.Value("note"))
		}
	}
	mr, _ := multipartBody(t, map[string]string{"note": strings.Repeat("n", 21)})
	form, err := ReadForm(mr, testLimits)
	form.Close()
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Field != "note" {
		t.Errorf("long field: err = %v, want TooLargeError", err)
	}
}

func TestTypeOf(t *testing.T) {
	t.Parallel()
	if ty, ok := TypeOf("text/plain; charset=utf-8"); !ok || ty.Key != "txt" {
		t.Errorf("TypeOf(text/plain) = %v %v", ty, ok)
	}
	if _, ok := TypeOf("text/html"); ok {
		t.Error("TypeOf(text/html) accepted")
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// A file over the limit stops the reading at the first byte over it: the
// rest of the body (here 60 MiB) is never read, and the form says so.
func TestReadFormStopsAtTheFirstByteOverTheFileLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what      string
		lim       Limits
		tooLarge  bool
		overTotal bool
	}{
		{"a file over its limit", Limits{FileField: "documents", FileBytes: 1 << 20, TotalBytes: 100 << 20, Files: 3, FieldBytes: 20, Parts: 10}, true, false},
		{"files over the total", Limits{FileField: "documents", FileBytes: 100 << 20, TotalBytes: 1 << 20, Files: 3, FieldBytes: 20, Parts: 10}, false, true},
	} {
		const boundary = "b0undary"
		body := io.MultiReader(
			strings.NewReader("--"+boundary+"\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nkept\r\n"+
				"--"+boundary+"\r\nContent-Disposition: form-data; name=\"documents\"; filename=\"big.pdf\"\r\n\r\n"),
			io.LimitReader(zeroReader{}, 60<<20),
			strings.NewReader("\r\n--"+boundary+"--\r\n"))
		cr := &countingReader{r: body}
		form, err := ReadForm(multipart.NewReader(cr, boundary), tc.lim)
		form.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if (len(form.TooLarge) == 1) != tc.tooLarge || form.OverTotal != tc.overTotal || !form.Stopped || form.Value("note") != "kept" {
			t.Errorf("%s: too large %v, over total %v, stopped %v, note %q", tc.what, form.TooLarge, form.OverTotal, form.Stopped, form.Value("note"))
		}
		if cr.n > 1<<20+256<<10 {
			t.Errorf("%s: %d bytes read of a 60 MiB file; want reading to stop just past 1 MiB", tc.what, cr.n)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// A file part whose name cannot be read is not dropped in silence: the
// form counts it, so the page can say so.
func TestReadFormReportsAFileWithAMalformedName(t *testing.T) {
	t.Parallel()
	for _, disposition := range []string{
		`form-data; name="documents"; filename="unterminated.pdf`,
		`form-data; name="documents"; filename*=UTF-8''%ZZ.pdf`,
		`form-data; name="documents"; filename="a.pdf"; filename="b.pdf"`,
		`form-data; name="documents"; filename=two words.pdf`,
	} {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", disposition)
		w, _ := mw.CreatePart(h)
		io.WriteString(w, "%PDF-1.4 a plan")
		mw.WriteField("note", "kept")
		mw.Close()
		form, err := ReadForm(multipart.NewReader(&b, mw.Boundary()), testLimits)
		form.Close()
		if err != nil {
			t.Errorf("%s: %v", disposition, err)
			continue
		}
		if form.BadNames != 1 || !form.Refused() || len(form.Files) != 0 || form.Value("note") != "kept" || form.Value("documents") != "" {
			t.Errorf("%s: bad names %d, refused %v, files %d, values %v", disposition, form.BadNames, form.Refused(), len(form.Files), form.Values)
		}
	}
}

// Active content is refused whatever its parts are called: it is found
// from [Content_Types].xml, the relationship parts and the fields.
func TestInspectRefusesActiveContentInOfficeFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what    string
		content []byte
		reason  string
	}{
		{"an external template", uploadtest.ExternalTemplateDOCX(), "links to something outside it"},
		{"a remote image", uploadtest.RemoteImageDOCX(), "links to something outside it"},
		{"an embedded OLE object", uploadtest.OLEObjectDOCX(), "embedded object"},
		{"an OLE object under an image's name", uploadtest.HiddenOLEObjectDOCX(), "embedded object"},
		{"an ActiveX control", uploadtest.ActiveXDOCX(), "ActiveX"},
		{"a DDE simple field", uploadtest.DDEFieldDOCX(true), "DDE"},
		{"a DDE field split across runs", uploadtest.DDEFieldDOCX(false), "DDE"},
		{"a VBA project under another name", uploadtest.RenamedVBADOCX(), "contains macros"},
		{"an Excel 4.0 macro sheet", uploadtest.MacroSheetXLSX(false), "contains macros"},
		{"an international macro sheet", uploadtest.MacroSheetXLSX(true), "contains macros"},
		{"an ODT with a DDE connection", uploadtest.HostileODT("dde"), "DDE"},
		{"an ODT with an OLE object", uploadtest.HostileODT("ole"), "embedded object"},
		{"an ODT with a remote picture", uploadtest.HostileODT("link"), "links to something outside it"},
		{"an ODT with a script bound to an event", uploadtest.HostileODT("event"), "contains macros"},
	} {
		f := fileOf(t, "plan.docx", tc.content)
		_, _, err := Inspect(f, DefaultZipLimits)
		var re *RejectError
		if !errors.As(err, &re) {
			t.Errorf("%s: err = %v, want a RejectError", tc.what, err)
			continue
		}
		if !strings.HasPrefix(re.Message(), "plan.docx cannot be accepted: it ") || !strings.Contains(re.Message(), tc.reason) {
			t.Errorf("%s: message %q, want %q", tc.what, re.Message(), tc.reason)
		}
	}
	// What real plans have (styles, a theme, a header with a page field,
	// an image, a hyperlink, a chart and its workbook) is fine.
	f := fileOf(t, "plan.docx", uploadtest.RichDOCX())
	if got, _, err := Inspect(f, DefaultZipLimits); err != nil || got.Key != "docx" {
		t.Errorf("a rich DOCX: %v %v, want accepted", got.Key, err)
	}
	f = fileOf(t, "plan.odt", uploadtest.RichODT())
	if got, _, err := Inspect(f, DefaultZipLimits); err != nil || got.Key != "odt" {
		t.Errorf("a rich ODT: %v %v, want accepted", got.Key, err)
	}
}

// The sizes a ZIP directory declares are not trusted: every entry is
// inflated as a stream, counted against its declared size and the total,
// and checked against its CRC, stopping at the first byte over.
func TestInspectInflatesEveryEntryAndTrustsNoDeclaredSize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		what    string
		content []byte
		reason  string
	}{
		{"40,000 bytes declared, 3 GiB inside", uploadtest.LyingBomb(40000, 3<<30), "cannot be accepted: it expands to more than it declares"},
		{"a wrong checksum", uploadtest.BadChecksumDOCX(), "cannot be opened"},
		{"fewer bytes than declared", uploadtest.LyingBomb(3<<20, 1<<20), "cannot be opened"},
		{"declared sizes that wrap around 2^64", uploadtest.WrappingSizes(), "cannot be accepted: it would expand to more than 1 GB"},
	} {
		f := fileOf(t, "plan.docx", tc.content)
		start := time.Now()
		var err error
		done := make(chan struct{})
		go func() { _, _, err = Inspect(f, DefaultZipLimits); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Inspect still running after 10 s", tc.what)
		}
		var re *RejectError
		if !errors.As(err, &re) || !strings.Contains(re.Message(), tc.reason) {
			t.Errorf("%s: err = %v, want a RejectError saying %q", tc.what, err, tc.reason)
		}
		t.Logf("%s (%d bytes): refused in %v", tc.what, len(tc.content), time.Since(start))
	}
}

// BenchmarkInspectRefusesA3GiBBomb measures refusing a DOCX that declares
// 40,000 bytes and inflates to 3 GiB: the time, the bytes allocated, and
// the process's peak resident memory, building the bomb included (it must
// not grow with what the entry would expand to).
func BenchmarkInspectRefusesA3GiBBomb(b *testing.B) {
	bomb := uploadtest.LyingBomb(40000, 3<<30)
	f, err := spool(bytes.NewReader(bomb), "plan.docx", 1<<30)
	if err != nil {
		b.Fatal(err)
	}
	defer f.close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Inspect(f, DefaultZipLimits); err == nil {
			b.Fatal("the bomb was accepted")
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(bomb))/(1<<20), "file-MiB")
	// VmHWM: the peak resident set of the process, on Linux.
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(status)) {
			var kb float64
			if _, err := fmt.Sscanf(line, "VmHWM: %f kB", &kb); err == nil {
				b.ReportMetric(kb/1024, "peak-RSS-MiB")
			}
		}
	}
}

// Reading a part for active content holds a bounded window, not the part:
// a 15 MiB text node costs the same few buffers as a small one.
func TestOfficePartsAreReadInBoundedMemory(t *testing.T) {
	f := fileOf(t, "plan.docx", uploadtest.HugeFieldDOCX(15<<20))
	var err error
	n := allocated(func() { _, _, err = Inspect(f, DefaultZipLimits) })
	if err != nil {
		t.Fatalf("a DOCX with a 15 MiB field code: %v, want accepted", err)
	}
	t.Logf("%d KiB allocated to read 15 MiB of XML", n>>10)
	if n > 2<<20 {
		t.Errorf("%d bytes allocated to read a 15 MiB part; the part should stream", n)
	}
}
