package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBench runs a short `entrypay bench` on each store and checks what it reports: every
// payment paid and notified, and the RSA work per payment that the protocol implies —
// the merchant signs its pay request; the gateway its pay answer, its pay request to the
// wallet side, its acknowledgement of the wallet's notification and its notification to
// the merchant; the wallet side its pay answer and its notification.
func TestBench(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			var out strings.Builder
			args := []string{"entrypay", "bench", "--payments", "24", "--concurrency", "4", "--json", "--db", testdb.DSN(t, kind)}
			if err := run(context.Background(), args, noEnv, nil, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			var r struct {
				Started, Completed int
				Errors             map[string]int
				PaymentsPerSecond  float64
				SignsPerPayment    map[string]float64
				TotalSigns         float64 `json:"totalSignsPerPayment"`
				MachineSigns       float64 `json:"machineSignsPerSecond"`
				RSABoundRatio      float64
				CPU                float64                  `json:"gatewayCpuSecondsPerPayment"`
				EndToEnd           struct{ P50, Max int64 } `json:"endToEndLatency"`
			}
			if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
				t.Fatalf("bench --json: %v\n%s", err, out.String())
			}
			if r.Started != 24 || r.Completed != 24 || len(r.Errors) != 0 {
				t.Fatalf("started %d, completed %d, errors %v", r.Started, r.Completed, r.Errors)
			}
			for role, want := range map[string]float64{"merchant": 1, "gateway": 4, "wallet": 2} {
				if got := r.SignsPerPayment[role]; math.Abs(got-want) > 0.01 {
					t.Errorf("%s signs per payment = %.3f, want %.0f", role, got, want)
				}
			}
			if r.PaymentsPerSecond <= 0 || r.MachineSigns <= 0 || r.RSABoundRatio <= 0 || r.RSABoundRatio > 1.5 || r.CPU <= 0 || r.EndToEnd.P50 <= 0 || r.EndToEnd.Max < r.EndToEnd.P50 {
				t.Errorf("figures out of shape: %s", out.String())
			}
		})
	}
}

// TestBenchNodes runs `entrypay bench --nodes 2`: two gateway processes on one PostgreSQL
// database and one wallet side in the bench's process. The payments are the same
// complete payments, so the RSA work per payment is the same, counted over the processes;
// and a SQLite database, which one process owns, is refused.
func TestBenchNodes(t *testing.T) {
	err := run(context.Background(), []string{"entrypay", "bench", "--nodes", "2", "--db", "sqlite:" + t.TempDir() + "/bench.db"}, noEnv, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "postgres") {
		t.Fatalf("bench --nodes on SQLite: %v, want a refusal naming PostgreSQL", err)
	}
	if testing.Short() {
		t.Skip("starts two gateway processes")
	}
	if !slices.Contains(testdb.Engines(), "postgres") {
		t.Skip("bench --nodes needs PostgreSQL")
	}
	var out strings.Builder
	args := []string{"entrypay", "bench", "--nodes", "2", "--payments", "24", "--concurrency", "4", "--json", "--db", testdb.DSN(t, "postgres")}
	if err := run(context.Background(), args, noEnv, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Nodes, Started, Completed int
		Errors                    map[string]int
		SignsPerPayment           map[string]float64
		CPU                       float64 `json:"gatewayCpuSecondsPerPayment"`
		BenchCPU                  float64 `json:"benchCpuSecondsPerPayment"`
	}
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out.String())
	}
	if r.Nodes != 2 || r.Started != 24 || r.Completed != 24 || len(r.Errors) != 0 {
		t.Errorf("nodes %d, started %d, completed %d, errors %v", r.Nodes, r.Started, r.Completed, r.Errors)
	}
	for role, want := range map[string]float64{"merchant": 1, "gateway": 4, "wallet": 2} {
		if got := r.SignsPerPayment[role]; math.Abs(got-want) > 0.01 {
			t.Errorf("%s signs per payment = %.3f, want %.0f", role, got, want)
		}
	}
	if r.CPU <= 0 || r.BenchCPU <= 0 {
		t.Errorf("CPU per payment: gateways %.4f s, bench %.4f s", r.CPU, r.BenchCPU)
	}
	if t.Failed() {
		t.Logf("bench --json:\n%s", out.String())
	}
}

// TestBenchIntervals: a soak's figures, interval by interval, with the gateway's heap and
// goroutines read from its /metrics.
func TestBenchIntervals(t *testing.T) {
	var out, progress strings.Builder
	var mu sync.Mutex // the gateway's log and the progress lines share stderr
	args := []string{"entrypay", "bench", "--duration", "4s", "--rate", "10", "--report-every", "1s", "--json", "--db", testdb.DSN(t, "sqlite")}
	if err := run(context.Background(), args, noEnv, nil, &out, &lockedWriter{mu: &mu, w: &progress}); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Completed    int
		GatewayStart struct{ HeapBytes, Goroutines float64 }
		Intervals    []struct {
			Completed int
			Gateway   struct{ HeapBytes, Goroutines float64 }
		}
	}
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out.String())
	}
	if len(r.Intervals) < 3 || r.GatewayStart.HeapBytes <= 0 || r.GatewayStart.Goroutines <= 0 {
		t.Fatalf("intervals %+v, gateway at start %+v", r.Intervals, r.GatewayStart)
	}
	completed := 0
	for _, iv := range r.Intervals {
		completed += iv.Completed
		if iv.Gateway.HeapBytes <= 0 || iv.Gateway.Goroutines <= 0 {
			t.Errorf("interval without the gateway's figures: %+v", iv)
		}
	}
	// On a slow machine (-race on a busy runner) few payments may finish within the run;
	// those the intervals count are among the run's.
	if completed > r.Completed {
		t.Errorf("intervals completed %d payments, the run only %d", completed, r.Completed)
	}
	if lines := strings.Count(progress.String(), " MiB "); lines != len(r.Intervals) {
		t.Errorf("%d progress lines for %d intervals:\n%s", lines, len(r.Intervals), progress.String())
	}
}
