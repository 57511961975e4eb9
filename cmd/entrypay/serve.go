package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/notify"
	"github.com/entrypay/entrypay/internal/password"
	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/totp"
	"github.com/entrypay/entrypay/internal/wallets"
)

// sandboxAcquirerID is entrypay's client id at the built-in sandbox.
const sandboxAcquirerID = "SANDBOX_ENTRYPAY_ACQUIRER"

// serveOptions is everything `serve` (and `demo`) can be told.
type serveOptions struct {
	addr               string
	dsn                string
	publicURL          string
	notifyAllowPrivate bool
	gatewayKeyFile     string
	sandbox            bool
	alipayEndpoint     string
	alipayClientID     string
	alipayPublicKey    string
	jobPoll            time.Duration
	jobRescue          time.Duration
	walletTimeout      time.Duration
	notifyTimeout      time.Duration
	logLevel           string
	watchFirst         time.Duration
	watchMax           time.Duration
	maxSkew            time.Duration
	notifySchedule     scheduleFlag
	adminToken         string
	clearingZone       string
	clearingCutoff     time.Duration
	valueDays          int
	reportsDir         string
	riskRules          string
	clientRate         float64
	riskReload         time.Duration
	sftpKey            string
}

// clearing is the clearing cycle the flags describe; the flags were checked by parse.
func (o *serveOptions) clearing() entrypay.Clearing {
	loc, _ := parseZone(o.clearingZone)
	return entrypay.Clearing{Location: loc, Cutoff: o.clearingCutoff, ValueDays: o.valueDays}
}

// parseZone reads a time zone as an offset ("+08:00") or an IANA name ("Asia/Hong_Kong").
func parseZone(s string) (*time.Location, error) {
	if t, err := time.Parse("-07:00", s); err == nil {
		_, off := t.Zone()
		return time.FixedZone("UTC"+s, off), nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: want an offset such as +08:00 or a name such as Asia/Hong_Kong", s)
	}
	return loc, nil
}

// scheduleFlag is a comma-separated list of durations: when each notification attempt
// is made after the previous one.
type scheduleFlag []time.Duration

func (f *scheduleFlag) String() string {
	parts := make([]string, len(*f))
	for i, d := range *f {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

func (f *scheduleFlag) Set(v string) error {
	var out scheduleFlag
	for part := range strings.SplitSeq(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return fmt.Errorf("%q is not a duration", part)
		}
		out = append(out, d)
	}
	if len(out) == 0 {
		return errors.New("empty schedule")
	}
	*f = out
	return nil
}

func (o *serveOptions) register(fs *flag.FlagSet, getenv env) {
	fs.StringVar(&o.addr, "addr", envOr(getenv, "ENTRYPAY_ADDR", "127.0.0.1:8080"), "listen address (env ENTRYPAY_ADDR)")
	fs.StringVar(&o.dsn, "db", envOr(getenv, "ENTRYPAY_DB", defaultDB), "database: sqlite:PATH or postgres://… (env ENTRYPAY_DB)")
	fs.StringVar(&o.publicURL, "public-url", envOr(getenv, "ENTRYPAY_PUBLIC_URL", ""), "externally visible base URL (env ENTRYPAY_PUBLIC_URL; default http://<addr>)")
	fs.BoolVar(&o.notifyAllowPrivate, "notify-allow-private", false, "allow merchant notify URLs on loopback and private addresses (development only)")
	fs.StringVar(&o.gatewayKeyFile, "gateway-key", envOr(getenv, "ENTRYPAY_GATEWAY_KEY", ""), "PEM or base64 PKCS#8 file of the gateway's private key (default: kept in the database)")
	fs.BoolVar(&o.sandbox, "sandbox", true, "serve the built-in sandbox wallet side under /sandbox/")
	fs.StringVar(&o.alipayEndpoint, "alipayplus-endpoint", envOr(getenv, "ENTRYPAY_ALIPAYPLUS_ENDPOINT", ""), "Alipay+ base URL for live merchants (default: the built-in sandbox)")
	fs.StringVar(&o.alipayClientID, "alipayplus-client-id", envOr(getenv, "ENTRYPAY_ALIPAYPLUS_CLIENT_ID", ""), "entrypay's client id at Alipay+")
	fs.StringVar(&o.alipayPublicKey, "alipayplus-public-key", envOr(getenv, "ENTRYPAY_ALIPAYPLUS_PUBLIC_KEY", ""), "file with Alipay+'s public key (PEM or base64 DER)")
	fs.DurationVar(&o.jobRescue, "job-rescue-after", 2*time.Minute, "a job still running after this long (its process was killed) runs again; each job gets half of it")
	fs.DurationVar(&o.walletTimeout, "wallet-timeout", 15*time.Second, "longest wait for an answer from the wallet side; a payment whose pay call times out is asked about by inquiry")
	fs.DurationVar(&o.notifyTimeout, "notify-timeout", 10*time.Second, "longest wait for a merchant to acknowledge a notification; then it is retried on the schedule")
	fs.DurationVar(&o.jobPoll, "job-poll", 200*time.Millisecond, "how often job workers look for due jobs")
	fs.StringVar(&o.logLevel, "log-level", envOr(getenv, "ENTRYPAY_LOG_LEVEL", "info"), "debug, info, warn or error")
	fs.DurationVar(&o.watchFirst, "watch-first", 10*time.Second, "first inquiry of a payment the wallet side has not reported")
	fs.DurationVar(&o.watchMax, "watch-max", time.Minute, "longest interval between inquiries")
	fs.DurationVar(&o.maxSkew, "max-skew", 5*time.Minute, "largest accepted difference between Request-Time and the server clock")
	fs.StringVar(&o.adminToken, "admin-token", envOr(getenv, "ENTRYPAY_ADMIN_TOKEN", ""), "operator token for the admin API under /admin/api/v1/ (env ENTRYPAY_ADMIN_TOKEN; no token: no admin API)")
	fs.StringVar(&o.clearingZone, "clearing-zone", "+08:00", "time zone of the clearing day (offset or IANA name); Alipay+ clears in UTC+8")
	fs.DurationVar(&o.clearingCutoff, "clearing-cutoff", 0, "time of day the clearing day ends, e.g. 22h (0: midnight)")
	fs.IntVar(&o.valueDays, "value-days", 1, "N of T+N: days from the clearing day to the merchant payout")
	fs.Float64Var(&o.clientRate, "client-rate", 50, "merchant API requests per second allowed to each client id (burst: twice as many)")
	fs.StringVar(&o.riskRules, "risk-rules", envOr(getenv, "ENTRYPAY_RISK_RULES", ""), "risk rule file (YAML) kept live: reloaded when it changes; a broken file is logged and the rules in force stay (env ENTRYPAY_RISK_RULES; default: the stored rule sets, first the built-in rules)")
	fs.DurationVar(&o.riskReload, "risk-reload", 2*time.Second, "how often the risk rule file and the stored rule sets are checked for changes")
	fs.StringVar(&o.sftpKey, "sftp-key", envOr(getenv, "ENTRYPAY_SFTP_KEY", ""), "entrypay's SSH private key for uploading reports to merchants' SFTP servers (env ENTRYPAY_SFTP_KEY; make one with 'entrypay keys sftp-generate')")
	fs.StringVar(&o.reportsDir, "reports-dir", envOr(getenv, "ENTRYPAY_REPORTS_DIR", ""), "write each merchant's reports here when a clearing day closes (env ENTRYPAY_REPORTS_DIR)")
	o.notifySchedule = append(scheduleFlag{}, entrypay.DefaultNotifySchedule...)
	fs.Var(&o.notifySchedule, "notify-schedule", "merchant notification attempts, each after the previous one (Antom's: 0s,2m,10m,10m,1h,2h,6h,15h)")
}

func runServe(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := flagSet("serve", stderr)
	o.register(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.check(); err != nil {
		return err
	}
	app, err := startApp(ctx, o, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "entrypay: listening on %s (public URL %s, database %s)\n", app.localURL, app.publicURL, redactDSN(o.dsn))
	return app.wait(ctx)
}

// check refuses flag values that parse but make no sense.
func (o *serveOptions) check() error {
	if _, err := parseZone(o.clearingZone); err != nil {
		return fmt.Errorf("--clearing-zone: %w", err)
	}
	if o.clearingCutoff < 0 || o.clearingCutoff >= 24*time.Hour {
		return fmt.Errorf("--clearing-cutoff %s: want a time of day between 0 and 24h", o.clearingCutoff)
	}
	if o.valueDays < 0 || o.valueDays > 30 {
		return fmt.Errorf("--value-days %d: want 0 to 30", o.valueDays)
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--wallet-timeout", o.walletTimeout}, {"--notify-timeout", o.notifyTimeout}, {"--job-rescue-after", o.jobRescue}} {
		if d.v < 0 {
			return fmt.Errorf("%s %s: want a positive duration", d.flag, d.v)
		}
	}
	return nil
}

// app is a running gateway: HTTP server, job workers, and the in-process sandbox.
type app struct {
	localURL   string
	publicURL  string
	gateway    *entrypay.Gateway
	gatewayKey *rsa.PrivateKey
	db         *database
	log        *slog.Logger
	done       chan error
	stop       func()
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// loadGatewayKey returns the gateway's signing key: from the operator's file, or the one
// kept in the database (created on first start).
func loadGatewayKey(ctx context.Context, gw *entrypay.Gateway, file string) (*rsa.PrivateKey, int, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, 0, fmt.Errorf("gateway key: %w", err)
		}
		k, err := antomsig.ParsePrivateKey(data)
		if err != nil {
			return nil, 0, fmt.Errorf("gateway key %s: %w", file, err)
		}
		return k, 1, nil
	}
	gk, err := gw.GatewayKey(ctx, func() (string, error) {
		k, err := antomsig.GenerateKey()
		if err != nil {
			return "", err
		}
		return antomsig.EncodePrivateKey(k), nil
	})
	if err != nil {
		return nil, 0, err
	}
	k, err := antomsig.ParsePrivateKey([]byte(gk.PrivateKey))
	if err != nil {
		return nil, 0, fmt.Errorf("gateway key in the database: %w", err)
	}
	return k, gk.KeyVersion, nil
}

// startApp opens the database, wires every part and starts serving. It returns once the
// listener is open.
func startApp(ctx context.Context, o serveOptions, stderr io.Writer) (*app, error) {
	log, err := newLogger(stderr, o.logLevel)
	if err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, o.dsn, len(o.notifySchedule))
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			db.close()
		}
	}()
	keyGW := entrypay.NewGateway(entrypay.Config{DB: db.store})
	gwKey, gwKeyVersion, err := loadGatewayKey(ctx, keyGW, o.gatewayKeyFile)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	defer func() {
		if !ok {
			ln.Close()
		}
	}()
	localURL := "http://" + ln.Addr().String()
	publicURL := strings.TrimRight(o.publicURL, "/")
	if publicURL == "" {
		publicURL = localURL
	}

	if o.walletTimeout <= 0 { // options built in code (demo, bench) leave it out
		o.walletTimeout = 15 * time.Second
	}
	outbound := &http.Client{Timeout: o.walletTimeout}
	var sb *sandbox.Sandbox
	var sandboxSide, liveSide entrypay.WalletSide
	var livePeer *rsa.PublicKey
	var sbKey *rsa.PrivateKey // the built-in sandbox's, when it runs
	if o.sandbox {
		var err error
		sbKey, err = antomsig.GenerateKey()
		if err != nil {
			return nil, err
		}
		gwPub := &gwKey.PublicKey
		sb = sandbox.New(sandbox.Config{
			BasePath:   "/sandbox",
			PublicURL:  publicURL,
			Key:        sbKey,
			KeyVersion: 1,
			Acquirers: func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
				if clientID != sandboxAcquirerID {
					return nil, fmt.Errorf("unknown acquirer %q", clientID)
				}
				return gwPub, nil
			},
			HTTP:   outbound,
			Logger: log.With("component", "sandbox"),
		})
		sandboxSide = alipayplus.NewClient(alipayplus.Config{
			Endpoint:   localURL + "/sandbox",
			ClientID:   sandboxAcquirerID,
			Key:        gwKey,
			KeyVersion: gwKeyVersion,
			PeerKey:    sb.PublicKey(),
			NotifyURL:  localURL + "/alipayplus/sandbox/notifyPayment",
			HTTP:       outbound,
		})
	}
	if o.alipayEndpoint != "" {
		if o.alipayClientID == "" || o.alipayPublicKey == "" {
			return nil, errors.New("--alipayplus-endpoint needs --alipayplus-client-id and --alipayplus-public-key")
		}
		data, err := os.ReadFile(o.alipayPublicKey)
		if err != nil {
			return nil, fmt.Errorf("alipay+ public key: %w", err)
		}
		if livePeer, err = antomsig.ParsePublicKey(data); err != nil {
			return nil, fmt.Errorf("alipay+ public key %s: %w", o.alipayPublicKey, err)
		}
		liveSide = alipayplus.NewClient(alipayplus.Config{
			Endpoint: o.alipayEndpoint, ClientID: o.alipayClientID, Key: gwKey, KeyVersion: gwKeyVersion,
			PeerKey: livePeer, NotifyURL: publicURL + "/alipayplus/live/notifyPayment",
			HTTP: &http.Client{Timeout: o.walletTimeout},
		})
	} else if o.sandbox {
		log.Warn("no Alipay+ endpoint configured: live merchants' payments also go to the built-in sandbox")
	}
	if sandboxSide == nil && liveSide == nil {
		return nil, errors.New("no wallet side: give --alipayplus-endpoint or keep --sandbox")
	}

	walletTable := wallets.Builtin()
	registry := prometheus.NewRegistry()
	registerSignCounts(registry, map[string]*rsa.PrivateKey{"gateway": gwKey, "wallet": sbKey})
	db.store.Observe(ephttp.NewStoreObserver(registry).Transaction)
	ephttp.NewJobDepthCollector(registry, db.jobDepth)
	gw := entrypay.NewGateway(entrypay.Config{
		DB:       db.store,
		FX:       &fx.Engine{},
		Clearing: o.clearing(),
		Live:     liveSide,
		Sandbox:  sandboxSide,
		Notifier: notify.New(notify.Config{
			Key: gwKey, KeyVersion: gwKeyVersion, AllowPrivate: o.notifyAllowPrivate, Timeout: o.notifyTimeout,
		}),
		DetectWallet:     walletTable.Detect,
		Logger:           log,
		WatchFirst:       o.watchFirst,
		NotifySchedule:   o.notifySchedule,
		WatchMax:         o.watchMax,
		Risk:             risk.Engine{},
		DefaultRiskRules: risk.DefaultRules(),
		RiskMetrics:      ephttp.NewRiskMetrics(registry),
		Metrics:          ephttp.NewGatewayMetrics(registry),
		Wallets: func(code string) (entrypay.WalletInfo, bool) {
			w, ok := walletTable.Wallet(code)
			return entrypay.WalletInfo{Currency: w.Currency, Min: w.MinAmount, Max: w.MaxAmount}, ok
		},
		Passwords: password.Hasher{},
		TOTP:      totp.Codes{Issuer: "entrypay"},
	})
	if err := gw.LoadRiskRules(ctx); err != nil {
		return nil, fmt.Errorf("risk rules: %w", err)
	}
	var rulesFile *riskFile
	if o.riskRules != "" {
		rulesFile = &riskFile{path: o.riskRules, gw: gw, log: log.With("component", "risk")}
		rulesFile.sync(ctx)
	}

	// Alipay+ notifications, one endpoint per network.
	notifyHandlers := map[string]http.Handler{}
	var sbHandler http.Handler
	if sb != nil {
		sbHandler = sb.Handler()
		notifyHandlers["sandbox"] = &alipayplus.NotifyHandler{
			ClientID: sandboxAcquirerID, PeerKey: sb.PublicKey(), Key: gwKey, KeyVersion: gwKeyVersion,
			Recorder: gw, Log: log.With("component", "alipayplus-sandbox"),
		}
	}
	if livePeer != nil {
		notifyHandlers["live"] = &alipayplus.NotifyHandler{
			ClientID: o.alipayClientID, PeerKey: livePeer, Key: gwKey, KeyVersion: gwKeyVersion,
			Recorder: gw, Log: log.With("component", "alipayplus-live"),
		}
	}
	var connections []ephttp.AlipayConnection
	if livePeer != nil {
		connections = append(connections, ephttp.AlipayConnection{Network: entrypay.NetworkAlipayPlus, Endpoint: o.alipayEndpoint, ClientID: o.alipayClientID, PeerKey: livePeer})
	}
	if sb != nil {
		connections = append(connections, ephttp.AlipayConnection{Network: entrypay.NetworkSandbox, Endpoint: localURL + "/sandbox", ClientID: sandboxAcquirerID, PeerKey: sb.PublicKey()})
	}
	server := ephttp.NewServer(ephttp.Config{
		Payments:       gw,
		Key:            gwKey,
		KeyVersion:     gwKeyVersion,
		Logger:         log,
		MaxSkew:        o.maxSkew,
		AlipayNotify:   notifyHandlers,
		Sandbox:        sbHandler,
		Ready:          db.sql.PingContext,
		Pages:          gw,
		PublicURL:      publicURL,
		Wallets:        walletTable,
		Admin:          gw,
		AdminToken:     o.adminToken,
		Reports:        gw,
		Codes:          gw,
		Money:          gw,
		Risk:           gw,
		Dashboard:      gw,
		DashStores:     gw,
		DashDevelopers: gw,
		Console:        gw,
		Partners:       gw,
		ConsoleOps:     gw,
		Team:           gw,
		Registrations:  gw,
		AlipayPlus:     connections,
		Registry:       registry,
		RateLimit:      rate.Limit(o.clientRate),
		RateBurst:      int(2 * o.clientRate),
	})

	sinks, err := newReportSinks(o.reportsDir, o.sftpKey, log.With("component", "reports"))
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopWorkers, err := db.startWorkers(runCtx, &settling{Gateway: gw, sinks: sinks}, log.With("component", "jobs"), o.jobPoll, o.jobRescue, o.notifySchedule)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start job workers: %w", err)
	}
	httpServer := &http.Server{Handler: server, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	a := &app{localURL: localURL, publicURL: publicURL, gateway: gw, gatewayKey: gwKey, db: db, log: log, done: make(chan error, 1)}
	var wg sync.WaitGroup
	if sb != nil {
		wg.Go(func() { _ = sb.Run(runCtx) })
	}
	// Rule sets changed by another process, or in the file, take effect here too.
	wg.Go(func() { gw.WatchRiskRules(runCtx, o.riskReload) })
	if rulesFile != nil {
		wg.Go(func() { rulesFile.watch(runCtx, o.riskReload) })
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	var once sync.Once
	a.stop = func() {
		once.Do(func() {
			shutdownCtx, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			err := httpServer.Shutdown(shutdownCtx)
			if e := stopWorkers(shutdownCtx); err == nil {
				err = e
			}
			cancel()
			wg.Wait()
			db.close()
			a.done <- err
		})
	}
	go func() {
		select {
		case <-ctx.Done():
		case err := <-serveErr:
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server stopped", "err", err)
			}
		}
		a.stop()
	}()
	ok = true
	log.Info("entrypay started", "addr", localURL, "public_url", publicURL, "database", db.kind, "sandbox", o.sandbox)
	return a, nil
}

// wait blocks until the app has stopped (ctx done) and returns the shutdown error.
func (a *app) wait(ctx context.Context) error {
	<-ctx.Done()
	return <-a.done
}

// settling is the gateway as the job workers see it: closing the ended clearing days also
// writes the merchants' reports to the directory the operator named and uploads them to
// the merchants' SFTP servers. A failed upload is tried again at the next run, until the
// day is over.
type settling struct {
	*entrypay.Gateway
	sinks *reportSinks
}

func (s *settling) CloseDue(ctx context.Context) error {
	day := s.ClearingOf().Date(s.Config().Now().Add(-24*time.Hour - 2*time.Minute))
	batches, err := s.CloseDay(ctx, day)
	if entrypay.ErrorCodeOf(err) == entrypay.EInvalid {
		return nil // the day is not over yet
	}
	if err != nil {
		return err
	}
	return s.sinks.deliver(ctx, s.Gateway, day, batches, false)
}

// registerSignCounts exports how many RSA signatures each key of this process has made
// (entrypay_rsa_signs_total{role}), which `entrypay bench --target` reads: signing is what
// a payment costs.
func registerSignCounts(reg prometheus.Registerer, keys map[string]*rsa.PrivateKey) {
	for role, key := range keys {
		if key == nil {
			continue
		}
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "entrypay_rsa_signs_total", Help: "RSA private-key operations (signatures) by the key's role.",
			ConstLabels: prometheus.Labels{"role": role},
		}, func() float64 { return float64(antomsig.SignCount(key)) }))
	}
}
