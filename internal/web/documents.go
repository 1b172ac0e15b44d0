package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"inspectrack/internal/upload"
)

// documentsDownload streams a document to those allowed to read it: its
// own force's liaison, inspectors and managers (the scope is in the SQL).
// It is always an attachment, with the type decided when it arrived, and
// headers that stop a browser from running it as a page even if it were
// opened in place: nosniff and a sandbox CSP. Every download is audited
// before a byte is sent.
func (s *Server) documentsDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := s.store.Document(ctx, scope(r), id)
	if err != nil {
		return err
	}
	body, err := s.blobs.Open(ctx, d.BlobID)
	if err != nil {
		return err
	}
	defer body.Close()
	a := actor(r)
	if err := s.store.AuditOne(ctx, a.Event("document.download", "document", d.ID, d.ForceID,
		fmt.Sprintf("%s (%d bytes, sha256 %x) of submission %d", d.Name, d.Size, d.SHA256[:6], d.SubmissionID))); err != nil {
		return err
	}
	t, _ := upload.TypeOf(d.ContentType)
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", upload.ContentDisposition(upload.DownloadName(d.Name, t)))
	h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	uncompressed(w) // the force's file, byte for byte, its length as stored
	w.WriteHeader(http.StatusOK)
	if n, err := io.Copy(w, body); err != nil {
		// The headers are gone: the short body (against Content-Length)
		// tells the browser the download failed.
		s.log.WarnContext(ctx, "download cut short", "request_id", RequestIDFrom(ctx), "document", d.ID,
			"sent", n, "size", d.Size, "err", err)
	}
	return nil
}
