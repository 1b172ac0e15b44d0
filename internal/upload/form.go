package upload

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"regexp"
	"strings"
	"sync"
)

// HeadSize is how much of the start of each file is kept in memory for
// sniffing its type.
const HeadSize = 4096

// Limits bound what ReadForm accepts.
type Limits struct {
	FileField  string // the name of the file input, e.g. "documents"
	FileBytes  int64  // each file
	TotalBytes int64  // all files together
	Files      int    // how many files
	FieldBytes int64  // each other field
	Parts      int    // parts of any kind, files included
}

// spoolDir is where files are spooled: the system's temporary folder
// (TMPDIR). Files there are unlinked at once, so nothing is ever left.
var spoolDir = ""

// TooLargeError reports a text field over its limit: the form is not
// one the portal's pages send, and reading stops.
type TooLargeError struct {
	Field string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("upload: field %q longer than %d bytes", e.Field, e.Limit)
}

// ErrTooManyParts is returned for a form with more parts than Limits
// allow: not a form the portal's pages send, and reading stops.
var ErrTooManyParts = errors.New("upload: too many parts")

// Form is a multipart form read by ReadForm: its text fields, its files
// (spooled), and the files it could not keep. Close releases the files.
type Form struct {
	Values map[string]string
	Files  []*File
	// TooLarge names the file over the per-file limit: reading stopped at
	// its first byte over (Stopped).
	TooLarge []string
	// OverTotal is set when the files together went over the total limit:
	// reading stopped at the first byte over (Stopped).
	OverTotal bool
	// TooManyFiles is set when there were more files than the limit; the
	// extra ones were thrown away.
	TooManyFiles bool
	// BadNames counts the file parts whose Content-Disposition could not
	// be read (a file name no browser sends): each was thrown away.
	BadNames int
	// Stopped is set when reading stopped at the first byte over a file
	// or total limit: the rest of the body was left unread, so the caller
	// must close the connection after answering.
	Stopped bool
}

// Value returns the text field name, or "".
func (f *Form) Value(name string) string { return f.Values[name] }

// Refused reports whether any file was thrown away.
func (f *Form) Refused() bool {
	return len(f.TooLarge) > 0 || f.OverTotal || f.TooManyFiles || f.BadNames > 0
}

// Close releases every spooled file.
func (f *Form) Close() error {
	var errs []error
	for _, file := range f.Files {
		errs = append(errs, file.close())
	}
	return errors.Join(errs...)
}

// File is one uploaded file, spooled to a temporary file that is unlinked
// as soon as it is created: it is never visible under a name, and it
// vanishes with the process whatever happens.
type File struct {
	Name   string // cleaned display name (CleanName)
	Size   int64
	SHA256 [32]byte
	Head   []byte // the first HeadSize bytes, for sniffing
	f      *os.File
	path   string // set only where an open file could not be unlinked (Windows)
}

// Reader returns a reader of the file's content from its start; each call
// gives an independent reader.
func (f *File) Reader() io.Reader { return io.NewSectionReader(f.f, 0, f.Size) }

// ReaderAt gives random access to the content (the ZIP directory is at
// the end).
func (f *File) ReaderAt() io.ReaderAt { return f.f }

func (f *File) close() error {
	if f.f == nil {
		return nil
	}
	err := f.f.Close()
	if f.path != "" {
		err = errors.Join(err, os.Remove(f.path))
	}
	f.f = nil
	return err
}

// copyBufs recycles the buffers that carry a part from the request to its
// spool file.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// ReadForm reads mr part by part: text fields into Values (at most
// FieldBytes each; first value wins), parts of FileField into spooled
// Files (hashed and counted as they stream), anything else discarded. A
// file over FileBytes, or one that takes the files over TotalBytes, stops
// the reading at its first byte over the limit: the form says so
// (TooLarge, OverTotal) with what was read before it kept, and Stopped
// tells the caller the rest of the body was never read, so the connection
// must close. A file part whose name cannot be read is thrown away and
// counted (BadNames). A file input left empty (no name, no bytes) is
// skipped. The caller bounds the whole body (http.MaxBytesReader). Memory
// stays at a few buffers whatever the sizes.
//
// The returned Form is never nil: the caller closes it in every case.
func ReadForm(mr *multipart.Reader, lim Limits) (*Form, error) {
	form := &Form{Values: map[string]string{}}
	var total int64
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, fmt.Errorf("upload: next part: %w", err)
		}
		if parts >= lim.Parts {
			p.Close()
			return form, ErrTooManyParts
		}
		if err := readPart(form, p, lim, &total); err != nil {
			p.Close()
			return form, err
		}
		if form.Stopped {
			// Not p.Close: it would read the rest of the part.
			return form, nil
		}
		p.Close()
	}
}

func readPart(form *Form, p *multipart.Part, lim Limits, total *int64) error {
	name, filename, isFile, bad := partNames(p)
	switch {
	case bad:
		form.BadNames++
		return discard(p)
	case name == lim.FileField && isFile:
		if len(form.Files) >= lim.Files || form.OverTotal {
			form.TooManyFiles = form.TooManyFiles || len(form.Files) >= lim.Files
			return discard(p)
		}
		room := lim.TotalBytes - *total
		f, err := spool(p, CleanName(filename), min(lim.FileBytes, room))
		if err != nil {
			if f != nil {
				f.close()
			}
			return err
		}
		switch {
		case f.Size > lim.FileBytes:
			form.TooLarge = append(form.TooLarge, f.Name)
			form.Stopped = true
		case f.Size > room:
			form.OverTotal = true
			form.Stopped = true
		case f.Size == 0 && filename == "": // an empty file input
		default:
			form.Files = append(form.Files, f)
			*total += f.Size
			return nil
		}
		return f.close()
	case !isFile && name != "":
		v, err := readField(p, name, lim.FieldBytes)
		if err != nil {
			return err
		}
		if _, seen := form.Values[name]; !seen {
			form.Values[name] = v
		}
		return nil
	}
	return discard(p)
}

func discard(p io.Reader) error {
	if _, err := io.Copy(io.Discard, p); err != nil {
		return fmt.Errorf("upload: skip part: %w", err)
	}
	return nil
}

// partNames returns a part's field name and file name, and whether it is
// a file at all: a filename parameter, even empty, marks a file input.
// The file name is the raw one (RFC 2231 filename* decoded), before
// cleaning; multipart.Part.FileName would already have cut it to its base.
// bad reports a part that names a file in a way that cannot be read (an
// unterminated quote, a filename* that does not decode, two names): no
// browser sends one, and it must not pass for a text field or vanish.
func partNames(p *multipart.Part) (name, filename string, isFile, bad bool) {
	cd := p.Header.Get("Content-Disposition")
	namesFile := filenameParam.MatchString(cd)
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return "", "", false, namesFile
	}
	filename, isFile = params["filename"]
	return params["name"], filename, isFile, namesFile && !isFile
}

// filenameParam finds a filename or filename* parameter in a
// Content-Disposition, however malformed the rest.
var filenameParam = regexp.MustCompile(`(?i);\s*filename\*?\s*=`)

func readField(p *multipart.Part, name string, limit int64) (string, error) {
	var b strings.Builder
	n, err := io.Copy(&b, io.LimitReader(p, limit+1))
	if err != nil {
		return "", fmt.Errorf("upload: read field: %w", err)
	}
	if n > limit {
		return "", &TooLargeError{Field: name, Limit: limit}
	}
	return b.String(), nil
}

// spool copies p into a new unlinked temporary file, hashing it and
// keeping its head. It stops at the first byte over limit: the File then
// has Size limit+1, and the rest of p is left unread.
func spool(p io.Reader, name string, limit int64) (*File, error) {
	tmp, err := os.CreateTemp(spoolDir, "inspectrack-upload-*")
	if err != nil {
		return nil, fmt.Errorf("upload: spool: %w", err)
	}
	f := &File{Name: name, f: tmp}
	if err := os.Remove(tmp.Name()); err != nil {
		f.path = tmp.Name() // removed on close instead
	}
	h := sha256.New()
	head := &headWriter{max: HeadSize}
	bufp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bufp)
	n, err := io.CopyBuffer(io.MultiWriter(tmp, h, head), io.LimitReader(p, limit+1), *bufp)
	f.Size, f.Head = n, head.b
	copy(f.SHA256[:], h.Sum(nil))
	if err != nil {
		return f, fmt.Errorf("upload: spool %q: %w", name, err)
	}
	return f, nil
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	b   []byte
	max int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
