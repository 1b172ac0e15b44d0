// Package static serves the built front-end assets (web/static/dist, made by
// web/build-assets.sh) from the binary, under /assets/.
//
// Every file has two names. The hashed name, from Path, carries the first 8
// hex digits of the file's SHA-256 ("app.3f9a1c2e.css") and is cached by
// browsers for a year: a new build gives a new name. The plain name
// ("images/favicon.ico") is what the CSS and old bookmarks ask for; it is
// revalidated by ETag.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed dist
var dist embed.FS

// Prefix is where Handler must be mounted.
const Prefix = "/assets/"

const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "public, max-age=86400"
	cacheStaleHashed = "no-cache"
)

// asset is one file of dist, read and hashed once.
type asset struct {
	name        string // path inside dist: "app.css", "images/favicon.ico"
	hashedName  string // "app.3f9a1c2e.css"
	contentType string
	body        []byte
	etag        string // quoted hex SHA-256 of body
	gzipped     []byte // nil when compressing does not pay
	gzipETag    string
}

var (
	byName   map[string]*asset // plain name -> asset
	byHashed map[string]*asset // hashed name -> asset
)

func init() {
	var err error
	byName, byHashed, err = load(dist)
	if err != nil {
		panic(fmt.Sprintf("static: %v", err))
	}
}

// load reads every file under dist in fsys.
func load(fsys fs.FS) (names, hashed map[string]*asset, err error) {
	root, err := fs.Sub(fsys, "dist")
	if err != nil {
		return nil, nil, err
	}
	names = make(map[string]*asset)
	hashed = make(map[string]*asset)
	err = fs.WalkDir(root, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		a := newAsset(name, body)
		names[a.name] = a
		hashed[a.hashedName] = a
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading dist: %w", err)
	}
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("dist is empty: run web/build-assets.sh")
	}
	return names, hashed, nil
}

func newAsset(name string, body []byte) *asset {
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	a := &asset{
		name:        name,
		hashedName:  hashName(name, hexSum[:8]),
		contentType: contentType(name),
		body:        body,
		etag:        `"` + hexSum + `"`,
	}
	if compressible(a.contentType) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(body)
		zw.Close()
		// Small files (icons) can grow: keep only a real saving.
		if buf.Len() < len(body)*9/10 {
			a.gzipped = buf.Bytes()
			a.gzipETag = `"` + hexSum + `-gzip"`
		}
	}
	return a
}

// hashName puts hash before the last extension: "images/favicon.ico" ->
// "images/favicon.1a2b3c4d.ico", "govuk-frontend.min.js" ->
// "govuk-frontend.min.1a2b3c4d.js". web/build-assets.sh names the files that
// app.js imports the same way.
func hashName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// unhashName undoes hashName, when name has the shape of a hashed name.
func unhashName(name string) (string, bool) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	dot := strings.LastIndexByte(stem, '.')
	if dot < 0 || len(stem)-dot-1 != 8 {
		return "", false
	}
	for _, c := range stem[dot+1:] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", false
		}
	}
	return stem[:dot] + ext, true
}

// types fixes the Content-Type of what dist holds, so that it does not depend
// on the machine's /etc/mime.types.
var types = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".jpg":         "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".txt":         "text/plain; charset=utf-8",
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := types[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") ||
		strings.HasPrefix(contentType, "image/svg") ||
		strings.HasPrefix(contentType, "application/json") ||
		strings.HasPrefix(contentType, "application/manifest")
}

// Path returns the URL of the named file of dist under its hashed name:
// Path("app.css") is "/assets/app.3f9a1c2e.css". It panics when there is no
// such file, so call it only with literal names: any test that renders the
// page then catches a typo.
func Path(name string) string {
	a, ok := byName[name]
	if !ok {
		panic(fmt.Sprintf("static: no asset named %q (is it in web/static/dist? run web/build-assets.sh)", name))
	}
	return Prefix + a.hashedName
}

// Handler serves dist. Mount it at Prefix (/assets/); it sees the whole
// request path.
//
// A hashed name is cached as immutable. A plain name is revalidated by its
// strong ETag. A hashed name whose hash is not the current one (a page from
// the previous release, served by another instance during a rolling deploy)
// gets the current file, not cached, rather than a page without styles. Any
// other path is a 404.
func Handler() http.Handler {
	return http.HandlerFunc(serve)
}

func serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}

	cache := cacheImmutable
	a, ok := byHashed[name]
	if !ok {
		cache = cacheRevalidate
		a, ok = byName[name]
	}
	if !ok {
		if plain, hashed := unhashName(name); hashed {
			cache = cacheStaleHashed
			a, ok = byName[plain]
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", cache)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, a.etag
	if a.gzipped != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = a.gzipped, a.gzipETag
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match with 304, HEAD and Range requests.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
