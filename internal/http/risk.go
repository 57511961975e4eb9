package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entrypay/entrypay"
)

// Risk is what the operator's risk API needs from the gateway.
type Risk interface {
	RuleSets(ctx context.Context) ([]*entrypay.RuleSet, error)
	RuleSet(ctx context.Context, version int64) (*entrypay.RuleSet, error)
	CheckRuleSet(source string) error
	SaveRuleSet(ctx context.Context, source, comment string, status entrypay.RuleSetStatus) (*entrypay.RuleSet, error)
	SetRuleSetStatus(ctx context.Context, version int64, status entrypay.RuleSetStatus) (*entrypay.RuleSet, error)
	RiskDecisions(ctx context.Context, q entrypay.RiskDecisionQuery) ([]*entrypay.RiskDecision, error)
	RiskDecision(ctx context.Context, id string) (*entrypay.RiskDecision, error)
	ReviewHeld(ctx context.Context, decisionID, operator string, release bool) (*entrypay.RiskDecision, error)
	CompareShadow(ctx context.Context, since time.Time) (*entrypay.ShadowReport, error)
	RiskVersions() (live, shadow int64)
}

// maxRuleSet caps an uploaded rule set.
const maxRuleSet = 1 << 20

func (s *Server) adminListRuleSets(w http.ResponseWriter, r *http.Request) error {
	sets, err := s.cfg.Risk.RuleSets(r.Context())
	if err != nil {
		return err
	}
	live, shadow := s.cfg.Risk.RiskVersions()
	if sets == nil {
		sets = []*entrypay.RuleSet{}
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"live": live, "shadow": shadow, "ruleSets": sets})
	return nil
}

// adminPostRuleSet stores a new version. The body is the rule file itself (any text
// type; comment, status and dryRun in the query) or JSON {source, comment, status,
// dryRun}. A refused set answers 400 with the line at fault and changes nothing.
func (s *Server) adminPostRuleSet(w http.ResponseWriter, r *http.Request) error {
	req := struct {
		Source  string `json:"source"`
		Comment string `json:"comment"`
		Status  string `json:"status"`
		DryRun  bool   `json:"dryRun"`
	}{Comment: r.URL.Query().Get("comment"), Status: r.URL.Query().Get("status"), DryRun: r.URL.Query().Get("dryRun") == "true"}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		if err := readJSON(r, maxRuleSet, &req); err != nil {
			return err
		}
	} else {
		data, err := io.ReadAll(io.LimitReader(r.Body, maxRuleSet+1))
		if err != nil || len(data) > maxRuleSet {
			return entrypay.Errorf(entrypay.EInvalid, "a rule set must be at most %d bytes", maxRuleSet)
		}
		req.Source = string(data)
	}
	if req.DryRun {
		if err := s.cfg.Risk.CheckRuleSet(req.Source); err != nil {
			return err
		}
		s.adminJSON(w, http.StatusOK, map[string]any{"valid": true})
		return nil
	}
	if req.Status == "" {
		req.Status = string(entrypay.RuleSetLive)
	}
	rs, err := s.cfg.Risk.SaveRuleSet(r.Context(), req.Source, req.Comment, entrypay.RuleSetStatus(req.Status))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusCreated, rs)
	return nil
}

func versionOf(r *http.Request) (int64, error) {
	v, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return 0, entrypay.Errorf(entrypay.EInvalid, "rule set version %q is not a positive number", r.PathValue("version"))
	}
	return v, nil
}

func (s *Server) adminGetRuleSet(w http.ResponseWriter, r *http.Request) error {
	v, err := versionOf(r)
	if err != nil {
		return err
	}
	rs, err := s.cfg.Risk.RuleSet(r.Context(), v)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, rs)
	return nil
}

func (s *Server) adminRuleSetStatus(w http.ResponseWriter, r *http.Request) error {
	v, err := versionOf(r)
	if err != nil {
		return err
	}
	var req struct {
		Status string `json:"status"`
	}
	if err := readJSON(r, 4<<10, &req); err != nil {
		return err
	}
	rs, err := s.cfg.Risk.SetRuleSetStatus(r.Context(), v, entrypay.RuleSetStatus(req.Status))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, rs)
	return nil
}

func (s *Server) adminListDecisions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	dq := entrypay.RiskDecisionQuery{
		MerchantID: q.Get("merchantId"), PaymentID: q.Get("paymentId"),
		Outcome: entrypay.RiskOutcome(q.Get("outcome")), Review: q.Get("review"),
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return entrypay.Errorf(entrypay.EInvalid, "since %q is not an RFC 3339 time", v)
		}
		dq.Since = t
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return entrypay.Errorf(entrypay.EInvalid, "limit %q is not a positive number", v)
		}
		dq.Limit = n
	}
	ds, err := s.cfg.Risk.RiskDecisions(r.Context(), dq)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []*entrypay.RiskDecision{}
	}
	s.adminJSON(w, http.StatusOK, map[string]any{"decisions": ds})
	return nil
}

func (s *Server) adminGetDecision(w http.ResponseWriter, r *http.Request) error {
	d, err := s.cfg.Risk.RiskDecision(r.Context(), r.PathValue("decision"))
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, d)
	return nil
}

// adminReview releases or rejects a held payment or refund: POST …/{decision}/release
// or …/reject with {"operator": "alice"}.
func (s *Server) adminReview(w http.ResponseWriter, r *http.Request) error {
	var release bool
	switch r.PathValue("action") {
	case "release":
		release = true
	case "reject":
	default:
		return entrypay.Errorf(entrypay.ENotFound, "no action %q (release or reject)", r.PathValue("action"))
	}
	var req struct {
		Operator string `json:"operator"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, 4<<10, &req); err != nil {
			return err
		}
	}
	if len(req.Operator) > 64 {
		return entrypay.Errorf(entrypay.EInvalid, "operator is longer than 64 characters")
	}
	d, err := s.cfg.Risk.ReviewHeld(r.Context(), r.PathValue("decision"), req.Operator, release)
	if d == nil {
		return err
	}
	body := map[string]any{"decision": d}
	if err != nil {
		// The review is recorded; what the wallet side said of the released payment is
		// reported beside it.
		body["walletResult"] = map[string]string{"code": string(entrypay.ErrorCodeOf(err)), "message": entrypay.ErrorMessage(err)}
	}
	s.adminJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) adminShadowReport(w http.ResponseWriter, r *http.Request) error {
	since := s.cfg.Now().Add(-24 * time.Hour)
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return entrypay.Errorf(entrypay.EInvalid, "since %q is not an RFC 3339 time", v)
		}
		since = t
	}
	rep, err := s.cfg.Risk.CompareShadow(r.Context(), since)
	if err != nil {
		return err
	}
	s.adminJSON(w, http.StatusOK, rep)
	return nil
}

// handleHold serves GET /hold/{payment}: the page a customer waits on while the risk
// engine holds the payment for review. Once it is released it sends them to the
// wallet's cashier; once it ends, to the merchant's (or entrypay's) result page.
func (s *Server) handleHold() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		wallet, _ := s.cfg.Wallets.Detect(ua)
		lang := s.cat.Choose(r.FormValue("lang"), ua, r.Header.Get("Accept-Language"), nil)
		pay, err := s.cfg.Pages.PaymentByID(r.Context(), r.PathValue("payment"))
		if err != nil || pay.RiskReview == "" {
			if err != nil && entrypay.ErrorCodeOf(err) != entrypay.ENotFound {
				s.pageError(w, r, err, lang)
				return
			}
			p := s.basePage(r, nil, wallet, lang)
			p.Title = p.L.T("result_unknown")
			s.render(w, r, http.StatusNotFound, "unknown", p)
			return
		}
		switch {
		case pay.Status == entrypay.PaymentProcessing && pay.CashierURL != "":
			http.Redirect(w, r, pay.CashierURL, http.StatusSeeOther)
			return
		case pay.Status.Final() && pay.RedirectURL != "":
			http.Redirect(w, r, pay.RedirectURL, http.StatusSeeOther)
			return
		}
		var cp *entrypay.CodePage
		if pay.EntryCode != "" {
			cp, _ = s.cfg.Pages.CodePage(r.Context(), pay.EntryCode)
		}
		p := s.basePage(r, cp, wallet, lang)
		if cp == nil {
			p.StoreName = pay.Store.Name
			p.Locale = s.localeFor(lang, wallet)
		}
		p.PaidAmount = formatAmount(pay.Amount, p.Locale)
		p.Reference = pay.ID
		p.Status, p.Final = string(pay.Status), pay.Status.Final()
		p.Time = pay.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
		if p.Final {
			p.Title = p.L.T("result_fail")
			if pay.ResultCode == string(entrypay.ERiskReject) {
				p.Reason = p.L.T("result_risk")
			}
			s.render(w, r, http.StatusOK, "result", p)
			return
		}
		p.Title, p.Refresh = p.L.T("held_title"), 3
		s.render(w, r, http.StatusOK, "held", p)
	})
}

// holdURL is where a held payment's customer waits.
func (s *Server) holdURL(p *entrypay.Payment, lang string) string {
	u := s.cfg.PublicURL + "/hold/" + url.PathEscape(p.ID)
	if lang != "" {
		u += "?lang=" + url.QueryEscape(lang)
	}
	return u
}

// riskMetrics counts the risk engine's decisions for Prometheus.
type riskMetrics struct {
	decisions *prometheus.CounterVec
	fired     *prometheus.CounterVec
	failures  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

// NewRiskMetrics registers the risk engine's metrics: decisions by kind, outcome and
// mode (live or shadow), rules fired, run-time failures, and evaluation latency.
func NewRiskMetrics(reg prometheus.Registerer) entrypay.RiskMetrics {
	m := &riskMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_risk_decisions_total", Help: "Risk decisions by kind (payment, refund), mode (live, shadow) and outcome.",
		}, []string{"kind", "mode", "outcome"}),
		fired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_risk_rules_fired_total", Help: "Risk rules that fired, by mode, rule and action.",
		}, []string{"mode", "rule", "action"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entrypay_risk_engine_failures_total", Help: "Rule set run-time failures (a live one fails the payment closed).",
		}, []string{"kind", "mode"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "entrypay_risk_evaluation_seconds", Help: "Time to evaluate a rule set.",
			Buckets: []float64{1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 1e-2},
		}, []string{"mode"}),
	}
	reg.MustRegister(m.decisions, m.fired, m.failures, m.latency)
	return m
}

func mode(shadow bool) string {
	if shadow {
		return "shadow"
	}
	return "live"
}

func (m *riskMetrics) Decided(kind string, shadow bool, v *entrypay.RiskVerdict, elapsed time.Duration) {
	m.decisions.WithLabelValues(kind, mode(shadow), string(v.Outcome)).Inc()
	for _, f := range v.Fired {
		m.fired.WithLabelValues(mode(shadow), f.Name, f.Action).Inc()
	}
	m.latency.WithLabelValues(mode(shadow)).Observe(elapsed.Seconds())
}

func (m *riskMetrics) EngineFailed(kind string, shadow bool) {
	m.failures.WithLabelValues(kind, mode(shadow)).Inc()
}

// deviceCookie names the customer's browser across payments, for the risk engine's device
// velocity and block lists: a random id, nothing about the person.
const deviceCookie = "ep_device"

var deviceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// deviceID is the request's device cookie, "" when it has none (or a forged one).
func deviceID(r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && deviceIDPattern.MatchString(c.Value) {
		return c.Value
	}
	return ""
}

// ensureDevice gives a browser its device cookie on its first entry page.
func (s *Server) ensureDevice(w http.ResponseWriter, r *http.Request) {
	if deviceID(r) != "" {
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: hex.EncodeToString(b[:]), Path: "/", MaxAge: 2 * 365 * 24 * 3600,
		HttpOnly: true, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"), SameSite: http.SameSiteLaxMode,
	})
}
