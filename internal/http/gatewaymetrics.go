package http

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entrypay/entrypay"
)

// gatewayMetrics counts payments and notifications for Prometheus.
type gatewayMetrics struct {
	payments      *prometheus.CounterVec
	notifications *prometheus.CounterVec
}

// NewGatewayMetrics registers the gateway's own metrics: payments that ended, by status
// and wallet, and notification attempts to merchants, by result.
func NewGatewayMetrics(reg prometheus.Registerer) entrypay.Metrics {
	m := &gatewayMetrics{
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_payments_ended_total", Help: "Payments that reached a final status (SUCCESS, FAIL, CANCELLED), by status and wallet.",
		}, []string{"status", "wallet"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_notification_attempts_total", Help: "Notification delivery attempts to merchants, by result (acknowledged, failed).",
		}, []string{"result"}),
	}
	reg.MustRegister(m.payments, m.notifications)
	return m
}

func (m *gatewayMetrics) PaymentEnded(status entrypay.PaymentStatus, wallet string) {
	if wallet == "" {
		wallet = "none"
	}
	m.payments.WithLabelValues(string(status), wallet).Inc()
}

func (m *gatewayMetrics) NotificationAttempted(acknowledged bool) {
	result := "failed"
	if acknowledged {
		result = "acknowledged"
	}
	m.notifications.WithLabelValues(result).Inc()
}

// StoreObserver times the store's transactions for Prometheus.
type StoreObserver struct {
	seconds *prometheus.HistogramVec
}

// NewStoreObserver registers entrypay_store_transaction_seconds{kind="read"|"write",
// outcome="ok"|"error"}: the time of a whole transaction, retries included.
func NewStoreObserver(reg prometheus.Registerer) *StoreObserver {
	o := &StoreObserver{seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "entrypay_store_transaction_seconds", Help: "Database transaction time, retries included, by kind (read, write) and outcome.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"kind", "outcome"})}
	reg.MustRegister(o.seconds)
	return o
}

// Transaction records one transaction.
func (o *StoreObserver) Transaction(write bool, d time.Duration, err error) {
	kind, outcome := "read", "ok"
	if write {
		kind = "write"
	}
	if err != nil {
		outcome = "error"
	}
	o.seconds.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// JobDepth reports the job queue's jobs per state.
type JobDepth func(ctx context.Context) (map[string]int, error)

// NewJobDepthCollector registers entrypay_jobs{state}: the jobs in the queue per state
// (available, scheduled, retryable, running, discarded, …), read at each scrape.
func NewJobDepthCollector(reg prometheus.Registerer, depth JobDepth) {
	reg.MustRegister(&jobDepthCollector{depth: depth, desc: prometheus.NewDesc("entrypay_jobs", "Jobs in the queue by state, read at scrape time.", []string{"state"}, nil)})
}

type jobDepthCollector struct {
	depth JobDepth
	desc  *prometheus.Desc
}

func (c *jobDepthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobDepthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	states, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, n := range states {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
	}
}
