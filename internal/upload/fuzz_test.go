package upload

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
	"unicode/utf8"

	"inspectrack/internal/upload/uploadtest"
)

// fuzzLimits keep each input quick (the fuzzer's instrumented inflater is
// slow): far less than uploads allow.
var fuzzLimits = ZipLimits{MaxEntries: 1000, MaxUncompressed: 1 << 20, MaxRatio: 100, RatioFloor: 256 << 10}

// maxFuzzAlloc bounds what one input may make the code allocate in all:
// the fixed buffers (the directory's tail, one XML tag, the inflater) and
// a little per entry, far below what any input could claim.
const maxFuzzAlloc = 32 << 20

// seedFiles are the corpus of both fuzz tests: real documents of every
// accepted type and the hostile files the tests build.
func seedFiles() [][]byte {
	return [][]byte{
		uploadtest.DOCX("Our plan"), uploadtest.RichDOCX(), uploadtest.XLSX(), uploadtest.PPTX(),
		uploadtest.ODT(), uploadtest.StreamedODT(), uploadtest.ODS(), uploadtest.PDF("Plan"),
		[]byte("force,plan\nleics,yes\n"), []byte("Budget: \xa3120,000\r\n"),
		uploadtest.DOCM(), uploadtest.ExternalTemplateDOCX(), uploadtest.RemoteImageDOCX(), uploadtest.OLEObjectDOCX(),
		uploadtest.HiddenOLEObjectDOCX(), uploadtest.ActiveXDOCX(), uploadtest.DDEFieldDOCX(true), uploadtest.DDEFieldDOCX(false),
		uploadtest.RenamedVBADOCX(), uploadtest.MacroSheetXLSX(false), uploadtest.MacroSheetXLSX(true),
		uploadtest.LyingBomb(40000, 4<<20), uploadtest.LyingBomb(512<<10, 256<<10), uploadtest.BadChecksumDOCX(),
		uploadtest.ZipBomb(2 << 20), uploadtest.DeclaredBomb(4 << 30), overlappingBomb(50), uploadtest.ManyEntries(50),
		uploadtest.PlainZip(), uploadtest.DOCX("x")[:200], uploadtest.HTML(), uploadtest.WrappingSizes(), uploadtest.RichODT(),
		uploadtest.HostileODT("dde"), uploadtest.HostileODT("ole"), uploadtest.HostileODT("link"), uploadtest.HostileODT("event"),
	}
}

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// FuzzReadZipDir: whatever the bytes, reading their ZIP directory (and
// inflating every entry, as Inspect does) never panics, allocates within
// a fixed bound, and refuses only with a ZIP problem.
func FuzzReadZipDir(f *testing.F) {
	for _, b := range seedFiles() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		var err error
		n := allocated(func() {
			var d *zipDir
			if d, err = readZipDir(r, int64(len(b)), fuzzLimits, nil); err == nil {
				err = scanZip(r, int64(len(b)), d, DOCX, fuzzLimits)
			}
		})
		if n > maxFuzzAlloc {
			t.Errorf("%d bytes allocated for an input of %d", n, len(b))
		}
		var zp *zipProblem
		var lp *limitProblem
		var ap *activeProblem
		if err != nil && !errors.As(err, &zp) && !errors.As(err, &lp) && !errors.As(err, &ap) {
			t.Errorf("refused with %T %v, want a ZIP problem", err, err)
		}
	})
}

// FuzzInspect: whatever the bytes, Inspect never panics, allocates within
// a fixed bound, refuses only with a RejectError, and what it accepts
// really is the type it says.
func FuzzInspect(f *testing.F) {
	for _, b := range seedFiles() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file := fileOf(t, "plan", b)
		var typ Type
		var err error
		n := allocated(func() { typ, _, err = Inspect(file, fuzzLimits) })
		if n > maxFuzzAlloc {
			t.Errorf("%d bytes allocated for an input of %d", n, len(b))
		}
		var re *RejectError
		switch {
		case errors.As(err, &re):
			return
		case err != nil:
			t.Fatalf("refused with %T %v, want a RejectError", err, err)
		}
		if why := notOfType(b, typ); why != "" {
			t.Errorf("accepted as %s, but %s", typ.Key, why)
		}
	})
}

// notOfType says why b is not a file of type t, or "" when it is: a PDF
// starts as one, text is text throughout, and an Office or OpenDocument
// file opens with archive/zip, has the parts of its type, and each of its
// entries reads to its end with the size and checksum it declares.
func notOfType(b []byte, t Type) string {
	switch t.Key {
	case PDF.Key:
		if !bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-")) {
			return "it does not start as a PDF"
		}
		return ""
	case Text.Key, CSV.Key:
		for _, c := range b {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
				return "it holds a control character"
			}
		}
		return ""
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "archive/zip cannot open it: " + err.Error()
	}
	want := map[string][]string{
		DOCX.Key: {"[Content_Types].xml", "word/document.xml"}, XLSX.Key: {"[Content_Types].xml", "xl/workbook.xml"},
		PPTX.Key: {"[Content_Types].xml", "ppt/presentation.xml"}, ODT.Key: {"mimetype", "content.xml"}, ODS.Key: {"mimetype", "content.xml"},
	}[t.Key]
	if want == nil {
		return "it is of no accepted type"
	}
	have := map[string]string{}
	var total int64
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return "entry " + zf.Name + " does not open: " + err.Error()
		}
		var head bytes.Buffer
		n, err := io.Copy(&limitedBuffer{&head, 128}, io.LimitReader(rc, int64(fuzzLimits.MaxUncompressed)+1-total))
		rc.Close()
		total += n
		if err != nil {
			return "entry " + zf.Name + " does not read: " + err.Error()
		}
		if total > int64(fuzzLimits.MaxUncompressed) {
			return "it expands beyond the limit"
		}
		have[zf.Name] = head.String()
	}
	for _, name := range want {
		if _, ok := have[name]; !ok {
			return "it has no " + name
		}
	}
	if (t.Key == ODT.Key || t.Key == ODS.Key) && have["mimetype"] != t.ContentType {
		return "its mimetype entry says " + have["mimetype"]
	}
	if !utf8.ValidString(have["mimetype"]) && have["mimetype"] != "" {
		return "its mimetype entry is not text"
	}
	return ""
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
