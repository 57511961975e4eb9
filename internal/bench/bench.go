// Package bench drives complete Entry Code payments against a gateway, as a merchant
// and a crowd of customers would: a signed pay through the merchant API, the customer's
// confirmation in the sandbox cashier, the wallet side's notification to the gateway,
// and the gateway's notification to the merchant, received and verified by the bench's
// own merchant endpoint. It measures throughput, latencies, errors, CPU and RSA work, and
// relates the throughput to what RSA signing alone would allow.
package bench

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// Config is one benchmark run.
type Config struct {
	// Gateways are the gateway nodes, all on one database: payments go to each in turn.
	Gateways []string
	// SandboxURL is the wallet side all the gateways share (its confirm API is at
	// SandboxURL + /api/v1/confirm). Empty means each gateway's built-in sandbox, at its
	// URL + /sandbox, and the customer confirms where the payment was taken.
	SandboxURL string
	ClientID   string
	Key        *rsa.PrivateKey // the merchant's
	GatewayKey *rsa.PublicKey
	// Concurrency is how many payments are in flight at once (closed loop), or, with Rate,
	// the most that may be.
	Concurrency int
	// Rate, when set, starts payments at this many per second (open loop).
	Rate float64
	// Duration bounds the run; Payments, when set, stops it after that many started.
	Duration time.Duration
	Payments int
	// Amount is each payment's amount; UserAgent the customer's wallet browser.
	Amount    entrypay.Amount
	UserAgent string
	// Listen is the merchant endpoint's address (default 127.0.0.1:0); NotifyHost what the
	// gateway should call it by (default: the address it got).
	Listen string
	// Timeout is how long a payment may take end to end (default 60 s).
	Timeout time.Duration
	// Probe reads the gateways' CPU seconds and RSA signatures by role, summed over the
	// nodes; nil leaves them out. Called at the start and the end.
	Probe func(ctx context.Context) (Probe, error)
	// RunID keeps request ids unique across runs against one database.
	RunID string
	// Every, when set, splits the run into intervals of this length, each measured on its
	// own (Result.Intervals) and handed to Progress as it ends: a soak shows whether
	// latency, memory or goroutines grow over time.
	Every    time.Duration
	Progress func(Interval)
}

// Interval is one stretch of a run split by Config.Every.
type Interval struct {
	// End is how far into the run the interval ended.
	End            time.Duration `json:"end"`
	Completed      int           `json:"completed"`
	PaymentsPerSec float64       `json:"paymentsPerSecond"`
	Pay            Latencies     `json:"payLatency"`
	EndToEnd       Latencies     `json:"endToEndLatency"`
	// Gateway is the gateways' heap and goroutines at the interval's end.
	Gateway Gauges `json:"gateway"`
}

// Gauges are the gateways' Go runtime figures, summed over the nodes.
type Gauges struct {
	// HeapBytes is the heap in use (go_memstats_heap_inuse_bytes).
	HeapBytes  float64 `json:"heapBytes"`
	Goroutines float64 `json:"goroutines"`
}

// Probe is a reading of the gateways' counters.
type Probe struct {
	CPUSeconds float64
	// Signs by role: "gateway", "wallet" (the sandbox, when it runs in the gateway or in
	// the bench's process).
	Signs map[string]float64
	// BenchCPUSeconds is the bench process's own CPU when the gateways run in other
	// processes: the load, the merchant endpoint and, with the nodes the bench starts,
	// the wallet side. 0 when not measured.
	BenchCPUSeconds float64
	Gauges
}

// Latencies summarises durations.
type Latencies struct {
	P50 time.Duration `json:"p50"`
	P95 time.Duration `json:"p95"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

func latencies(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))] }
	return Latencies{P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: d[len(d)-1]}
}

// Result is what a run measured.
type Result struct {
	Mode string `json:"mode"`
	// Nodes is how many gateways took the payments, round robin.
	Nodes       int           `json:"nodes"`
	Concurrency int           `json:"concurrency"`
	Rate        float64       `json:"rate,omitempty"`
	Elapsed     time.Duration `json:"elapsed"`
	Started     int           `json:"started"`
	// Completed payments were paid and notified to the merchant.
	Completed      int            `json:"completed"`
	PaymentsPerSec float64        `json:"paymentsPerSecond"`
	Pay            Latencies      `json:"payLatency"`
	EndToEnd       Latencies      `json:"endToEndLatency"`
	Errors         map[string]int `json:"errors"`
	// GatewayCPUPerPayment is the gateway processes' CPU seconds per completed payment,
	// summed over the nodes (with the built-in sandbox, the wallet side's too); 0 without
	// a probe.
	GatewayCPUPerPayment float64 `json:"gatewayCpuSecondsPerPayment"`
	// BenchCPUPerPayment is the bench process's CPU seconds per completed payment when
	// the gateways run in other processes (Probe.BenchCPUSeconds).
	BenchCPUPerPayment float64 `json:"benchCpuSecondsPerPayment,omitempty"`
	// SignsPerPayment counts RSA private-key operations per completed payment by side:
	// merchant (this bench), gateway, wallet.
	SignsPerPayment map[string]float64 `json:"signsPerPayment"`
	TotalSigns      float64            `json:"totalSignsPerPayment"`
	// SignsPerSecond is this machine's RSA-2048 signing rate on all its cores, measured
	// in the same run.
	SignsPerSecond float64 `json:"machineSignsPerSecond"`
	// RSABoundRatio is PaymentsPerSec ÷ (SignsPerSecond ÷ TotalSigns): 1 means the run
	// went as fast as signing alone allows on this machine.
	RSABoundRatio float64 `json:"rsaBoundRatio"`
	// GatewayStart and GatewayEnd are the gateways' heap and goroutines before the load
	// and after it; Intervals the run split by Config.Every.
	GatewayStart Gauges     `json:"gatewayStart"`
	GatewayEnd   Gauges     `json:"gatewayEnd"`
	Intervals    []Interval `json:"intervals,omitempty"`
}

// MeasureSigns signs on every core for d and returns signatures per second.
func MeasureSigns(d time.Duration) (float64, error) {
	key, err := antomsig.GenerateKey()
	if err != nil {
		return 0, err
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			msg := []byte("entrypay bench")
			for time.Now().Before(deadline) {
				if _, err := antomsig.Sign(key, msg); err == nil {
					n.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// waiters hands each merchant notification to the payment waiting for it.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan ams.NotifyPaymentRequest
}

func (w *waiters) add(id string) chan ams.NotifyPaymentRequest {
	c := make(chan ams.NotifyPaymentRequest, 1)
	w.mu.Lock()
	w.m[id] = c
	w.mu.Unlock()
	return c
}

func (w *waiters) done(id string) {
	w.mu.Lock()
	delete(w.m, id)
	w.mu.Unlock()
}

func (w *waiters) deliver(n ams.NotifyPaymentRequest) {
	w.mu.Lock()
	c := w.m[n.PaymentRequestID]
	w.mu.Unlock()
	if c != nil {
		select {
		case c <- n:
		default: // a repeat
		}
	}
}

// run is one benchmark's state.
type run struct {
	cfg     Config
	callers []*antomsig.Caller // one per gateway
	http    *http.Client
	notify  string
	waiters *waiters

	mu     sync.Mutex
	pay    []time.Duration
	e2e    []time.Duration
	errors map[string]int
	done   int
	// seq hands out payment slots; ids numbers the payments actually started.
	seq atomic.Int64
	ids atomic.Int64
}

func (r *run) fail(code string) {
	r.mu.Lock()
	r.errors[code]++
	r.mu.Unlock()
}

// Run benchmarks the gateway.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if len(cfg.Gateways) == 0 {
		return nil, errors.New("bench: no gateway to benchmark")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Duration <= 0 && cfg.Payments <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Amount == (entrypay.Amount{}) {
		cfg.Amount = entrypay.Amount{Value: 1250, Currency: "HKD"}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Mozilla/5.0 (Linux; Android 14) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect"
	}
	if cfg.RunID == "" {
		cfg.RunID = entrypay.RandomCode(6)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 4 * cfg.Concurrency, MaxConnsPerHost: 0}
	r := &run{
		cfg:     cfg,
		http:    &http.Client{Transport: transport, Timeout: 30 * time.Second},
		waiters: &waiters{m: map[string]chan ams.NotifyPaymentRequest{}},
		errors:  map[string]int{},
	}
	for _, base := range cfg.Gateways {
		r.callers = append(r.callers, &antomsig.Caller{BaseURL: strings.TrimRight(base, "/"), ClientID: cfg.ClientID, Signer: antomsig.Signer{Key: cfg.Key, KeyVersion: 1}, PeerKey: cfg.GatewayKey, HTTP: r.http})
	}

	// The merchant's endpoint: it verifies every notification and acknowledges it.
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(r.receive), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	r.notify = "http://" + ln.Addr().String() + "/notify"

	signs, err := MeasureSigns(time.Second)
	if err != nil {
		return nil, err
	}
	var before Probe
	if cfg.Probe != nil {
		if before, err = cfg.Probe(ctx); err != nil {
			return nil, fmt.Errorf("probe the gateway: %w", err)
		}
	}
	merchantBefore := antomsig.SignCount(cfg.Key)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cfg.Duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, cfg.Duration)
		defer stop()
	}
	start := time.Now()
	intervals := r.intervals(ctx, start)
	var wg sync.WaitGroup
	next := func() bool {
		n := r.seq.Add(1)
		return (cfg.Payments <= 0 || n <= int64(cfg.Payments)) && ctx.Err() == nil
	}
	if cfg.Rate > 0 {
		slots := make(chan struct{}, cfg.Concurrency)
		tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
	loop:
		for next() {
			select {
			case <-ctx.Done():
				break loop
			case <-tick.C:
			}
			select {
			case slots <- struct{}{}:
				wg.Go(func() {
					defer func() { <-slots }()
					r.one(ctx)
				})
			default:
				r.fail("BENCH_BACKLOG") // more in flight than --concurrency: the gateway is behind
			}
		}
		tick.Stop()
	} else {
		for range cfg.Concurrency {
			wg.Go(func() {
				for next() {
					r.one(ctx)
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	cancel()
	// The interval reader reads r.pay and r.e2e until it has stopped; latencies below
	// sorts them in place.
	measured := <-intervals
	res := &Result{
		Mode: "closed loop", Nodes: len(cfg.Gateways), Concurrency: cfg.Concurrency, Rate: cfg.Rate, Elapsed: elapsed,
		Started: int(r.ids.Load()), Errors: r.errors,
		Completed: r.done, Pay: latencies(r.pay), EndToEnd: latencies(r.e2e), SignsPerSecond: signs,
		SignsPerPayment: map[string]float64{}, GatewayStart: before.Gauges, Intervals: measured,
	}
	if cfg.Rate > 0 {
		res.Mode = "open loop"
	}
	res.PaymentsPerSec = float64(res.Completed) / elapsed.Seconds()
	if res.Completed > 0 {
		per := float64(res.Completed)
		res.SignsPerPayment["merchant"] = float64(antomsig.SignCount(cfg.Key)-merchantBefore) / per
		if cfg.Probe != nil {
			after, err := cfg.Probe(context.WithoutCancel(ctx))
			if err != nil {
				return nil, fmt.Errorf("probe the gateway: %w", err)
			}
			res.GatewayEnd = after.Gauges
			res.GatewayCPUPerPayment = (after.CPUSeconds - before.CPUSeconds) / per
			res.BenchCPUPerPayment = (after.BenchCPUSeconds - before.BenchCPUSeconds) / per
			for role, n := range after.Signs {
				res.SignsPerPayment[role] = (n - before.Signs[role]) / per
			}
		}
		for _, n := range res.SignsPerPayment {
			res.TotalSigns += n
		}
		if res.TotalSigns > 0 {
			res.RSABoundRatio = res.PaymentsPerSec / (signs / res.TotalSigns)
		}
	}
	return res, nil
}

// intervals measures each Config.Every of the run until ctx ends, and then sends them all.
func (r *run) intervals(ctx context.Context, start time.Time) <-chan []Interval {
	out := make(chan []Interval, 1)
	if r.cfg.Every <= 0 {
		out <- nil
		return out
	}
	go func() {
		var list []Interval
		tick := time.NewTicker(r.cfg.Every)
		defer tick.Stop()
		var pays, e2es, done int
		last := start
		for {
			select {
			case <-ctx.Done():
				out <- list
				return
			case now := <-tick.C:
				r.mu.Lock()
				pay := slices.Clone(r.pay[pays:])
				e2e := slices.Clone(r.e2e[e2es:])
				completed := r.done - done
				pays, e2es, done = len(r.pay), len(r.e2e), r.done
				r.mu.Unlock()
				iv := Interval{End: now.Sub(start), Completed: completed, PaymentsPerSec: float64(completed) / now.Sub(last).Seconds(),
					Pay: latencies(pay), EndToEnd: latencies(e2e)}
				last = now
				if r.cfg.Probe != nil {
					// The run may end while the gateways are read: read them to the end.
					pctx, done := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
					if p, err := r.cfg.Probe(pctx); err == nil {
						iv.Gateway = p.Gauges
					}
					done()
				}
				list = append(list, iv)
				if r.cfg.Progress != nil {
					r.cfg.Progress(iv)
				}
			}
		}
	}()
	return out
}

// one takes a payment from pay to the merchant's notification, through the next gateway
// in turn.
func (r *run) one(ctx context.Context) {
	n := r.ids.Add(1)
	node := int((n - 1) % int64(len(r.callers)))
	id := fmt.Sprintf("bench-%s-%d", r.cfg.RunID, n)
	wait := r.waiters.add(id)
	defer r.waiters.done(id)
	start := time.Now()
	ans, err := r.callers[node].Post(ctx, ams.PathPay, r.payBody(id))
	payTime := time.Since(start)
	if err != nil {
		if ctx.Err() == nil {
			r.fail("TRANSPORT")
		}
		return
	}
	var resp ams.PayResponse
	if err := json.Unmarshal(ans.Body, &resp); err != nil {
		r.fail("BAD_ANSWER")
		return
	}
	r.mu.Lock()
	r.pay = append(r.pay, payTime)
	r.mu.Unlock()
	if resp.Result.ResultStatus != ams.StatusSuccess || resp.RedirectActionForm == nil {
		r.fail(resp.Result.ResultCode)
		return
	}
	if err := r.confirm(ctx, node, resp.RedirectActionForm.RedirectURL); err != nil {
		if ctx.Err() == nil {
			r.fail("CONFIRM")
		}
		return
	}
	timer := time.NewTimer(r.cfg.Timeout)
	defer timer.Stop()
	select {
	case n := <-wait:
		if n.Result.ResultStatus != ams.StatusSuccess {
			r.fail("NOTIFIED_" + n.Result.ResultCode)
			return
		}
		r.mu.Lock()
		r.e2e = append(r.e2e, time.Since(start))
		r.done++
		r.mu.Unlock()
	case <-timer.C:
		r.fail("NOT_NOTIFIED")
	case <-ctx.Done():
		// The run ended before this payment was notified; it is not counted either way.
	}
}

func (r *run) payBody(id string) []byte {
	b, _ := json.Marshal(map[string]any{
		"productCode": "IN_STORE_PAYMENT", "paymentRequestId": id,
		"paymentAmount":    map[string]string{"currency": r.cfg.Amount.Currency, "value": fmt.Sprint(r.cfg.Amount.Value)},
		"paymentMethod":    map[string]string{"paymentMethodType": "CONNECT_WALLET"},
		"paymentFactor":    map[string]string{"inStorePaymentScenario": "EntryCode"},
		"paymentNotifyUrl": r.notify,
		"order": map[string]any{
			"orderDescription": "bench", "merchant": map[string]any{"store": map[string]string{"referenceStoreId": "BENCH", "storeName": "Bench"}},
			"env": map[string]string{"userAgent": r.cfg.UserAgent},
		},
	})
	return b
}

// confirm is the customer pressing Confirm in the sandbox cashier of the payment taken by
// gateway node.
func (r *run) confirm(ctx context.Context, node int, cashierURL string) error {
	body, _ := json.Marshal(map[string]string{"paymentUrl": cashierURL, "outcome": "SUCCESS"})
	sandbox := r.cfg.SandboxURL
	if sandbox == "" {
		sandbox = r.callers[node].BaseURL + "/sandbox"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(sandbox, "/")+"/api/v1/confirm", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// receive is the merchant's notification endpoint.
func (r *run) receive(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err := antomsig.VerifyHeader(r.cfg.GatewayKey, req.Header.Get("Signature"), req.Method, req.URL.RequestURI(), req.Header.Get("Client-Id"), req.Header.Get("Request-Time"), body); err != nil {
		r.fail("NOTIFY_BAD_SIGNATURE")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var n ams.NotifyPaymentRequest
	if err := json.Unmarshal(body, &n); err != nil {
		r.fail("NOTIFY_BAD_BODY")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.waiters.deliver(n)
	_, _ = io.WriteString(w, ams.AckBody)
}
