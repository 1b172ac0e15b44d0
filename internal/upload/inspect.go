package upload

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
)

// RejectError says why a file was refused, in words for the person who
// sent it: Reason completes "<file name> ...".
type RejectError struct {
	Name   string
	Reason string
}

func (e *RejectError) Error() string { return fmt.Sprintf("upload: %s %s", e.Name, e.Reason) }

// Message is the sentence to show: the file's name, then why.
func (e *RejectError) Message() string { return e.Name + " " + e.Reason }

func reject(f *File, reason string) error { return &RejectError{Name: f.Name, Reason: reason} }

// Inspect decides f's type from its content: the first bytes through
// mimetype, then for ZIP-based documents the ZIP directory (within zl) and
// for text the whole file (it must be text throughout). It returns the
// type with the content type to store, or a *RejectError.
func Inspect(f *File, zl ZipLimits) (Type, string, error) {
	if f.Size == 0 {
		return Type{}, "", reject(f, "is empty")
	}
	m := mimetype.Detect(f.Head)
	switch {
	case m.Is(PDF.ContentType):
		return PDF, PDF.ContentType, nil
	case m.Is("application/zip"), m.Is(DOCX.ContentType), m.Is(XLSX.ContentType), m.Is(PPTX.ContentType),
		m.Is(ODT.ContentType), m.Is(ODS.ContentType):
		t, err := inspectZip(f, zl)
		return t, t.ContentType, err
	case m.Is("text/plain"), m.Is("text/csv"):
		t := Text
		if m.Is("text/csv") {
			t = CSV
		}
		charset, err := textCharset(f)
		if err != nil {
			return Type{}, "", err
		}
		return t, t.ContentType + "; charset=" + charset, nil
	}
	return Type{}, "", reject(f, "must be a "+AcceptedList+" file: it is "+describe(m))
}

// inspectZip tells Office and OpenDocument files apart by the entries
// their ZIP directory lists, and refuses archives beyond zl.
func inspectZip(f *File, zl ZipLimits) (Type, error) {
	d, err := readZipDir(f.ReaderAt(), f.Size, zl, nil)
	if err != nil {
		return Type{}, zipReject(f, err)
	}
	var t Type
	switch {
	case d.names["[Content_Types].xml"] && d.names["word/document.xml"]:
		t = DOCX
	case d.names["[Content_Types].xml"] && d.names["xl/workbook.xml"]:
		t = XLSX
	case d.names["[Content_Types].xml"] && d.names["ppt/presentation.xml"]:
		t = PPTX
	case d.names["mimetype"] && d.names["content.xml"] && odfMimetype(f.Head) == ODT.ContentType:
		t = ODT
	case d.names["mimetype"] && d.names["content.xml"] && odfMimetype(f.Head) == ODS.ContentType:
		t = ODS
	default:
		return Type{}, reject(f, "must be a "+AcceptedList+" file: it is a ZIP archive but not a Word, Excel, PowerPoint or OpenDocument file")
	}
	if d.macros {
		return Type{}, reject(f, "cannot be accepted: it "+reasonMacros)
	}
	if err := scanZip(f.ReaderAt(), f.Size, d, t, zl); err != nil {
		return Type{}, zipReject(f, err)
	}
	return t, nil
}

// zipReject words a problem found in an archive for the person who sent
// it; an error that is no problem of the archive's (a failed read of the
// spool file) is returned as it is.
func zipReject(f *File, err error) error {
	var lp *limitProblem
	var zp *zipProblem
	var ap *activeProblem
	switch {
	case errors.As(err, &ap):
		return reject(f, "cannot be accepted: it "+ap.reason)
	case errors.As(err, &lp):
		return reject(f, "cannot be accepted: it "+lp.reason)
	case errors.As(err, &zp):
		return reject(f, "cannot be opened: it looks like a ZIP file but is damaged ("+zp.reason+")")
	}
	return fmt.Errorf("upload: inspect %q: %w", f.Name, err)
}

// textCharset checks that f is text throughout, not just in the bytes
// mimetype looked at: no NUL or other control characters but tab, line
// breaks and form feed. UTF-8 (with or without a byte order mark) is
// "utf-8"; anything else that passes is a single-byte encoding, which is
// what Excel's "CSV" and older Windows programs write: "windows-1252".
func textCharset(f *File) (string, error) {
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	buf := *bufp
	r := f.Reader()
	validUTF8 := true
	var carry []byte // an incomplete UTF-8 sequence at the end of a block
	for {
		n, err := r.Read(buf[len(carry):])
		if n > 0 || len(carry) > 0 {
			copy(buf, carry)
			block := buf[:len(carry)+n]
			for _, c := range block[len(carry):] {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
					return "", reject(f, "must be a "+AcceptedList+" file: it is not plain text (it contains binary data)")
				}
			}
			if validUTF8 {
				cut := len(block)
				if !errors.Is(err, io.EOF) {
					cut = lastRuneStart(block)
				}
				if !utf8.Valid(block[:cut]) {
					validUTF8 = false
				}
				carry = append(carry[:0], block[cut:]...)
			} else {
				carry = carry[:0]
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("upload: read %q: %w", f.Name, err)
		}
	}
	if validUTF8 {
		return "utf-8", nil
	}
	return "windows-1252", nil
}

// lastRuneStart returns where a possibly incomplete UTF-8 sequence at the
// end of b starts (len(b) when b ends on a complete one).
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// describe names a refused type for people.
func describe(m *mimetype.MIME) string {
	for _, d := range []struct{ mime, words string }{
		{"text/html", "a web page (HTML)"},
		{"image/svg+xml", "an SVG image"},
		{"text/xml", "an XML file"},
		{"application/json", "a JSON file"},
		{"text/javascript", "a script"},
		{"application/x-ole-storage", "an old-style Office file: save it as a .docx, .xlsx or .pptx and try again"},
		{"application/msword", "an old-style Word document (.doc): save it as a .docx and try again"},
		{"application/vnd.ms-excel", "an old-style Excel workbook (.xls): save it as an .xlsx and try again"},
		{"application/vnd.ms-powerpoint", "an old-style PowerPoint file (.ppt): save it as a .pptx and try again"},
		{"application/rtf", "a rich text file (RTF): save it as a .docx or a PDF and try again"},
		{"application/x-msdownload", "a program"},
		{"application/x-executable", "a program"},
		{"application/octet-stream", "of a type that cannot be recognised"},
	} {
		if m.Is(d.mime) {
			return d.words
		}
	}
	if strings.HasPrefix(m.String(), "image/") {
		return "an image"
	}
	if ext := m.Extension(); ext != "" {
		return "a " + strings.ToUpper(strings.TrimPrefix(ext, ".")) + " file"
	}
	return "of a type that cannot be accepted"
}
