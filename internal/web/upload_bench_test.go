package web

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/store"
	"inspectrack/internal/testdb"
	"inspectrack/internal/upload/uploadtest"
)

// BenchmarkUpload100MiB runs the real inspectrack binary (serve, as in
// production, on a fresh database) and uploads a 100 MiB PDF to it, then
// downloads it back. It reports the upload and download throughput and
// the server process's peak resident memory (VmHWM) after small uploads
// and after the large one: their difference is what streaming a 100 MiB
// file cost in memory.
//
// The session is planted in the sessions table rather than made by
// signing in: a sign-in spends 64 MiB on argon2id, which would set the
// peak and hide what the upload costs. A real sign-in comes last, to
// show that scale. Run it with `make bench-upload`:
//
//	go test -run '^$' -bench BenchmarkUpload100MiB -benchtime 1x ./internal/web/
func BenchmarkUpload100MiB(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads the server's peak memory from /proc")
	}
	const size = 100 << 20
	srv := startServerProcess(b)
	c := srv.plantSession(b, leicsLiaison)

	// Small uploads first: the server's memory with everything warmed up.
	for i := range 5 {
		c.upload(b, srv.caseID, fmt.Sprintf("small-%d.pdf", i), 100<<10)
	}
	small := srv.peakMemory(b)

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		c.upload(b, srv.caseID, "large.pdf", size)
		b.ReportMetric(float64(size)/(1<<20)/time.Since(start).Seconds(), "MiB/s-up")
	}
	b.StopTimer()
	afterUpload := srv.peakMemory(b)

	start := time.Now()
	n := c.downloadLatest(b, srv)
	if n != size {
		b.Fatalf("downloaded %d bytes, want %d", n, size)
	}
	b.ReportMetric(float64(size)/(1<<20)/time.Since(start).Seconds(), "MiB/s-down")
	afterDownload := srv.peakMemory(b)

	srv.signIn(b, leicsLiaison)
	afterSignIn := srv.peakMemory(b)

	b.ReportMetric(float64(small)/(1<<20), "MiB-peak-small")
	b.ReportMetric(float64(afterUpload)/(1<<20), "MiB-peak-100MiB-up")
	b.ReportMetric(float64(afterDownload)/(1<<20), "MiB-peak-100MiB-down")
	b.ReportMetric(float64(afterDownload-small)/(1<<20), "MiB-growth")
	b.Logf("server peak RSS: %.1f MiB after small uploads, %.1f MiB after a 100 MiB upload (+%.1f), %.1f MiB after downloading it (+%.1f); %.1f MiB after one sign-in (+%.1f)",
		mib(small), mib(afterUpload), mib(afterUpload-small), mib(afterDownload), mib(afterDownload-small),
		mib(afterSignIn), mib(afterSignIn-afterDownload))
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// serverProcess is inspectrack serve running as its own process.
type serverProcess struct {
	cmd    *exec.Cmd
	url    string
	dsn    string
	caseID int64
}

// startServerProcess builds the binary, seeds a fresh database with the
// demo data (the story's case for Leicestershire among it), and serves
// it with limits that let a 100 MiB file through.
func startServerProcess(b *testing.B) *serverProcess {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "inspectrack")
	if out, err := exec.Command("go", "build", "-o", bin, "inspectrack/cmd/inspectrack").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	dsn := testdb.ConnString(b)
	env := append(os.Environ(), "DATABASE_URL="+dsn, "INSPECTRACK_DEMO_PASSWORD="+demoPassword,
		"INSPECTRACK_MAX_FILE_MB=128", "INSPECTRACK_MAX_SUBMISSION_MB=128", "INSPECTRACK_LOG_LEVEL=warn")
	seedCmd := exec.Command(bin, "seed", "demo")
	seedCmd.Env = env
	if out, err := seedCmd.CombinedOutput(); err != nil {
		b.Fatalf("seed: %v\n%s", err, out)
	}
	srv := &serverProcess{dsn: dsn}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	// The seeded story's case for Leicestershire.
	err = conn.QueryRow(ctx, `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		JOIN findings fi ON fi.id = c.finding_id WHERE f.code = 'leicestershire' AND fi.reference = $1`,
		seed.StoryRecommendationRef).Scan(&srv.caseID)
	conn.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}

	srv.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	srv.cmd.Env = env
	srv.cmd.Stderr = os.Stderr
	stdout, err := srv.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		srv.cmd.Process.Signal(os.Interrupt)
		srv.cmd.Wait()
	})
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if _, addr, ok := strings.Cut(lines.Text(), "serving on "); ok {
			srv.url = strings.TrimSpace(addr)
			break
		}
	}
	if srv.url == "" {
		b.Fatal("the server did not say where it serves")
	}
	go io.Copy(io.Discard, stdout)
	return srv
}

// peakMemory is the server process's peak resident set size (VmHWM).
func (srv *serverProcess) peakMemory(b *testing.B) int64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", srv.cmd.Process.Pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}

// benchClient is a signed-in browser for the server process.
type benchClient struct {
	http *http.Client
	base string
}

// plantSession writes a session for the user with email straight into the
// sessions table, as signing in would (scs's gob encoding of the same
// values), and returns a client holding its cookie.
func (srv *serverProcess) plantSession(b *testing.B, email string) *benchClient {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var userID int64
	var epoch int
	if err := conn.QueryRow(ctx, `SELECT id, session_epoch FROM users WHERE email = $1`, email).Scan(&userID, &epoch); err != nil {
		b.Fatal(err)
	}
	expiry := time.Now().Add(time.Hour)
	data, err := scs.GobCodec{}.Encode(expiry, map[string]any{sessionUserID: userID, sessionEpoch: epoch, sessionSeen: time.Now().Unix()})
	if err != nil {
		b.Fatal(err)
	}
	token := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if _, err := conn.Exec(ctx, `INSERT INTO sessions (token_hash, data, expiry) VALUES ($1, $2, $3)`, store.TokenHash(token), data, expiry); err != nil {
		b.Fatal(err)
	}
	c := srv.client()
	u, _ := url.Parse(srv.url)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "inspectrack_session", Value: token, Path: "/"}})
	return c
}

func (srv *serverProcess) client() *benchClient {
	jar, _ := cookiejar.New(nil)
	return &benchClient{base: srv.url, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (srv *serverProcess) signIn(b *testing.B, email string) *benchClient {
	b.Helper()
	c := srv.client()
	form := url.Values{"email": {email}, "password": {demoPassword}}
	res := c.do(b, http.MethodPost, "/login", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", -1)
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: status %d", res.StatusCode)
	}
	// The second step: the demo user's known authenticator secret.
	code, err := auth.TOTPCode(seed.DemoTOTPSecret(email), time.Now())
	if err != nil {
		b.Fatal(err)
	}
	form = url.Values{"code": {code}}
	res = c.do(b, http.MethodPost, "/login/code", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", -1)
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in, second step: status %d", res.StatusCode)
	}
	return c
}

func (c *benchClient) do(b *testing.B, method, path string, body io.Reader, contentType string, length int64) *http.Response {
	b.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	if length >= 0 {
		req.ContentLength = length
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Origin", c.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.http.Do(req)
	if err != nil {
		b.Fatalf("%s %s: %v", method, path, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// upload sends a PDF of size bytes, generated as it is sent (random, so
// nothing along the way can compress it).
func (c *benchClient) upload(b *testing.B, caseID int64, name string, size int64) {
	b.Helper()
	pdf := uploadtest.PDF("Plan")
	content := io.MultiReader(strings.NewReader(string(pdf)), io.LimitReader(rand.NewChaCha8([32]byte{1}), size-int64(len(pdf))))
	body, ct, n := uploadBody("benchmark", true, filePart{name: name, contentType: "application/pdf", reader: content, size: size})
	res := c.do(b, http.MethodPost, fmt.Sprintf("/cases/%d/submissions", caseID), body, ct, n)
	if res.StatusCode != http.StatusSeeOther {
		b.Fatalf("upload %s: status %d", name, res.StatusCode)
	}
}

// downloadLatest downloads the newest document and returns its length.
func (c *benchClient) downloadLatest(b *testing.B, srv *serverProcess) int64 {
	b.Helper()
	page := c.get(b, fmt.Sprintf("/cases/%d/submissions", srv.caseID))
	i := strings.Index(page, `href="/documents/`)
	if i < 0 {
		b.Fatal("no document link")
	}
	href := page[i+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	req, _ := http.NewRequest(http.MethodGet, c.base+href, nil)
	res, err := c.http.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func (c *benchClient) get(b *testing.B, path string) string {
	b.Helper()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}
