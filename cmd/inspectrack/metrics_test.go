package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"inspectrack/internal/auth"
	"inspectrack/internal/seed"
	"inspectrack/internal/testdb"
)

var metricsLine = regexp.MustCompile(`metrics on (http://\S+/metrics)`)

// metricValue is the value of the sample named exactly series (name and
// labels as Prometheus prints them), or -1 when there is none.
func metricValue(scrape, series string) float64 {
	for _, line := range strings.Split(scrape, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// With INSPECTRACK_METRICS_ADDR, serve answers Prometheus on that address
// alone: requests by route pattern (never the path) and status with their
// latency, the database pool, the read cache, uploads (count and bytes)
// and sign-ins. The
// portal's own address has no /metrics.
func TestMetricsAreServedOnTheirOwnAddressOnly(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": testdb.ConnString(t), "INSPECTRACK_AUDIT_KEY": testAuditKey,
		"INSPECTRACK_DEMO_PASSWORD": "metrics test password", "INSPECTRACK_METRICS_ADDR": "127.0.0.1:0",
		"INSPECTRACK_MAX_FILE_MB": "1"}
	if err := run(context.Background(), []string{"inspectrack", "seed", "demo"}, envWith(vars), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	base, printed, _ := startServePrinting(t, vars)
	metricsURL := ""
	for _, line := range printed {
		if m := metricsLine.FindStringSubmatch(line); m != nil {
			metricsURL = m[1]
		}
	}
	if metricsURL == "" {
		t.Fatalf("serve did not say where its metrics are; it printed %q", printed)
	}
	if strings.HasPrefix(metricsURL, base+"/") {
		t.Fatalf("metrics at %s, on the portal's own address %s", metricsURL, base)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute} // a guard against a hang: argon2 under -race on a busy machine takes seconds
	post := func(c *http.Client, path string, form url.Values) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	// login signs in with both steps: the password, then the demo user's
	// current authenticator code (their secret is known).
	login := func(c *http.Client, email, password string) int {
		t.Helper()
		res := post(c, "/login", url.Values{"email": {email}, "password": {password}})
		if res.Request.URL.Path != "/login/code" {
			return res.StatusCode
		}
		code, err := auth.TOTPCode(seed.DemoTOTPSecret(email), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return post(c, "/login/code", url.Values{"code": {code}}).StatusCode
	}
	if code, _ := get(t, c, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d", code)
	}
	if code := login(c, "manager@demo.test", "not the password at all"); code != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong password: %d, want 422", code)
	}
	if code := login(c, "manager@demo.test", "metrics test password"); code != http.StatusOK {
		t.Fatalf("signing in: %d (after the redirect), want 200", code)
	}
	for range 2 { // the second is answered from the read cache
		if code, _ := get(t, c, base+"/dashboard"); code != http.StatusOK {
			t.Fatalf("/dashboard: %d", code)
		}
	}
	if code, _ := get(t, c, base+"/cases/987654321"); code != http.StatusNotFound {
		t.Fatalf("a case that does not exist: %d, want 404", code)
	}

	// A liaison uploads a plan of 10,000 bytes, then one over the 1 MiB
	// limit of a file.
	conn, err := pgx.Connect(context.Background(), vars["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var caseID int64
	if err := conn.QueryRow(context.Background(), `SELECT c.id FROM cases c JOIN forces f ON f.id = c.force_id
		WHERE f.code = 'leicestershire' AND c.closed_on IS NULL ORDER BY c.id LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	ljar, _ := cookiejar.New(nil)
	liaison := &http.Client{Jar: ljar, Timeout: time.Minute} // a guard against a hang: argon2 under -race on a busy machine takes seconds
	if code := login(liaison, "liaison.leicestershire@demo.test", "metrics test password"); code != http.StatusOK {
		t.Fatalf("the liaison signing in: %d", code)
	}
	for _, size := range []int{10000, 1200 << 10} {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("documents", "plan.txt")
		fw.Write(bytes.Repeat([]byte("a line of the force's plan\n"), size/27+1)[:size])
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/cases/%d/submissions", base, caseID), &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", base)
		res, err := liaison.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[bool]int{true: http.StatusOK, false: http.StatusRequestEntityTooLarge}[size == 10000]; res.StatusCode != want {
			t.Fatalf("an upload of %d bytes: %d, want %d", size, res.StatusCode, want)
		}
	}

	// The public listener has no /metrics: it is a page not found there.
	code, body := get(t, http.DefaultClient, base+"/metrics")
	if code != http.StatusNotFound || strings.Contains(body, "inspectrack_http_requests_total") || strings.Contains(body, "go_goroutines") {
		t.Fatalf("GET /metrics on the portal's address: %d, want 404 without metrics\n%.300s", code, body)
	}

	code, scrape := get(t, http.DefaultClient, metricsURL)
	if code != http.StatusOK {
		t.Fatalf("scraping %s: %d\n%s", metricsURL, code, scrape)
	}
	for _, name := range []string{
		"inspectrack_http_requests_total", "inspectrack_http_request_duration_seconds_bucket",
		"inspectrack_http_request_duration_seconds_count",
		"inspectrack_db_pool_acquired_connections", "inspectrack_db_pool_idle_connections",
		"inspectrack_db_pool_connections", "inspectrack_db_pool_max_connections",
		"inspectrack_db_pool_acquires_total", "inspectrack_db_pool_acquire_duration_seconds_total",
		"inspectrack_db_pool_empty_acquires_total", "inspectrack_db_pool_new_connections_total",
		"inspectrack_read_cache_hits_total", "inspectrack_read_cache_misses_total",
		"inspectrack_uploads_total", "inspectrack_upload_bytes_total",
		"inspectrack_sign_ins_total", "inspectrack_sign_in_throttles_total",
		"inspectrack_blob_orphans_deleted_total", "inspectrack_blob_orphan_bytes_deleted_total",
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !regexp.MustCompile(`(?m)^` + name + `[{ ]`).MatchString(scrape) {
			t.Errorf("the scrape has no %s", name)
		}
	}
	for series, want := range map[string]float64{
		`inspectrack_http_requests_total{method="GET",route="/healthz",status="200"}`:         1,
		`inspectrack_http_requests_total{method="POST",route="/login",status="422"}`:          1,
		`inspectrack_http_requests_total{method="GET",route="/dashboard",status="200"}`:       2,
		`inspectrack_http_requests_total{method="GET",route="/cases/{id}",status="404"}`:      1,
		`inspectrack_http_requests_total{method="GET",route="unmatched",status="404"}`:        1,
		`inspectrack_http_request_duration_seconds_count{method="GET",route="/dashboard"}`:    2,
		`inspectrack_sign_ins_total{result="failure"}`:                                        1,
		`inspectrack_sign_ins_total{result="success"}`:                                        2,
		`inspectrack_sign_in_throttles_total{kind="refused"}`:                                 0,
		`inspectrack_uploads_total{result="stored"}`:                                          1,
		`inspectrack_uploads_total{result="too_large"}`:                                       1,
		`inspectrack_upload_bytes_total`:                                                      10000,
		`inspectrack_db_pool_max_connections`:                                                 metricValue(scrape, "inspectrack_db_pool_max_connections"),
		`inspectrack_http_requests_total{method="GET",route="/assets/*",status="200"}`:        -1, // none asked for
		`inspectrack_http_requests_total{method="GET",route="/cases/987654321",status="404"}`: -1, // never the path
	} {
		if got := metricValue(scrape, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if v := metricValue(scrape, "inspectrack_db_pool_max_connections"); v < 1 {
		t.Errorf("the pool's max connections: %v", v)
	}
	if h, m := metricValue(scrape, "inspectrack_read_cache_hits_total"), metricValue(scrape, "inspectrack_read_cache_misses_total"); h < 1 || m < 1 {
		t.Errorf("read cache after the dashboard twice: %v hits, %v misses; want at least one of each", h, m)
	}
}
