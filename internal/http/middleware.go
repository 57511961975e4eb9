package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	results  *prometheus.CounterVec
	// apiSeconds times the merchant API by API (known ones only: the label stays small).
	apiSeconds *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_http_requests_total", Help: "HTTP requests by route group and status.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "entrypay_http_request_duration_seconds", Help: "HTTP request duration by route group.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_api_results_total", Help: "Merchant API answers by API and result code.",
		}, []string{"api", "result_code"}),
		apiSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "entrypay_api_duration_seconds", Help: "Merchant API answer time by API (e.g. payments/pay), signature checks and wallet calls included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"api"}),
	}
	reg.MustRegister(m.requests, m.duration, m.results, m.apiSeconds)
	// A caller may pass a registry that already has the runtime collectors.
	_ = reg.Register(collectors.NewGoCollector())
	_ = reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type ctxKey int

const loggerKey ctxKey = iota

// logFrom returns the request's logger (carrying its request id).
func (s *Server) logFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return s.log
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets streaming handlers work through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// observe gives every request an id and a logger, counts and times it, and turns a panic
// into a logged 500 without a stack trace for the client.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		log := s.log.With("request_id", id)
		r = r.WithContext(context.WithValue(r.Context(), loggerKey, log))
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", v)
				if rec.status == 0 {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			group := routeGroup(r.URL.Path)
			s.metrics.requests.WithLabelValues(group, strconv.Itoa(rec.status)).Inc()
			s.metrics.duration.WithLabelValues(group).Observe(time.Since(start).Seconds())
			log.DebugContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// routeGroup keeps metric labels few: the first path segment.
func routeGroup(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	switch seg {
	case "ams", "alipayplus", "sandbox", "healthz", "readyz", "metrics", "dashboard":
		return seg
	}
	return "other"
}

func (s *Server) handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
}

func (s *Server) handleReady() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if s.cfg.Ready != nil {
			if err := s.cfg.Ready(r.Context()); err != nil {
				s.logFrom(r.Context()).WarnContext(r.Context(), "not ready", "err", err)
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"status":"unavailable"}`))
				return
			}
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
}

func (s *Server) handleNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("not found\n"))
	})
}

// visitorLimits rate-limits callers who have no client id (customers on the hosted pages)
// by address, forgetting addresses idle for ten minutes so that the table cannot grow
// without bound. The limits are generous: many phones share one carrier-grade NAT address.
type visitorLimits struct {
	mu     sync.Mutex
	limit  rate.Limit
	burst  int
	byAddr map[string]*visitor
}

type visitor struct {
	limiter *rate.Limiter
	seen    time.Time
}

const maxVisitors = 10000

func newVisitorLimits(limit rate.Limit, burst int) *visitorLimits {
	return &visitorLimits{limit: limit, burst: burst, byAddr: map[string]*visitor{}}
}

func (v *visitorLimits) allow(addr string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.byAddr) >= maxVisitors {
		for a, vis := range v.byAddr {
			if now.Sub(vis.seen) > 10*time.Minute {
				delete(v.byAddr, a)
			}
		}
	}
	vis, ok := v.byAddr[addr]
	if !ok {
		if len(v.byAddr) >= maxVisitors {
			return false // full of active visitors: an attack, not customers
		}
		vis = &visitor{limiter: rate.NewLimiter(v.limit, v.burst)}
		v.byAddr[addr] = vis
	}
	vis.seen = now
	return vis.limiter.AllowN(now, 1)
}
