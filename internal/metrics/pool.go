package metrics

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(namespace, "db_pool", name), help, nil, nil)
}

var (
	poolAcquired     = poolDesc("acquired_connections", "Connections in use by a request or job now.")
	poolIdle         = poolDesc("idle_connections", "Connections open and waiting for work now.")
	poolConstructing = poolDesc("constructing_connections", "Connections being opened now.")
	poolTotal        = poolDesc("connections", "Connections open now (acquired, idle and being opened).")
	poolMax          = poolDesc("max_connections", "The most connections the pool may open.")
	poolAcquires     = poolDesc("acquires_total", "Connections taken from the pool.")
	poolAcquireSecs  = poolDesc("acquire_duration_seconds_total", "Time spent taking connections from the pool, waits included.")
	poolEmptyWaits   = poolDesc("empty_acquires_total", "Takes that found no idle connection and had to wait for one.")
	poolCanceled     = poolDesc("canceled_acquires_total", "Takes given up (the request ended) before a connection came.")
	poolNew          = poolDesc("new_connections_total", "Connections opened.")
	poolLifetime     = poolDesc("max_lifetime_destroys_total", "Connections closed for having reached their maximum lifetime.")
	poolIdleClosed   = poolDesc("max_idle_destroys_total", "Connections closed for having been idle too long.")
)

// poolCollector reads the pool's statistics when Prometheus scrapes.
type poolCollector struct{ stat func() *pgxpool.Stat }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolConstructing, poolTotal, poolMax,
		poolAcquires, poolAcquireSecs, poolEmptyWaits, poolCanceled, poolNew, poolLifetime, poolIdleClosed} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(poolAcquired, float64(s.AcquiredConns()))
	gauge(poolIdle, float64(s.IdleConns()))
	gauge(poolConstructing, float64(s.ConstructingConns()))
	gauge(poolTotal, float64(s.TotalConns()))
	gauge(poolMax, float64(s.MaxConns()))
	counter(poolAcquires, float64(s.AcquireCount()))
	counter(poolAcquireSecs, s.AcquireDuration().Seconds())
	counter(poolEmptyWaits, float64(s.EmptyAcquireCount()))
	counter(poolCanceled, float64(s.CanceledAcquireCount()))
	counter(poolNew, float64(s.NewConnsCount()))
	counter(poolLifetime, float64(s.MaxLifetimeDestroyCount()))
	counter(poolIdleClosed, float64(s.MaxIdleDestroyCount()))
}
