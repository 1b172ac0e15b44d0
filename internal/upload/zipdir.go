package upload

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ZipLimits bound what an Office or OpenDocument file's ZIP directory may
// declare. The directory is read as a stream, entry by entry, and never
// held whole: memory stays the same whatever the archive claims.
type ZipLimits struct {
	MaxEntries int // files inside the archive
	// MaxUncompressed bounds the declared size of everything inside, once
	// expanded.
	MaxUncompressed uint64
	// MaxRatio bounds expanded size over compressed size, for archives
	// that expand to more than RatioFloor (tiny files can have huge ratios
	// harmlessly: an empty sheet compresses 500 to 1).
	MaxRatio   uint64
	RatioFloor uint64
}

// DefaultZipLimits are generous for real documents (a 25 MiB workbook of
// XML typically expands 5 to 20 times) and refuse ZIP bombs, whose point
// is to expand a thousand times or more.
var DefaultZipLimits = ZipLimits{
	MaxEntries:      10000,
	MaxUncompressed: 1 << 30,
	MaxRatio:        100,
	RatioFloor:      16 << 20,
}

// zipDir is what the directory says about an archive.
type zipDir struct {
	entries      int
	uncompressed uint64
	compressed   uint64
	names        map[string]bool // the entries that tell document types apart
	macros       bool
	dirOff       uint64 // where the central directory starts: entries end before it
}

// zipEntry is one entry as the central directory describes it. The name
// given to a visit is only valid during the visit.
type zipEntry struct {
	name                 []byte
	method, flags        uint16
	crc                  uint32
	csize, usize, offset uint64
}

const contentTypesName = "[Content_Types].xml"

// interesting are the entry names that decide a document's type.
var interesting = map[string]bool{
	"[Content_Types].xml":   true,
	"word/document.xml":     true,
	"xl/workbook.xml":       true,
	"ppt/presentation.xml":  true,
	"mimetype":              true,
	"content.xml":           true,
	"META-INF/manifest.xml": true,
}

// zipProblem is why an archive is refused; Inspect words it for people.
type zipProblem struct{ reason string }

func (p *zipProblem) Error() string { return "upload: zip: " + p.reason }

func refuse(format string, args ...any) error {
	return &zipProblem{fmt.Sprintf(format, args...)}
}

const (
	sigLocal       = 0x04034b50
	sigCentral     = 0x02014b50
	sigEnd         = 0x06054b50
	sigEnd64       = 0x06064b50
	sigEnd64Locate = 0x07064b50
	endLen         = 22
	end64LocLen    = 20
	end64Len       = 56
	centralLen     = 46
	localLen       = 30
	maxCommentLen  = 0xffff
	maxEntryName   = 1024
)

// readZipDir reads the central directory of the ZIP archive r of size
// bytes within lim: at most 64 KiB for the end record, then one entry at a
// time through a 32 KiB buffer. visit, unless nil, is called with each
// entry once its directory record passed the checks; the checks of the
// whole directory (entry count, overlap, ratio) come only after the last
// entry, so a caller that must not act on a bad archive reads the
// directory once without visit, then again with it.
func readZipDir(r io.ReaderAt, size int64, lim ZipLimits, visit func(*zipEntry) error) (*zipDir, error) {
	tailLen := int64(endLen + maxCommentLen)
	if tailLen > size {
		tailLen = size
	}
	tail := make([]byte, tailLen)
	if _, err := r.ReadAt(tail, size-tailLen); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	at := -1
	for i := len(tail) - endLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(tail[i:]) == sigEnd &&
			i+endLen+int(binary.LittleEndian.Uint16(tail[i+20:])) == len(tail) {
			at = i
			break
		}
	}
	if at < 0 {
		return nil, refuse("no end of central directory")
	}
	endPos := size - tailLen + int64(at)
	e := tail[at:]
	if binary.LittleEndian.Uint16(e[4:]) != 0 || binary.LittleEndian.Uint16(e[6:]) != 0 {
		return nil, refuse("spans several disks")
	}
	count := uint64(binary.LittleEndian.Uint16(e[10:]))
	dirSize := uint64(binary.LittleEndian.Uint32(e[12:]))
	dirOff := uint64(binary.LittleEndian.Uint32(e[16:]))
	dirEnd := uint64(endPos)
	if count == 0xffff || dirSize == 0xffffffff || dirOff == 0xffffffff {
		// ZIP64: the real numbers are in the ZIP64 end record, which the
		// locator just before the end record points at.
		if endPos < end64LocLen {
			return nil, refuse("ZIP64 locator missing")
		}
		loc := make([]byte, end64LocLen)
		if _, err := r.ReadAt(loc, endPos-end64LocLen); err != nil {
			return nil, err
		}
		if binary.LittleEndian.Uint32(loc) != sigEnd64Locate {
			return nil, refuse("ZIP64 locator missing")
		}
		recOff := binary.LittleEndian.Uint64(loc[8:])
		if recOff > uint64(size)-end64Len || recOff+end64Len > uint64(endPos-end64LocLen) {
			return nil, refuse("ZIP64 end record out of place")
		}
		rec := make([]byte, end64Len)
		if _, err := r.ReadAt(rec, int64(recOff)); err != nil {
			return nil, err
		}
		if binary.LittleEndian.Uint32(rec) != sigEnd64 {
			return nil, refuse("ZIP64 end record missing")
		}
		count = binary.LittleEndian.Uint64(rec[32:])
		dirSize = binary.LittleEndian.Uint64(rec[40:])
		dirOff = binary.LittleEndian.Uint64(rec[48:])
		dirEnd = recOff
	}
	if count > uint64(lim.MaxEntries) {
		return nil, &limitProblem{fmt.Sprintf("has %d files inside it; the most a document may have is %d", count, lim.MaxEntries)}
	}
	// The directory ends where the end record starts: with a gap (bytes
	// prepended to the archive, as a self-extracting one has) readers
	// disagree about where its entries are.
	if dirOff > dirEnd || dirSize != dirEnd-dirOff {
		return nil, refuse("central directory out of place")
	}

	d := &zipDir{names: map[string]bool{}, dirOff: dirOff}
	br := bufio.NewReaderSize(io.NewSectionReader(r, int64(dirOff), int64(dirSize)), 32<<10)
	hdr := make([]byte, centralLen)
	name := make([]byte, maxEntryName)
	var localMin uint64 // the least the local headers and data must occupy
	var ent zipEntry    // one for all entries: a visit must not keep it
	for {
		if _, err := io.ReadFull(br, hdr[:4]); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, refuse("central directory cut short")
		}
		if binary.LittleEndian.Uint32(hdr) != sigCentral {
			return nil, refuse("central directory damaged")
		}
		if _, err := io.ReadFull(br, hdr[4:]); err != nil {
			return nil, refuse("central directory cut short")
		}
		d.entries++
		if d.entries > lim.MaxEntries {
			return nil, &limitProblem{fmt.Sprintf("has more than %d files inside it", lim.MaxEntries)}
		}
		flags := binary.LittleEndian.Uint16(hdr[8:])
		method := binary.LittleEndian.Uint16(hdr[10:])
		crc := binary.LittleEndian.Uint32(hdr[16:])
		csize := uint64(binary.LittleEndian.Uint32(hdr[20:]))
		usize := uint64(binary.LittleEndian.Uint32(hdr[24:]))
		nameLen := int(binary.LittleEndian.Uint16(hdr[28:]))
		extraLen := int(binary.LittleEndian.Uint16(hdr[30:]))
		commentLen := int(binary.LittleEndian.Uint16(hdr[32:]))
		offset := uint64(binary.LittleEndian.Uint32(hdr[42:]))
		if nameLen > maxEntryName {
			return nil, refuse("an entry name of %d bytes", nameLen)
		}
		if _, err := io.ReadFull(br, name[:nameLen]); err != nil {
			return nil, refuse("central directory cut short")
		}
		n := name[:nameLen]
		if extraLen > 0 {
			var err error
			if usize, csize, offset, err = readZip64Extra(br, extraLen, usize, csize, offset); err != nil {
				return nil, err
			}
		}
		if _, err := br.Discard(commentLen); err != nil {
			return nil, refuse("central directory cut short")
		}
		if flags&1 != 0 {
			return nil, &limitProblem{"is password-protected or encrypted"}
		}
		if method != 0 && method != 8 {
			return nil, refuse("compression method %d", method)
		}
		if offset >= dirOff {
			return nil, refuse("entry %q starts inside the directory", n)
		}
		// Each size is checked before it is added, so that no sum can wrap
		// around 2^64 (uncompressed stays within the limit, compressed
		// within the file).
		if usize > lim.MaxUncompressed-d.uncompressed {
			return nil, &limitProblem{fmt.Sprintf("would expand to more than %s when opened", formatBytes(lim.MaxUncompressed))}
		}
		if csize > uint64(size) {
			return nil, refuse("entry %q larger than the file", n)
		}
		d.uncompressed += usize
		d.compressed += csize
		localMin += localLen + uint64(nameLen) + csize
		if interesting[string(n)] { // no allocation for the lookup
			if d.names[string(n)] {
				// Two parts of one name: which one a program reads is its
				// own choice, so no check of either can be trusted.
				return nil, refuse("two entries named %q", n)
			}
			d.names[string(n)] = true
		}
		if isMacroEntry(n) {
			d.macros = true
		}
		ent = zipEntry{name: n, method: method, flags: flags, crc: crc, csize: csize, usize: usize, offset: offset}
		if visit != nil {
			if err := visit(&ent); err != nil {
				return nil, err
			}
		}
	}
	if uint64(d.entries) != count {
		return nil, refuse("directory lists %d entries, end record says %d", d.entries, count)
	}
	// Entries that share their data (the overlapping-file ZIP bomb) claim
	// more room than there is before the directory.
	if localMin > dirOff {
		return nil, &limitProblem{"is built to expand far beyond its size (its parts overlap)"}
	}
	if d.uncompressed > lim.RatioFloor && d.uncompressed > d.compressed*lim.MaxRatio {
		return nil, &limitProblem{fmt.Sprintf("would expand %d times when opened; the most a document may is %d times", d.uncompressed/max(d.compressed, 1), lim.MaxRatio)}
	}
	return d, nil
}

// limitProblem is an archive refused for a reason worth telling the user
// as it is (too many files, too large once expanded, encrypted).
type limitProblem struct{ reason string }

func (p *limitProblem) Error() string { return "upload: zip: " + p.reason }

// readZip64Extra walks an entry's extra fields, taking its sizes and offset
// from the ZIP64 field where the fixed header holds 0xffffffff.
func readZip64Extra(br *bufio.Reader, extraLen int, usize, csize, offset uint64) (uint64, uint64, uint64, error) {
	for extraLen > 0 {
		var fh [4]byte
		if extraLen < 4 {
			if _, err := br.Discard(extraLen); err != nil {
				return 0, 0, 0, refuse("central directory cut short")
			}
			break
		}
		if _, err := io.ReadFull(br, fh[:]); err != nil {
			return 0, 0, 0, refuse("central directory cut short")
		}
		id := binary.LittleEndian.Uint16(fh[:])
		size := int(binary.LittleEndian.Uint16(fh[2:]))
		extraLen -= 4
		if size > extraLen {
			return 0, 0, 0, refuse("extra field overruns its entry")
		}
		extraLen -= size
		if id != 0x0001 {
			if _, err := br.Discard(size); err != nil {
				return 0, 0, 0, refuse("central directory cut short")
			}
			continue
		}
		var buf [28]byte
		if size > len(buf) {
			return 0, 0, 0, refuse("ZIP64 extra field of %d bytes", size)
		}
		if _, err := io.ReadFull(br, buf[:size]); err != nil {
			return 0, 0, 0, refuse("central directory cut short")
		}
		f := buf[:size]
		take := func(v *uint64) error {
			if *v != 0xffffffff {
				return nil
			}
			if len(f) < 8 {
				return refuse("ZIP64 extra field too short")
			}
			*v = binary.LittleEndian.Uint64(f)
			f = f[8:]
			return nil
		}
		for _, v := range []*uint64{&usize, &csize, &offset} {
			if err := take(v); err != nil {
				return 0, 0, 0, err
			}
		}
	}
	return usize, csize, offset, nil
}

// isMacroEntry reports the parts that carry macros: VBA projects in Office
// files, Basic scripts in OpenDocument ones.
func isMacroEntry(name []byte) bool {
	return hasSuffixFold(name, "vbaproject.bin") || hasPrefixFold(name, "basic/") || hasPrefixFold(name, "scripts/")
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

func hasSuffixFold(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && bytes.EqualFold(b[len(b)-len(suffix):], []byte(suffix))
}

// odfMimetype returns the media type an OpenDocument file declares in its
// first entry, "mimetype", stored uncompressed at the very start (the
// OpenDocument packaging rule); "" when the file does not start so. Some
// writers stream that entry with a data descriptor and no size: then the
// content runs to the next ZIP signature.
func odfMimetype(head []byte) string {
	if len(head) < localLen || binary.LittleEndian.Uint32(head) != sigLocal {
		return ""
	}
	flags := binary.LittleEndian.Uint16(head[6:])
	method := binary.LittleEndian.Uint16(head[8:])
	size := int(binary.LittleEndian.Uint32(head[18:]))
	nameLen := int(binary.LittleEndian.Uint16(head[26:]))
	extraLen := int(binary.LittleEndian.Uint16(head[28:]))
	start := localLen + nameLen + extraLen
	if method != 0 || start > len(head) || string(head[localLen:localLen+nameLen]) != "mimetype" {
		return ""
	}
	if size == 0 && flags&8 != 0 {
		size = bytes.Index(head[start:], []byte("PK"))
	}
	if size <= 0 || size > 128 || start+size > len(head) {
		return ""
	}
	return string(head[start : start+size])
}

// formatBytes writes n in the units people use: "1 GB", "25 MB", "300 KB".
// Limits are binary (MiB), and said as MB the way Windows and GOV.UK do.
func formatBytes(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", (n+(1<<19))>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+(1<<9))>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
