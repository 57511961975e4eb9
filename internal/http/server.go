// Package http is entrypay's HTTP surface: the Antom-compatible merchant API, the
// Alipay+ notification endpoint, health and metrics, and (mounted) the sandbox. Every
// route is listed in routes.go.
package http

import (
	"context"
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/i18n"
	"github.com/entrypay/entrypay/internal/wallets"
)

// Payments is what the merchant API needs from the gateway.
type Payments interface {
	Client(ctx context.Context, clientID string, keyVersion int) (*entrypay.Merchant, *entrypay.MerchantKey, error)
	Pay(ctx context.Context, m *entrypay.Merchant, in entrypay.PayInput) (*entrypay.Payment, error)
	Payment(ctx context.Context, m *entrypay.Merchant, ref entrypay.PaymentRef) (*entrypay.Payment, []*entrypay.Refund, error)
	Cancel(ctx context.Context, m *entrypay.Merchant, ref entrypay.PaymentRef) (*entrypay.Payment, error)
	Refund(ctx context.Context, m *entrypay.Merchant, in entrypay.RefundInput) (*entrypay.Refund, error)
	RefundOf(ctx context.Context, m *entrypay.Merchant, ref entrypay.RefundRef) (*entrypay.Refund, error)
	// AgentAct resolves a partner's Agent-Token to the merchant it acts for
	// (ACCESS_DENIED or INVALID_MERCHANT_STATUS errors, see entrypay.Gateway.AgentAct);
	// RecordPartnerCall audits a call made with one.
	AgentAct(ctx context.Context, partner *entrypay.Merchant, token string) (*entrypay.Merchant, *entrypay.AgentToken, error)
	RecordPartnerCall(ctx context.Context, c entrypay.PartnerCall) error
}

// Config is everything the HTTP surface depends on.
type Config struct {
	Payments Payments
	// Key signs every API response; KeyVersion goes into the Signature header.
	Key        *rsa.PrivateKey
	KeyVersion int
	Logger     *slog.Logger
	Now        func() time.Time
	// MaxSkew is how far Request-Time may be from the server clock (5 min).
	MaxSkew time.Duration
	// MaxBody caps request bodies (256 KiB).
	MaxBody int64
	// RateLimit and RateBurst limit each client id (50/s, burst 100).
	RateLimit rate.Limit
	RateBurst int
	// PageLimit and PageBurst limit payment submissions on the hosted pages per customer
	// address (1/s, burst 30).
	PageLimit rate.Limit
	PageBurst int
	// AlipayNotify receives Alipay+ notifications per network ("live", "sandbox").
	AlipayNotify map[string]http.Handler
	// Sandbox, when set, is served under /sandbox/.
	Sandbox http.Handler
	// Ready reports whether the server can serve (database reachable).
	Ready    func(ctx context.Context) error
	Registry *prometheus.Registry

	// Pages serves the customer pages (entry codes, results); nil leaves them out.
	Pages Pages
	// PublicURL is the externally visible base URL, for entry-code and result URLs.
	PublicURL string
	// Wallets identifies the customer's wallet from the User-Agent.
	Wallets *wallets.Table
	// Reports serves the merchant's report API under /ams/api/v1/reports/; nil leaves
	// it out.
	Reports Reports
	// Codes serves the entry code and branding APIs under /ams/api/v1/codes/; nil leaves
	// them out.
	Codes Codes
	// Admin and AdminToken enable the operator's admin API under /admin/api/v1/; without
	// a token it is not served.
	Admin      Admin
	Money      Money
	Risk       Risk
	AdminToken string

	// Dashboard serves the merchant dashboard under /dashboard/; nil leaves it out.
	Dashboard Dashboard
	// DashStores, DashDevelopers and Console serve the dashboard's stores and codes
	// pages, its developers pages and the operator console (all needed with Dashboard).
	DashStores     DashStores
	DashDevelopers DashDevelopers
	Console        Console
	ConsoleOps     ConsoleOps
	// Team serves the owner's team page (the merchant's dashboard users).
	Team Team
	// Partners serves the merchant's partners page and the operator's partners pages.
	Partners Partners
	// Registrations serves the partners' merchant registration APIs and, with
	// Dashboard, the operator's review of them; nil leaves both out.
	Registrations Registrations
	// AlipayPlus describes the gateway's connections to the wallet networks, which the
	// console's wallets page shows.
	AlipayPlus []AlipayConnection
	// LoginLimit and LoginBurst limit dashboard sign-in attempts per client address
	// (10 a minute).
	LoginLimit rate.Limit
	LoginBurst int
}

// Server holds the HTTP surface's state.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	limits  sync.Map // client id → *rate.Limiter
	pages   *visitorLimits
	logins  *visitorLimits
	cat     *i18n.Catalog
	handler http.Handler
}

// NewServer returns the HTTP surface as one handler.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 5 * time.Minute
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 256 << 10
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit, cfg.RateBurst = 50, 100
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = int(cfg.RateLimit) * 2
	}
	if cfg.PageLimit <= 0 {
		cfg.PageLimit, cfg.PageBurst = 1, 30
	}
	if cfg.PageBurst <= 0 {
		cfg.PageBurst = 1
	}
	if cfg.LoginLimit <= 0 {
		cfg.LoginLimit, cfg.LoginBurst = rate.Every(6*time.Second), 10
	}
	if cfg.LoginBurst <= 0 {
		cfg.LoginBurst = 1
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Wallets == nil {
		cfg.Wallets = wallets.Builtin()
	}
	cat, err := i18n.Load()
	if err != nil {
		panic(err) // the catalog is embedded: a broken one never passes the tests
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Registry), cat: cat, pages: newVisitorLimits(cfg.PageLimit, cfg.PageBurst), logins: newVisitorLimits(cfg.LoginLimit, cfg.LoginBurst)}
	mux := http.NewServeMux()
	s.addRoutes(mux)
	s.handler = s.observe(mux)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) limiter(clientID string) *rate.Limiter {
	if l, ok := s.limits.Load(clientID); ok {
		return l.(*rate.Limiter)
	}
	l, _ := s.limits.LoadOrStore(clientID, rate.NewLimiter(s.cfg.RateLimit, s.cfg.RateBurst))
	return l.(*rate.Limiter)
}
