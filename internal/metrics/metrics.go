// Package metrics is what the portal tells Prometheus: requests by route
// and status with their latency, the database pool, the read cache,
// uploads and sign-ins. It keeps its own registry (no globals), served by
// Handler on an address of its own, never on the public listener.
//
// A nil *Metrics is valid and records nothing: the portal without
// INSPECTRACK_METRICS_ADDR, and the tests that do not look.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every metric of the portal's own.
const namespace = "inspectrack"

// Metrics holds the portal's registry and the metrics it records into.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	uploads     *prometheus.CounterVec
	uploadBytes prometheus.Counter
	signIns     *prometheus.CounterVec
	throttles   *prometheus.CounterVec
	orphans     prometheus.Counter
	orphanBytes prometheus.Counter
}

// New makes the metrics in a registry of their own, with the Go runtime's
// and the process's collectors beside them.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "http_requests_total",
		Help: "HTTP requests answered, by route pattern, method and status.",
	}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "http_request_duration_seconds",
		Help: "Time to answer an HTTP request, by route pattern and method.",
		// A page takes a millisecond or so; an upload may take minutes.
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
	}, []string{"route", "method"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "uploads_total",
		Help: "Uploads of documents (a force's plan or progress, or one recorded on its behalf), by result: stored, refused (a file or field not accepted) or too_large.",
	}, []string{"result"})
	m.uploadBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "upload_bytes_total",
		Help: "Bytes of the documents of stored uploads.",
	})
	m.signIns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "sign_ins_total",
		Help: "Sign-ins with a password checked, by result: success or failure.",
	}, []string{"result"})
	m.throttles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "sign_in_throttles_total",
		Help: "Sign-ins held back: refused (the client has failed too often) or slowed (the account has).",
	}, []string{"kind"})
	m.orphans = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "blob_orphans_deleted_total",
		Help: "Objects of the bucket that no row named (uploads whose transaction rolled back) deleted by the sweep.",
	})
	m.orphanBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "blob_orphan_bytes_deleted_total",
		Help: "Bytes of the objects the sweep deleted.",
	})
	for _, r := range []string{"stored", "refused", "too_large"} {
		m.uploads.WithLabelValues(r)
	}
	for _, r := range []string{"success", "failure"} {
		m.signIns.WithLabelValues(r)
	}
	for _, k := range []string{"refused", "slowed"} {
		m.throttles.WithLabelValues(k)
	}
	m.reg.MustRegister(m.requests, m.latency, m.uploads, m.uploadBytes, m.signIns, m.throttles, m.orphans, m.orphanBytes,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	return mux
}

// Registry is the registry the metrics are in, for collectors of other
// parts (the job queue, mail) to join.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request records an answered request. route is the router's pattern
// (never the path: a path holds ids and tokens, and every case would be a
// series of its own); empty is a request no route matched.
func (m *Metrics) Request(route, method string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if route == "" {
		route = "unmatched"
	}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		method = "other"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(took.Seconds())
}

// UploadStored records an upload whose documents (bytes in all) were
// stored.
func (m *Metrics) UploadStored(bytes int64) {
	if m == nil {
		return
	}
	m.uploads.WithLabelValues("stored").Inc()
	m.uploadBytes.Add(float64(bytes))
}

// UploadRefused records an upload refused: tooLarge when it went over a
// size limit, else a file or field was not accepted.
func (m *Metrics) UploadRefused(tooLarge bool) {
	if m == nil {
		return
	}
	r := "refused"
	if tooLarge {
		r = "too_large"
	}
	m.uploads.WithLabelValues(r).Inc()
}

// OrphansDeleted records objects (bytes in all) the bucket's sweep
// deleted: named by no row and older than the grace.
func (m *Metrics) OrphansDeleted(n int, bytes int64) {
	if m == nil {
		return
	}
	m.orphans.Add(float64(n))
	m.orphanBytes.Add(float64(bytes))
}

// SignIn records a sign-in whose password was checked.
func (m *Metrics) SignIn(ok bool) {
	if m == nil {
		return
	}
	r := "failure"
	if ok {
		r = "success"
	}
	m.signIns.WithLabelValues(r).Inc()
}

// SignInThrottled records a sign-in refused before its password was
// checked (refused) or made to wait (slowed).
func (m *Metrics) SignInThrottled(refused bool) {
	if m == nil {
		return
	}
	k := "slowed"
	if refused {
		k = "refused"
	}
	m.throttles.WithLabelValues(k).Inc()
}

// ReadCache reports the read cache's hits and misses as stats gives them
// (running totals), read at each scrape.
func (m *Metrics) ReadCache(stats func() (hits, misses uint64)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "read_cache_hits_total",
			Help: "Reads the read cache answered from what it kept for the data version.",
		}, func() float64 { h, _ := stats(); return float64(h) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "read_cache_misses_total",
			Help: "Reads the read cache had to make (and then kept) for the data version.",
		}, func() float64 { _, mi := stats(); return float64(mi) }),
	)
}

// Pool reports the pgx pool's statistics, read at each scrape.
func (m *Metrics) Pool(pool *pgxpool.Pool) {
	if m == nil {
		return
	}
	m.reg.MustRegister(poolCollector{stat: pool.Stat})
}
