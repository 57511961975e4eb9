package main

import (
	"bufio"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/bench"
)

// runBench drives complete payments against an embedded gateway (a fresh SQLite database,
// or the one --db names), against --nodes gateway processes it starts on one PostgreSQL
// database, or against running gateways (--target), and reports what they cost.
func runBench(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flagSet("bench", stderr)
	dsn := fs.String("db", "", "embedded gateway's database: sqlite:PATH or postgres://… (default: a fresh SQLite file); with --nodes, the PostgreSQL database the nodes share")
	nodes := fs.Int("nodes", 0, "start this many entrypay serve processes on the --db PostgreSQL database, with one wallet side in this process, and send payments to each in turn (0: the embedded gateway)")
	target := fs.String("target", "", "benchmark running gateways at these URLs (comma-separated, payments round robin) instead; one gateway may use its built-in sandbox, several need --sandbox-url")
	sandboxURL := fs.String("sandbox-url", "", "with --target: the standalone wallet side the gateways share (entrypay sandbox), e.g. http://127.0.0.1:8090/sandbox")
	clientID := fs.String("client-id", "", "with --target: the merchant's client id")
	keyFile := fs.String("merchant-key", "", "with --target: the merchant's private key file")
	gwKeyFile := fs.String("gateway-public-key", "", "with --target: the gateway's public key file")
	concurrency := fs.Int("concurrency", 8, "payments in flight at once (with --rate: at most)")
	rate := fs.Float64("rate", 0, "start this many payments per second (open loop) instead of a closed loop")
	duration := fs.Duration("duration", 10*time.Second, "how long to run")
	payments := fs.Int("payments", 0, "stop after this many payments (0: run for --duration)")
	jobPoll := fs.Duration("job-poll", 50*time.Millisecond, "embedded gateway and --nodes: how often job workers look for due jobs")
	listen := fs.String("listen", "127.0.0.1:0", "the bench's merchant endpoint")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (embedded: the gateway too) to this file")
	asJSON := fs.Bool("json", false, "print JSON")
	every := fs.Duration("report-every", 0, "also measure each interval of this length and print it as it ends (a soak: does p99, heap or goroutines grow?)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := bench.Config{Concurrency: *concurrency, Rate: *rate, Duration: *duration, Payments: *payments, Listen: *listen, Every: *every}
	if *every > 0 {
		progress := stdout // with --json, stdout holds the JSON alone
		if *asJSON {
			progress = stderr
		}
		fmt.Fprintln(progress, intervalHeader)
		cfg.Progress = func(iv bench.Interval) { fmt.Fprintln(progress, intervalLine(iv)) }
	}
	if *payments > 0 {
		cfg.Duration = 0
	}
	var where, whose string
	switch {
	case *nodes < 0:
		return fmt.Errorf("--nodes %d: want 1 or more", *nodes)
	case *nodes > 0:
		if *target != "" {
			return errors.New("--nodes starts its own gateways and --target uses running ones: give one of them")
		}
		if !strings.HasPrefix(*dsn, "postgres://") && !strings.HasPrefix(*dsn, "postgresql://") {
			return errors.New("--nodes needs --db postgres://…: the nodes share one database, and a SQLite database belongs to one process")
		}
		c, err := startNodes(ctx, nodesOptions{dsn: *dsn, nodes: *nodes, jobPoll: *jobPoll}, stderr)
		if err != nil {
			return err
		}
		defer c.stop()
		cfg.Gateways, cfg.SandboxURL = c.urls, c.sandboxURL
		cfg.ClientID, cfg.Key, cfg.GatewayKey = c.clientID, c.merchantKey, c.gatewayKey
		cfg.Probe = c.probe
		where, whose = "1 serve process on PostgreSQL", "the gateway process; the wallet side runs in this process"
		if *nodes > 1 {
			where = fmt.Sprintf("%d serve processes on one PostgreSQL", *nodes)
			whose = fmt.Sprintf("the %d gateway processes; the wallet side runs in this process", *nodes)
		}
	case *target != "":
		if *clientID == "" || *keyFile == "" || *gwKeyFile == "" {
			return errors.New("--target needs --client-id, --merchant-key and --gateway-public-key")
		}
		data, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		if cfg.Key, err = antomsig.ParsePrivateKey(data); err != nil {
			return err
		}
		if cfg.GatewayKey, err = readRSAPublicKey(*gwKeyFile); err != nil {
			return err
		}
		for u := range strings.SplitSeq(*target, ",") {
			if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
				cfg.Gateways = append(cfg.Gateways, u)
			}
		}
		if len(cfg.Gateways) > 1 && *sandboxURL == "" {
			// Each node's built-in sandbox knows only the payments taken there, but any
			// node's jobs ask about any payment.
			return errors.New("several --target gateways need --sandbox-url: the one wallet side they all use (`entrypay sandbox`, and each node started with --sandbox=false --alipayplus-endpoint)")
		}
		cfg.SandboxURL, cfg.ClientID = strings.TrimRight(*sandboxURL, "/"), *clientID
		gateways := cfg.Gateways
		cfg.Probe = func(ctx context.Context) (bench.Probe, error) { return probeNodes(ctx, gateways, selfCPU) }
		where = strings.Join(cfg.Gateways, ", ")
		whose = "the gateway processes (with their built-in sandbox)"
		if *sandboxURL != "" {
			whose = "the gateway processes; the wallet side's signs and CPU are not counted"
		}
	default:
		if *dsn == "" {
			dir, err := os.MkdirTemp("", "entrypay-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			*dsn = "sqlite:" + filepath.Join(dir, "bench.db")
		}
		o := serveOptions{
			addr: "127.0.0.1:0", dsn: *dsn, sandbox: true, notifyAllowPrivate: true, jobPoll: *jobPoll,
			watchFirst: 10 * time.Second, watchMax: time.Minute, maxSkew: 5 * time.Minute, logLevel: "warn",
			notifySchedule: entrypay.DefaultNotifySchedule, clearingZone: "+08:00", valueDays: 1, riskReload: 2 * time.Second,
			clientRate: 100000, // the bench is one merchant sending as fast as it can
		}
		a, err := startApp(ctx, o, stderr)
		if err != nil {
			return err
		}
		defer func() { a.stop(); <-a.done }()
		key, err := antomsig.GenerateKey()
		if err != nil {
			return err
		}
		m, err := a.gateway.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Bench Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: antomsig.EncodePublicKey(&key.PublicKey)})
		if err != nil {
			return err
		}
		cfg.Gateways, cfg.ClientID, cfg.Key, cfg.GatewayKey = []string{a.localURL}, m.ClientID, key, &a.gatewayKey.PublicKey
		cfg.Probe = func(ctx context.Context) (bench.Probe, error) { return probeNodes(ctx, []string{a.localURL}, nil) }
		where = "embedded, " + strings.SplitN(*dsn, ":", 2)[0]
		whose = "this process: gateway, sandbox and the bench's merchant together"
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Gateway string `json:"gateway"`
			Cores   int    `json:"cores"`
			*bench.Result
		}{where, runtime.GOMAXPROCS(0), res})
	}
	return printBench(stdout, where, whose, res)
}

// probeNodes reads every gateway's /metrics and adds them up; self, when given, reads
// this process's CPU seconds (the gateways run in other processes).
func probeNodes(ctx context.Context, urls []string, self func() float64) (bench.Probe, error) {
	sum := bench.Probe{Signs: map[string]float64{}}
	for _, u := range urls {
		p, err := probeMetrics(ctx, u+"/metrics")
		if err != nil {
			return sum, err
		}
		sum.CPUSeconds += p.CPUSeconds
		sum.HeapBytes += p.HeapBytes
		sum.Goroutines += p.Goroutines
		for role, n := range p.Signs {
			sum.Signs[role] += n
		}
	}
	if self != nil {
		sum.BenchCPUSeconds = self()
	}
	return sum, nil
}

// probeMetrics reads the gateway's CPU seconds and signature counts from its /metrics.
func probeMetrics(ctx context.Context, url string) (bench.Probe, error) {
	p := bench.Probe{Signs: map[string]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return p, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return p, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch {
		case name == "process_cpu_seconds_total":
			p.CPUSeconds = v
		case name == "go_memstats_heap_inuse_bytes":
			p.HeapBytes = v
		case name == "go_goroutines":
			p.Goroutines = v
		case strings.HasPrefix(name, `entrypay_rsa_signs_total{role="`):
			role := strings.TrimSuffix(strings.TrimPrefix(name, `entrypay_rsa_signs_total{role="`), `"}`)
			p.Signs[role] = v
		}
	}
	return p, sc.Err()
}

func readRSAPublicKey(file string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return antomsig.ParsePublicKey(data)
}

const intervalHeader = "  interval end   payments/s   pay p99      end-to-end p99   gateway heap   goroutines"

func intervalLine(iv bench.Interval) string {
	return fmt.Sprintf("  %12s   %10.1f   %10s   %14s   %8.1f MiB   %10.0f",
		iv.End.Round(time.Second), iv.PaymentsPerSec, ms(iv.Pay.P99), ms(iv.EndToEnd.P99), iv.Gateway.HeapBytes/(1<<20), iv.Gateway.Goroutines)
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

// printBench prints the report; whose says which processes the CPU figure covers.
func printBench(w io.Writer, where, whose string, r *bench.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "entrypay bench — %s, %s, concurrency %d", where, r.Mode, r.Concurrency)
	if r.Rate > 0 {
		fmt.Fprintf(&b, ", %.1f/s offered", r.Rate)
	}
	fmt.Fprintf(&b, ", %.1f s, %d cores\n", r.Elapsed.Seconds(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "  payments          %d completed (paid and notified) of %d started\n", r.Completed, r.Started)
	fmt.Fprintf(&b, "  throughput        %.1f payments/s\n", r.PaymentsPerSec)
	fmt.Fprintf(&b, "  pay API           p50 %s  p95 %s  p99 %s  max %s\n", ms(r.Pay.P50), ms(r.Pay.P95), ms(r.Pay.P99), ms(r.Pay.Max))
	fmt.Fprintf(&b, "  end to end        p50 %s  p95 %s  p99 %s  max %s   (pay sent → merchant notified)\n", ms(r.EndToEnd.P50), ms(r.EndToEnd.P95), ms(r.EndToEnd.P99), ms(r.EndToEnd.Max))
	if len(r.Errors) == 0 {
		b.WriteString("  errors            none\n")
	} else {
		codes := make([]string, 0, len(r.Errors))
		for c := range r.Errors {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		b.WriteString("  errors           ")
		for _, c := range codes {
			fmt.Fprintf(&b, " %s %d", c, r.Errors[c])
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "  CPU per payment   %s   (%s)\n", ms(time.Duration(r.GatewayCPUPerPayment*float64(time.Second))), whose)
	if r.BenchCPUPerPayment > 0 {
		fmt.Fprintf(&b, "  bench CPU/payment %s   (this process: the load, the merchant endpoint and any wallet side it runs)\n", ms(time.Duration(r.BenchCPUPerPayment*float64(time.Second))))
	}
	roles := make([]string, 0, len(r.SignsPerPayment))
	for role := range r.SignsPerPayment {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	b.WriteString("  RSA signs/payment")
	for _, role := range roles {
		fmt.Fprintf(&b, " %s %.2f", role, r.SignsPerPayment[role])
	}
	fmt.Fprintf(&b, " = %.2f\n", r.TotalSigns)
	fmt.Fprintf(&b, "  machine signs/s   %.0f   (RSA-2048 on all cores, measured in this run)\n", r.SignsPerSecond)
	limit := 0.0
	if r.TotalSigns > 0 {
		limit = r.SignsPerSecond / r.TotalSigns
	}
	fmt.Fprintf(&b, "  RSA-bound ratio   %.2f   (%.1f payments/s of the %.1f that signing alone allows)\n", r.RSABoundRatio, r.PaymentsPerSec, limit)
	fmt.Fprintf(&b, "  gateway runtime   heap %.1f → %.1f MiB, goroutines %.0f → %.0f   (before the load → after it)\n",
		r.GatewayStart.HeapBytes/(1<<20), r.GatewayEnd.HeapBytes/(1<<20), r.GatewayStart.Goroutines, r.GatewayEnd.Goroutines)
	_, err := io.WriteString(w, b.String())
	return err
}
