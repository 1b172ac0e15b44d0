package web

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/netutil"

	"inspectrack/internal/config"
)

// Timeouts of the HTTP server besides the configured ones.
const (
	// maxHeaderTime bounds reading a request's headers, whatever the read
	// timeout: a browser sends them in one go.
	maxHeaderTime = 5 * time.Second
	// idleTime is how long a kept-alive connection may wait for its next
	// request.
	idleTime = time.Minute
	// writeTime bounds writing a response (a 25 MB document to a slow
	// line); an upload's own deadline extends it.
	writeTime = 10 * time.Minute
	// uploadAnswerTime is what an upload's write deadline allows beyond
	// its read deadline: checking and storing what was sent, then the
	// answer.
	uploadAnswerTime = 2 * time.Minute
)

// NewHTTPServer is the http.Server that serves h with the limits of cfg: a
// client has ReadTimeout to send an ordinary request, headers and body
// (uploads extend their own deadline as their bytes arrive, see
// paceUpload), so one trickling a byte at a time is cut off in seconds,
// not held for minutes.
func NewHTTPServer(h http.Handler, cfg config.Config, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(cfg.ReadTimeout, maxHeaderTime),
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      writeTime,
		IdleTimeout:       idleTime,
		ErrorLog:          errorLog,
	}
}

// LimitListener caps the connections open at once at cfg.MaxConnections:
// past it, new connections wait in the kernel's queue until one ends, so
// a flood of slow clients cannot take the memory of thousands.
func LimitListener(ln net.Listener, cfg config.Config) net.Listener {
	return netutil.LimitListener(ln, cfg.MaxConnections)
}

// paceUpload lets an upload take longer than an ordinary request, for as
// long as it keeps coming: the connection's read deadline is UploadGrace
// from now plus the time its bytes so far need at UploadMinRate, and moves
// as they arrive; a client that falls below that rate on average, or stops
// sending, is cut off. Without it a large upload on a slow line would hit
// the server's ReadTimeout.
func (s *Server) paceUpload(w http.ResponseWriter, r *http.Request) {
	p := &pacedBody{body: r.Body, rc: http.NewResponseController(w), start: time.Now(),
		grace: s.cfg.UploadGrace, rate: s.cfg.UploadMinRate}
	if err := p.extend(); err != nil {
		if !errors.Is(err, http.ErrNotSupported) {
			s.log.Warn("upload: cannot set the read deadline", "err", err)
		}
		return
	}
	r.Body = p
}

// pacedBody is a request body that moves the connection's deadlines as
// its bytes arrive.
type pacedBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.body.Read(b)
	p.n += int64(n)
	if n > 0 {
		if err := p.extend(); err != nil {
			return n, err
		}
	}
	return n, err
}

func (p *pacedBody) Close() error { return p.body.Close() }

// extend sets the read deadline to what the bytes received so far allow.
func (p *pacedBody) extend() error {
	deadline := p.start.Add(p.grace + time.Duration(float64(p.n)/float64(p.rate)*float64(time.Second)))
	if err := p.rc.SetReadDeadline(deadline); err != nil {
		return err
	}
	return p.rc.SetWriteDeadline(deadline.Add(uploadAnswerTime))
}
