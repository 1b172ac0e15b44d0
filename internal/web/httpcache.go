package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
)

// What is published never changes: a published letter, its PDF, a national
// overview. Their answers carry validators (ETag, and Last-Modified where
// the thing has one date) and may be kept by the browser, which asks again
// with If-None-Match or If-Modified-Since and gets 304 without the body.
// They are private (a signed-in user's page shows their name) and vary by
// Cookie, so a shared cache never hands one user's page to another.

// cacheValidated sets the validators of an answer and reports whether the
// request's conditions show the client already holds it; if so it has
// answered 304 and the handler writes nothing more. If-None-Match wins over
// If-Modified-Since (RFC 9110, 13.2.2); ETags compare weakly, since
// compression weakens them.
func cacheValidated(w http.ResponseWriter, r *http.Request, etag string, modified time.Time) bool {
	h := w.Header()
	h.Set("Cache-Control", "private, no-cache")
	h.Add("Vary", "Cookie")
	h.Set("ETag", etag)
	if !modified.IsZero() {
		h.Set("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if !etagMatches(inm, etag) {
			return false
		}
	} else {
		ims, err := http.ParseTime(r.Header.Get("If-Modified-Since"))
		if err != nil || modified.IsZero() || modified.Truncate(time.Second).After(ims) {
			return false
		}
	}
	h.Del("Content-Type")
	h.Del("Content-Length")
	w.WriteHeader(http.StatusNotModified)
	return true
}

// etagMatches compares an If-None-Match list with etag, weakly.
func etagMatches(list, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == want {
			return true
		}
	}
	return false
}

// contentETag is a strong ETag of body: the answer is known only once made
// (a page, an export), but its bytes still need not travel again.
func contentETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// versionETag is the ETag of something that never changes once it was
// published at: kind and id name it, the time tells a republished one
// apart.
func versionETag(kind string, id int64, at time.Time) string {
	return `"` + kind + "-" + strconv.FormatInt(id, 10) + "-" + strconv.FormatInt(at.UnixMicro(), 36) + `"`
}

// renderPublished renders c like render, validated by the ETag of its
// bytes (the page differs by who is signed in) and Last-Modified modified.
func (s *Server) renderPublished(w http.ResponseWriter, r *http.Request, c templ.Component, modified time.Time) error {
	var buf bytes.Buffer
	var out io.Writer = &buf
	if renderTarget != nil {
		out = renderTarget(&buf)
	}
	if err := c.Render(r.Context(), out); err != nil {
		return err
	}
	return writeValidated(w, r, "text/html; charset=utf-8", buf.Bytes(), modified)
}

// writeValidated writes body as contentType with the ETag of its bytes,
// or 304 when the client holds them.
func writeValidated(w http.ResponseWriter, r *http.Request, contentType string, body []byte, modified time.Time) error {
	if cacheValidated(w, r, contentETag(body), modified) {
		return nil
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}
