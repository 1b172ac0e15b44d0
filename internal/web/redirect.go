package web

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// safeNext keeps a redirect target on this site: it returns next when it is
// a path of this origin, else "/". Browsers are lenient where url.Parse is
// not (they drop tabs and newlines, read "\" as "/", and some decode before
// they resolve), so next is refused when it, or its percent-decoding, holds
// a backslash, a control or whitespace character, or starts with "//"; and
// when url.Parse finds a scheme, a host or user information in it.
func safeNext(next string) string {
	if !onThisSite(next) {
		return "/"
	}
	return next
}

func onThisSite(next string) bool {
	if !strings.HasPrefix(next, "/") || len(next) > 2048 || !utf8.ValidString(next) {
		return false
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || !utf8.ValidString(decoded) {
		return false
	}
	for _, s := range []string{next, decoded} {
		if strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
			return false
		}
		for _, r := range s {
			if r == ' ' || !unicode.IsPrint(r) {
				return false
			}
		}
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" &&
		strings.HasPrefix(u.Path, "/")
}
