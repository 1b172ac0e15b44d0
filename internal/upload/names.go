package upload

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes bounds a display name: most file systems refuse names over
// 255 bytes, and a name is only ever shown and suggested for downloads.
const maxNameBytes = 200

// fallbackName is the display name of a file whose name cleans to nothing.
const fallbackName = "document"

// CleanName turns the name a browser sent for a file into a display name
// that is safe to store, show and put in a header: the last element of
// any path (either slash), without control characters (NUL, CR, LF and
// the rest), Unicode format characters (a right-to-left override can make
// "gpj.exe" read "exe.jpg") or double quotes, without leading dots or
// surrounding spaces, at most 200 bytes with its extension kept, and valid
// UTF-8. Letters of every script are kept, and apostrophes ("Chief
// Constable's plan.pdf"): they cannot break a quoted header value and are
// percent-encoded in filename*. The name is never used to store
// the file: that is the blob's id.
func CleanName(raw string) string {
	s := strings.ToValidUTF8(raw, "\uFFFD")
	// Control characters go first, so that "a\x00/../b" cannot hide a path.
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return -1
		case unicode.IsSpace(r): // tab, CR, LF and the rest read as a space
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == '\uFFFD':
			return -1
		}
		return r
	}, s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimLeft(s, ". ")
	s = strings.TrimRight(s, " ")
	if len(s) > maxNameBytes {
		s = truncateKeepingExt(s, maxNameBytes)
	}
	if s == "" {
		return fallbackName
	}
	return s
}

// truncateKeepingExt shortens s to at most n bytes on a rune boundary,
// keeping a short extension.
func truncateKeepingExt(s string, n int) string {
	ext := path.Ext(s)
	if len(ext) > 16 {
		ext = ""
	}
	stem := strings.TrimSuffix(s, ext)
	limit := n - len(ext)
	for len(stem) > limit {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return strings.TrimRight(stem, " .") + ext
}

// DownloadName is the name to suggest when downloading a document of type
// t shown as display: the display name, with the type's extension added
// when the name does not already end in one of the type's (a PDF sent as
// "plan.docx" downloads as "plan.docx.pdf", so it opens in the right
// program).
func DownloadName(display string, t Type) string {
	ext := strings.ToLower(path.Ext(display))
	for _, e := range t.Exts {
		if ext == e {
			return display
		}
	}
	if len(t.Exts) == 0 {
		return display
	}
	return display + t.Exts[0]
}

// ContentDisposition is the Content-Disposition header that makes a
// browser save the file as name rather than show it: an ASCII fallback in
// filename (every other character replaced by "_") and the UTF-8 name in
// filename* (RFC 6266, RFC 8187). name must come from CleanName, so it has
// no quotes, backslashes or control characters; they are dropped here too,
// so the header can never be broken out of.
func ContentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\':
			continue
		case r > 0x7e || r == '%':
			// Some browsers percent-decode filename=: keep % out of it.
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	fallback := ascii.String()
	if strings.Trim(fallback, "_. ") == "" {
		fallback = fallbackName + path.Ext(fallback)
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// encodeRFC8187 percent-encodes every byte of s outside RFC 8187's
// attr-char set.
func encodeRFC8187(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
