package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// compressible are the media types compress sends compressed: the pages,
// and the CSV and JSON exports. Stored documents and PDFs go out as they
// are (a PDF is compressed inside; a document is the force's, byte for
// byte); static files compress themselves.
var compressible = map[string]bool{
	"text/html":        true,
	"text/csv":         true,
	"application/json": true,
	"text/calendar":    true,
}

// minCompress is the smallest body worth compressing when its length is
// known: below it the headers cost more than the bytes saved.
const minCompress = 1024

// compress sends HTML, CSV and JSON compressed with brotli or gzip, as the
// request's Accept-Encoding prefers (brotli on a tie), with Vary:
// Accept-Encoding so a cache keeps one copy per encoding. A strong ETag
// becomes weak: the bytes sent differ from the ones it names.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := negotiateEncoding(r.Header.Get("Accept-Encoding"))
		cw := &compressWriter{ResponseWriter: w, encoding: enc}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// uncompressed keeps the response to w as it is written: a stored document.
func uncompressed(w http.ResponseWriter) {
	for {
		switch x := w.(type) {
		case *compressWriter:
			x.encoding = ""
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return
		}
	}
}

// negotiateEncoding picks "br", "gzip" or "" from an Accept-Encoding
// header, by its q-values; "*" offers both.
func negotiateEncoding(accept string) string {
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		var cand []string
		switch name {
		case "br", "gzip":
			cand = []string{name}
		case "*":
			cand = []string{"br", "gzip"}
		}
		for _, c := range cand {
			if q > bestQ || (q == bestQ && q > 0 && c == "br") {
				best, bestQ = c, q
			}
		}
	}
	return best
}

var (
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, 5); return w }}
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 4) }}
)

// compressWriter decides at the first WriteHeader, from the headers the
// handler set, whether the body goes through an encoder.
type compressWriter struct {
	http.ResponseWriter
	encoding    string // "" once decided against, or when nothing was accepted
	wroteHeader bool
	enc         io.WriteCloser
}

func (w *compressWriter) WriteHeader(status int) {
	if w.wroteHeader {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.wroteHeader = true
	h := w.Header()
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if compressible[mt] {
		h.Add("Vary", "Accept-Encoding")
	}
	n, err := strconv.Atoi(h.Get("Content-Length"))
	small := err == nil && n < minCompress
	if w.encoding == "" || !compressible[mt] || small || h.Get("Content-Encoding") != "" ||
		status < 200 || status == http.StatusNoContent || status == http.StatusNotModified || status == http.StatusPartialContent {
		w.encoding = ""
		w.ResponseWriter.WriteHeader(status)
		return
	}
	h.Set("Content-Encoding", w.encoding)
	h.Del("Content-Length")
	if et := h.Get("ETag"); et != "" && !strings.HasPrefix(et, "W/") {
		h.Set("ETag", "W/"+et)
	}
	switch w.encoding {
	case "br":
		bw := brotliWriters.Get().(*brotli.Writer)
		bw.Reset(w.ResponseWriter)
		w.enc = bw
	default:
		gw := gzipWriters.Get().(*gzip.Writer)
		gw.Reset(w.ResponseWriter)
		w.enc = gw
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", http.DetectContentType(b))
		}
		w.WriteHeader(http.StatusOK)
	}
	if w.enc != nil {
		return w.enc.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what is compressed so far.
func (w *compressWriter) Flush() {
	if f, ok := w.enc.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush() // not every writer flushes
}

func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// close ends the compressed stream and returns the encoder to its pool.
func (w *compressWriter) close() {
	if w.enc == nil {
		return
	}
	_ = w.enc.Close()
	switch e := w.enc.(type) {
	case *brotli.Writer:
		e.Reset(io.Discard)
		brotliWriters.Put(e)
	case *gzip.Writer:
		e.Reset(io.Discard)
		gzipWriters.Put(e)
	}
	w.enc = nil
}
