package main

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/bench"
	"github.com/entrypay/entrypay/internal/fx"
)

// nodesOptions says what `bench --nodes` starts.
type nodesOptions struct {
	dsn     string // PostgreSQL: the nodes share it
	nodes   int
	jobPoll time.Duration
}

// benchNodes is several gateway processes on one database with one wallet side, in this
// process, that all of them use: what a deployment of several nodes looks like. A
// built-in sandbox per node would not do: a node's jobs ask the wallet side about
// payments other nodes took.
type benchNodes struct {
	urls        []string // the nodes
	sandboxURL  string   // the wallet side, …/sandbox
	clientID    string   // a live merchant's
	merchantKey *rsa.PrivateKey
	gatewayKey  *rsa.PublicKey
	walletKey   *rsa.PrivateKey

	procs       []*nodeProcess
	stopSandbox func()
	dir         string
	once        sync.Once
}

// startNodes prepares the database, starts the wallet side and o.nodes `entrypay serve`
// processes, and returns once every node listens. Call stop, also after an error.
func startNodes(ctx context.Context, o nodesOptions, stderr io.Writer) (_ *benchNodes, err error) {
	c := &benchNodes{}
	defer func() {
		if err != nil {
			c.stop()
		}
	}()
	if c.dir, err = os.MkdirTemp("", "entrypay-nodes-"); err != nil {
		return nil, err
	}

	// The database is migrated here, once, before any node starts: migrations take no
	// lock across processes. The gateway key every node signs with is kept in it.
	db, err := openDatabase(ctx, o.dsn, len(entrypay.DefaultNotifySchedule))
	if err != nil {
		return nil, err
	}
	gw := entrypay.NewGateway(entrypay.Config{DB: db.store, FX: &fx.Engine{}})
	gwKey, _, err := loadGatewayKey(ctx, gw, "")
	if err != nil {
		db.close()
		return nil, err
	}
	if c.merchantKey, err = antomsig.GenerateKey(); err != nil {
		db.close()
		return nil, err
	}
	m, err := gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Bench Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", PublicKey: antomsig.EncodePublicKey(&c.merchantKey.PublicKey)})
	db.close()
	if err != nil {
		return nil, err
	}
	c.clientID, c.gatewayKey = m.ClientID, &gwKey.PublicKey

	// The wallet side, counted here: it has no /metrics of its own.
	if c.walletKey, err = antomsig.GenerateKey(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	c.sandboxURL = base + "/sandbox"
	out := &syncWriter{w: stderr}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: slog.LevelError}))
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64 // it notifies every node, all the time
	sb := standaloneSandbox(base, c.walletKey, sandboxAcquirerID, c.gatewayKey, &http.Client{Timeout: 10 * time.Second, Transport: transport}, log)
	mux := http.NewServeMux()
	mux.Handle("/sandbox/", sb.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	sbCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { _ = sb.Run(sbCtx) })
	wg.Go(func() { _ = srv.Serve(ln) })
	c.stopSandbox = func() { cancel(); _ = srv.Close(); wg.Wait() }
	walletPEM := filepath.Join(c.dir, "wallet-side.pem")
	if err := os.WriteFile(walletPEM, antomsig.PublicKeyPEM(&c.walletKey.PublicKey), 0o644); err != nil {
		return nil, err
	}

	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--addr", "127.0.0.1:0", "--db", o.dsn, "--sandbox=false", "--alipayplus-endpoint", c.sandboxURL,
		"--alipayplus-client-id", sandboxAcquirerID, "--alipayplus-public-key", walletPEM, "--notify-allow-private",
		"--job-poll", o.jobPoll.String(), "--log-level", "error",
		"--client-rate", "100000", // the bench is one merchant sending as fast as it can
	}
	c.procs = make([]*nodeProcess, o.nodes)
	errs := make([]error, o.nodes)
	var starting sync.WaitGroup
	for i := range o.nodes {
		starting.Go(func() { c.procs[i], errs[i] = startNode(ctx, exe, args, out) })
	}
	starting.Wait()
	for i, p := range c.procs {
		if errs[i] != nil {
			return nil, fmt.Errorf("node %d: %w", i+1, errs[i])
		}
		c.urls = append(c.urls, p.url)
	}
	return c, nil
}

// probe adds up the nodes' CPU and signatures, with the wallet side's signatures and this
// process's CPU.
func (c *benchNodes) probe(ctx context.Context) (bench.Probe, error) {
	p, err := probeNodes(ctx, c.urls, selfCPU)
	if err != nil {
		return p, err
	}
	p.Signs["wallet"] = float64(antomsig.SignCount(c.walletKey))
	return p, nil
}

// stop stops the nodes (SIGTERM, then SIGKILL after 15 s) and the wallet side.
func (c *benchNodes) stop() {
	c.once.Do(func() {
		var wg sync.WaitGroup
		for _, p := range c.procs {
			if p != nil {
				wg.Go(p.stop)
			}
		}
		wg.Wait()
		if c.stopSandbox != nil {
			c.stopSandbox()
		}
		if c.dir != "" {
			_ = os.RemoveAll(c.dir)
		}
	})
}

// serveListening is the line `entrypay serve` prints once it accepts requests.
var serveListening = regexp.MustCompile(`listening on (http://\S+)`)

// nodeProcess is one `entrypay serve` child process.
type nodeProcess struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed once the process has exited
}

// startNode starts `exe serve args…` and waits until it listens.
func startNode(ctx context.Context, exe string, args []string, stderr io.Writer) (*nodeProcess, error) {
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	// A test binary re-executes itself as entrypay when told so (TestMain in the tests of
	// this package); entrypay itself ignores the variable.
	cmd.Env = append(os.Environ(), "ENTRYPAY_CHILD=1")
	cmd.SysProcAttr = childProcAttr()
	ready := make(chan string, 1)
	cmd.Stdout = &lineWatch{re: serveListening, found: ready}
	var early syncWriter // what it says before it listens, for the error if it never does
	early.w = &limitedBuffer{max: 4 << 10}
	cmd.Stderr = io.MultiWriter(stderr, &early)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &nodeProcess{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	select {
	case p.url = <-ready:
		return p, nil
	case <-p.done:
		early.mu.Lock()
		defer early.mu.Unlock()
		return p, fmt.Errorf("entrypay serve exited: %s: %s", cmd.ProcessState, bytes.TrimSpace(early.w.(*limitedBuffer).b))
	case <-timer.C:
		return p, errors.New("entrypay serve did not listen within a minute")
	case <-ctx.Done():
		return p, ctx.Err()
	}
}

// stop asks the node to shut down and kills it if it has not within 15 s.
func (p *nodeProcess) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(15 * time.Second)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// lineWatch is a process's stdout: it sends the first submatch of re to found, once, and
// discards the rest.
type lineWatch struct {
	re    *regexp.Regexp
	found chan<- string
	line  []byte
	sent  bool
}

func (l *lineWatch) Write(p []byte) (int, error) {
	if l.sent {
		return len(p), nil
	}
	l.line = append(l.line, p...)
	for {
		i := bytes.IndexByte(l.line, '\n')
		if i < 0 {
			break
		}
		if m := l.re.FindSubmatch(l.line[:i]); m != nil {
			l.found <- string(m[1])
			l.sent, l.line = true, nil
			break
		}
		l.line = l.line[i+1:]
	}
	return len(p), nil
}

// syncWriter lets several processes' output share one writer.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   []byte
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if n := l.max - len(l.b); n > 0 {
		l.b = append(l.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}
