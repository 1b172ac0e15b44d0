package web

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// slowReader gives its bytes size at a time, one every interval.
type slowReader struct {
	r        io.Reader
	size     int
	interval time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.interval)
	return s.r.Read(p[:min(len(p), s.size)])
}

// With a read timeout of half a second, an upload that keeps coming at
// four times the minimum rate goes through though it takes seconds, while
// one trickling a byte at a time is cut off once its grace is spent.
func TestSlowUploadKeepsGoingWhileATricklingOneIsCutOff(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.ReadTimeout, cfg.UploadGrace, cfg.UploadMinRate = 500*time.Millisecond, time.Second, 64<<10
	ts := newTestServerWith(t, cfg)
	st := ts.newPlanStory()
	c := ts.as(leicsLiaison)
	path := fmt.Sprintf("/cases/%d/submissions", st.leics)

	body, ct, n := uploadBody("sent slowly", true, file("plan.pdf", pdfOf(512<<10)))
	start := time.Now()
	res := c.sendMultipart(path, &slowReader{r: body, size: 32 << 10, interval: 125 * time.Millisecond}, ct, n, false)
	t.Logf("512 KiB at about 256 KiB/s: %d after %v", res.StatusCode, time.Since(start).Round(time.Millisecond))
	wantStatus(t, res, http.StatusSeeOther)

	u, _ := url.Parse(ts.ts.URL)
	var cookies []string
	for _, ck := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body, ct, n = uploadBody("", true, file("plan.pdf", pdfOf(512<<10)))
	start = time.Now()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nOrigin: %s\r\nSec-Fetch-Site: same-origin\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		path, u.Host, strings.Join(cookies, "; "), ts.ts.URL, ct, n)
	closed := make(chan struct{})
	go func() {
		conn.SetReadDeadline(start.Add(15 * time.Second))
		io.Copy(io.Discard, conn)
		close(closed)
	}()
	one := make([]byte, 1)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for open := true; open; {
		select {
		case <-closed:
			open = false
		case <-tick.C:
			if _, err := io.ReadFull(body, one); err == nil {
				conn.Write(one)
			}
		}
	}
	held := time.Since(start)
	t.Logf("an upload trickling a byte every 100 ms was held %v", held.Round(time.Millisecond))
	if held > 5*time.Second {
		t.Errorf("a trickling upload was held %v; want it cut off soon after its second of grace", held)
	}
	if got := ts.stored(); got.submissions != 1 {
		t.Errorf("%d submissions stored, want only the steady one", got.submissions)
	}
}
