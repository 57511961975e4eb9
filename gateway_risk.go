package entrypay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// WalletInfo is what the gateway knows of a wallet for risk: its currency and its own
// per-payment limits in minor units of that currency (0: none).
type WalletInfo struct {
	Currency string
	Min, Max int64
}

// RiskMetrics counts decisions; package internal/http implements it with Prometheus.
type RiskMetrics interface {
	// Decided is called for every verdict, live or shadow, with the evaluation time.
	Decided(kind string, shadow bool, v *RiskVerdict, elapsed time.Duration)
	// EngineFailed is called when a rule set failed at run time (and the payment failed
	// closed, unless the set was the shadow).
	EngineFailed(kind string, shadow bool)
}

// riskSets is the rule sets in force: live decides, shadow (nil when none) is only
// recorded.
type riskSets struct {
	live, shadow RiskRules
}

// riskState is the gateway's compiled rule sets, swapped whole when they change.
type riskState struct{ sets atomic.Pointer[riskSets] }

// The velocity spans and their lengths in seconds.
const (
	spanAll    = "all"
	spanMinute = "m"
	spanHour   = "h"
	spanDay    = "d"
)

var spanSeconds = map[string]int64{spanMinute: 60, spanHour: 3600, spanDay: 86400}

// riskKey is one velocity counter a payment belongs to, and what it adds to it.
type riskKey struct {
	key    string
	amount int64
	// days keeps day buckets, for the merchant's 30-day history and 7-day volume.
	days bool
}

func floorTo(t int64, span string) int64 { return t - t%spanSeconds[span] }

// paymentKeys names the counters of a payment from its signals.
func paymentKeys(s *RiskSignals) []riskKey {
	keys := []riskKey{{key: "merchant:" + s.Merchant.ID + ":" + s.SettlementCurrency, amount: s.SettlementAmount, days: true}}
	if s.Store.ID != "" {
		keys = append(keys, riskKey{key: "store:" + s.Store.ID + ":" + s.SettlementCurrency, amount: s.SettlementAmount})
	}
	if s.Code.Value != "" {
		keys = append(keys, riskKey{key: "code:" + s.Code.Value + ":" + s.SettlementCurrency, amount: s.SettlementAmount})
	}
	if s.Wallet.Name != "" && s.Wallet.Currency != "" {
		keys = append(keys, riskKey{key: "wallet:" + s.Wallet.Name + ":" + s.Wallet.Currency, amount: max(s.Wallet.Amount, 0)})
	}
	// A customer's payments may be in any currency: their counters count, not sum.
	if s.Client.IP != "" {
		keys = append(keys, riskKey{key: "ip:" + s.Client.IP})
	}
	if s.Client.DeviceID != "" {
		keys = append(keys, riskKey{key: "device:" + s.Client.DeviceID})
	}
	return keys
}

func refundKeys(s *RiskSignals) []riskKey {
	return []riskKey{{key: "refunds:" + s.Merchant.ID + ":" + s.SettlementCurrency, amount: s.SettlementAmount, days: true}}
}

// riskCounts gives the bucket rows that add one payment (or, declined, that take its
// amount back out) at time at, sorted so that concurrent payments lock rows in one order.
func riskCounts(keys []riskKey, at time.Time, added, declined bool) []RiskCount {
	now := at.Unix()
	var out []RiskCount
	for _, k := range keys {
		spans := []string{spanAll, spanMinute, spanHour}
		if k.days {
			spans = append(spans, spanDay)
		}
		for _, span := range spans {
			c := RiskCount{Key: k.key, Span: span}
			if span != spanAll {
				c.Start = floorTo(now, span)
			}
			if added {
				c.Count, c.Amount = 1, k.amount
			}
			if declined {
				c.DeclinedCount, c.DeclinedAmount = 1, k.amount
			}
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b RiskCount) int {
		return cmpOr(strings.Compare(a.Key, b.Key), strings.Compare(a.Span, b.Span), int(a.Start-b.Start))
	})
	return out
}

func cmpOr(v ...int) int {
	for _, x := range v {
		if x != 0 {
			return x
		}
	}
	return 0
}

// riskWindows reads the counters of keys around now (after this payment was added).
type riskWindows struct {
	now    int64
	counts []RiskCount
}

func readWindows(ctx context.Context, tx Tx, keys []riskKey, now time.Time) (*riskWindows, error) {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.key
	}
	t := now.Unix()
	counts, err := tx.RiskCounts(ctx, names, map[string]int64{
		spanMinute: floorTo(t, spanMinute) - 59*60,
		spanHour:   floorTo(t, spanHour) - 23*3600,
		spanDay:    floorTo(t, spanDay) - 29*86400,
	})
	if err != nil {
		return nil, err
	}
	return &riskWindows{now: t, counts: counts}, nil
}

// sum adds up count and not-declined amount of key's buckets of span from the last n
// buckets (the current one included).
func (w *riskWindows) sum(key, span string, n int64) (count, amount, kept int64) {
	from := floorTo(w.now, span) - (n-1)*spanSeconds[span]
	for _, c := range w.counts {
		if c.Key == key && c.Span == span && c.Start >= from {
			count += c.Count
			amount += c.Amount - c.DeclinedAmount
			kept += c.Count - c.DeclinedCount
		}
	}
	return count, amount, kept
}

func (w *riskWindows) window(key string) RiskWindow {
	var r RiskWindow
	r.Count10m, _, _ = w.sum(key, spanMinute, 10)
	r.Count1h, r.Amount1h, _ = w.sum(key, spanMinute, 60)
	r.Count24h, r.Amount24h, _ = w.sum(key, spanHour, 24)
	return r
}

// regionZones is the local time of the regions entrypay's wallets and merchants are in,
// for the hour-of-day signal; other regions use the clearing zone.
var regionZones = map[string]string{
	"HK": "Asia/Hong_Kong", "MO": "Asia/Macau", "CN": "Asia/Shanghai", "TW": "Asia/Taipei",
	"SG": "Asia/Singapore", "MY": "Asia/Kuala_Lumpur", "TH": "Asia/Bangkok", "PH": "Asia/Manila",
	"ID": "Asia/Jakarta", "KR": "Asia/Seoul", "JP": "Asia/Tokyo", "VN": "Asia/Ho_Chi_Minh",
	"IN": "Asia/Kolkata", "AU": "Australia/Sydney", "NZ": "Pacific/Auckland", "GB": "Europe/London",
	"US": "America/New_York", "AE": "Asia/Dubai",
}

func (g *Gateway) localTime(region string, at time.Time) time.Time {
	if name, ok := regionZones[region]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return at.In(loc)
		}
	}
	return at.In(g.cfg.Clearing.Location)
}

func ageOf(since, now time.Time, unit time.Duration) int64 {
	if since.IsZero() || now.Before(since) {
		return 0
	}
	return int64(now.Sub(since) / unit)
}

// riskOn says whether payments are decided: the gateway has a risk engine.
func (g *Gateway) riskOn() bool { return g.cfg.Risk != nil }

// paymentSignals gathers what the risk engine sees about a new payment, inside its
// transaction. It adds the payment to its velocity counters first, which locks them, so
// that two payments of one merchant (or code, wallet, IP, device) are decided one after
// the other and a limit only one of them fits cannot pass both.
func (g *Gateway) paymentSignals(ctx context.Context, tx Tx, m *Merchant, p *Payment, in *PayInput, now time.Time) (*RiskSignals, []riskKey, error) {
	s := &RiskSignals{
		Kind: "payment", Channel: "api",
		Amount: p.Amount.Value, Currency: p.Amount.Currency,
		SettlementAmount: p.SettlementAmount.Value, SettlementCurrency: p.SettlementAmount.Currency,
		Merchant: RiskMerchant{ID: m.ID, MCC: m.MCC, Region: m.Region, Sandbox: m.Sandbox(), AgeDays: ageOf(m.CreatedAt, now, 24*time.Hour)},
		Store:    RiskStore{MCC: p.Store.MCC},
		Wallet:   RiskWallet{Name: p.Wallet, Amount: -1, CustomerID: in.CustomerID},
		Client:   RiskClient{IP: in.ClientIP, UserAgent: in.UserAgent, DeviceID: in.DeviceID, CookieID: in.CookieID},
	}
	if s.SettlementCurrency == "" {
		s.SettlementAmount, s.SettlementCurrency = p.Amount.Value, p.Amount.Currency
	}
	if in.hosted {
		s.Channel = "page"
	}
	region := m.Region
	switch {
	case p.Store.StoreID != "":
		st, err := tx.StoreByID(ctx, p.Store.StoreID)
		if err != nil {
			return nil, nil, err
		}
		s.Store.ID, s.Store.AgeDays = st.ID, ageOf(st.CreatedAt, now, 24*time.Hour)
		if st.Region != "" {
			region = st.Region
		}
	case p.Store.ReferenceID != "":
		s.Store.ID = m.ID + "/" + p.Store.ReferenceID // the merchant's own store id
	}
	local := g.localTime(region, now)
	s.Hour, s.Weekday = local.Hour(), int(local.Weekday())
	if p.EntryCode != "" {
		c, err := tx.EntryCode(ctx, p.EntryCode, false)
		if err != nil {
			return nil, nil, err
		}
		s.Code = RiskCode{Value: c.Value, Status: string(c.Status), AgeHours: ageOf(c.CreatedAt, now, time.Hour)}
		if in.codeReplacement {
			s.Code.IsReplacement = true
		}
	}
	if g.cfg.Wallets != nil {
		if w, ok := g.cfg.Wallets(p.Wallet); ok {
			s.Wallet.Currency, s.Wallet.Min, s.Wallet.Max = w.Currency, w.Min, w.Max
			s.Wallet.Amount = g.referenceAmount(ctx, tx, p.Amount, w.Currency, now)
		}
	}
	keys := paymentKeys(s)
	if err := tx.AddRiskCounts(ctx, riskCounts(keys, now, true, false)); err != nil {
		return nil, nil, err
	}
	w, err := readWindows(ctx, tx, keys, now)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		win := w.window(k.key)
		switch strings.SplitN(k.key, ":", 2)[0] {
		case "merchant":
			s.Velocity.Merchant = win
			// The history is the 30 days before this payment, so this one comes out again.
			_, amount, kept := w.sum(k.key, spanDay, 30)
			s.Merchant.Count30d, s.Merchant.Amount30d = kept-1, amount-k.amount
			if s.Merchant.Count30d > 0 {
				s.Merchant.AvgAmount30d = s.Merchant.Amount30d / s.Merchant.Count30d
			}
		case "store":
			s.Velocity.Store = win
		case "code":
			s.Velocity.Code = win
		case "wallet":
			s.Velocity.Wallet = win
		case "ip":
			s.Velocity.IP = win
		case "device":
			s.Velocity.Device = win
		}
	}
	return s, keys, nil
}

// referenceAmount converts a into currency at the reference rate (no spread), or -1 when
// no rate leads there.
func (g *Gateway) referenceAmount(ctx context.Context, tx Tx, a Amount, currency string, now time.Time) int64 {
	if a.Currency == currency {
		return a.Value
	}
	if g.cfg.FX == nil {
		return -1
	}
	rates, err := tx.LatestRates(ctx)
	if err != nil {
		return -1
	}
	q, err := g.cfg.FX.Quote(rates, a.Currency, currency, 0, now)
	if err != nil {
		return -1
	}
	v, err := g.cfg.FX.Convert(a, q)
	if err != nil {
		return -1
	}
	return v.Value
}

// refundSignals gathers what the risk engine sees about a new refund of p, adding it to
// the merchant's refund counter (which locks it).
func (g *Gateway) refundSignals(ctx context.Context, tx Tx, m *Merchant, p *Payment, r *Refund, refundedBefore int64, now time.Time) (*RiskSignals, []riskKey, error) {
	s := &RiskSignals{
		Kind: "refund", Channel: "api",
		Amount: r.Amount.Value, Currency: r.Amount.Currency,
		SettlementAmount: abs(r.SettlementAmount.Value), SettlementCurrency: r.SettlementAmount.Currency,
		Merchant: RiskMerchant{ID: m.ID, MCC: m.MCC, Region: m.Region, Sandbox: m.Sandbox(), AgeDays: ageOf(m.CreatedAt, now, 24*time.Hour)},
		Store:    RiskStore{ID: p.Store.StoreID, MCC: p.Store.MCC},
		Code:     RiskCode{Value: p.EntryCode},
		Wallet:   RiskWallet{Name: p.Wallet, Amount: -1, CustomerID: p.WalletCustomerID},
		Client:   RiskClient{IP: p.ClientIP, UserAgent: p.UserAgent, DeviceID: p.DeviceID},
		Refund: RiskRefund{
			PaymentAmount: p.Amount.Value, RefundedBefore: refundedBefore,
			PaymentAgeHours: ageOf(p.PaidAt, now, time.Hour),
		},
	}
	if s.SettlementCurrency == "" {
		s.SettlementAmount, s.SettlementCurrency = r.Amount.Value, r.Amount.Currency
	}
	local := g.localTime(m.Region, now)
	s.Hour, s.Weekday = local.Hour(), int(local.Weekday())
	keys := refundKeys(s)
	if err := tx.AddRiskCounts(ctx, riskCounts(keys, now, true, false)); err != nil {
		return nil, nil, err
	}
	volume := riskKey{key: "merchant:" + m.ID + ":" + s.SettlementCurrency}
	w, err := readWindows(ctx, tx, append(slices.Clone(keys), volume), now)
	if err != nil {
		return nil, nil, err
	}
	_, s.Refund.MerchantRefunds7d, _ = w.sum(keys[0].key, spanDay, 7)
	_, s.Refund.MerchantVolume7d, _ = w.sum(volume.key, spanDay, 7)
	return s, keys, nil
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// evaluate runs one rule set, turning a run-time failure or a panic into a REJECT for
// RISK_ENGINE_ERROR: a payment the engine could not judge fails closed.
func (g *Gateway) evaluate(ctx context.Context, rules RiskRules, s *RiskSignals, shadow bool) *RiskVerdict {
	start := time.Now()
	v, err := func() (v *RiskVerdict, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return rules.Evaluate(s)
	}()
	elapsed := time.Since(start)
	if err != nil || v == nil {
		g.log.ErrorContext(ctx, "risk engine failed; failing closed", "version", rules.Version(), "shadow", shadow, "kind", s.Kind, "merchant", s.Merchant.ID, "err", err)
		if g.cfg.RiskMetrics != nil {
			g.cfg.RiskMetrics.EngineFailed(s.Kind, shadow)
		}
		v = &RiskVerdict{Outcome: RiskReject, Reason: ReasonEngineError, Fired: []FiredRule{}, Version: rules.Version()}
	}
	if g.cfg.RiskMetrics != nil {
		g.cfg.RiskMetrics.Decided(s.Kind, shadow, v, elapsed)
	}
	return v
}

// decide judges s with the live rule set (and the shadow set, for the record) and
// stores the decision in tx. A declined payment or refund is marked declined in its
// counters in the same transaction.
//
// force, when set, is a reason the payment must be refused for whatever the rules say
// (a code no longer active): the verdict becomes a rejection for it.
func (g *Gateway) decide(ctx context.Context, tx Tx, s *RiskSignals, keys []riskKey, paymentID, refundID, force string, now time.Time) (*RiskDecision, error) {
	sets := g.risk.sets.Load()
	if sets == nil || sets.live == nil {
		return nil, errors.New("risk: no rule set loaded")
	}
	var shadow *RiskVerdict
	if sets.shadow != nil {
		copied := *s // the shadow fills in its own limits
		shadow = g.evaluate(ctx, sets.shadow, &copied, true)
	}
	v := g.evaluate(ctx, sets.live, s, false)
	if force != "" && v.Outcome != RiskReject {
		v.Outcome, v.Reason = RiskReject, force
		v.Fired = append(v.Fired, FiredRule{Name: "entrypay_" + strings.ToLower(force), Action: ActionReject, Reason: force})
	}
	d := &RiskDecision{
		ID: NewID("rsk_", now), Kind: s.Kind, MerchantID: s.Merchant.ID, PaymentID: paymentID, RefundID: refundID,
		Outcome: v.Outcome, Verdict: *v, Shadow: shadow, Signals: *s, CreatedAt: now,
	}
	if v.Outcome == RiskReview {
		d.Review = ReviewPending
	}
	if err := tx.InsertRiskDecision(ctx, d); err != nil {
		return nil, err
	}
	if v.Outcome == RiskReject {
		if err := tx.AddRiskCounts(ctx, riskCounts(keys, now, false, true)); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// riskMessage is what the merchant is told about a refusal.
func riskMessage(d *RiskDecision) string {
	if d.Verdict.Reason == "" {
		return "refused by entrypay's risk control"
	}
	return "refused by entrypay's risk control (" + d.Verdict.Reason + ")"
}

// declinePayment marks a payment that will not complete (failed, cancelled, expired,
// rejected by an operator) as declined in its velocity counters, so that it stops
// counting against amount limits. It finds the counters through the payment's decision.
func (g *Gateway) declinePayment(ctx context.Context, tx Tx, p *Payment) error {
	if !g.riskOn() {
		return nil
	}
	ds, err := tx.RiskDecisions(ctx, RiskDecisionQuery{PaymentID: p.ID})
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Kind == "payment" && d.Outcome != RiskReject { // a rejection was declined when it was made
			return tx.AddRiskCounts(ctx, riskCounts(paymentKeys(&d.Signals), d.CreatedAt, false, true))
		}
	}
	return nil
}

// declineRefund does the same for a refund that failed.
func (g *Gateway) declineRefund(ctx context.Context, tx Tx, r *Refund) error {
	if !g.riskOn() {
		return nil
	}
	ds, err := tx.RiskDecisions(ctx, RiskDecisionQuery{PaymentID: r.PaymentID})
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.Kind == "refund" && d.RefundID == r.ID && d.Outcome != RiskReject {
			return tx.AddRiskCounts(ctx, riskCounts(refundKeys(&d.Signals), d.CreatedAt, false, true))
		}
	}
	return nil
}

// errRulesSeeded rolls back the built-in rules a gateway was storing when another one
// sharing the database stored them first.
var errRulesSeeded = errors.New("risk: the built-in rules were stored by another process meanwhile")

// LoadRiskRules compiles the stored live and shadow rule sets and puts them in force.
// With none stored it stores the built-in rules (Config.DefaultRiskRules) as version 1.
// Gateways sharing a database call it periodically (WatchRiskRules) to pick up each
// other's changes.
func (g *Gateway) LoadRiskRules(ctx context.Context) error {
	if !g.riskOn() {
		return nil
	}
	// The periodic reload only reads; the write lock is taken only to seed a new database.
	read := func() ([]*RuleSet, error) {
		var sets []*RuleSet
		err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
			var err error
			sets, err = tx.RuleSets(ctx)
			return err
		})
		return sets, err
	}
	sets, err := read()
	if err != nil {
		return err
	}
	if len(sets) == 0 {
		err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
			var err error
			if sets, err = tx.RuleSets(ctx); err != nil || len(sets) > 0 {
				return err
			}
			now := g.now()
			rs := &RuleSet{Status: RuleSetLive, Source: g.cfg.DefaultRiskRules, Comment: "built-in rules", CreatedAt: now, UpdatedAt: now}
			if _, err := g.cfg.Risk.Compile(rs.Source, 1); err != nil {
				return fmt.Errorf("the built-in risk rules do not compile: %w", err)
			}
			if err := tx.InsertRuleSet(ctx, rs); err != nil {
				return err
			}
			if rs.Version != 1 {
				return errRulesSeeded
			}
			sets = []*RuleSet{rs}
			return nil
		})
		if err != nil {
			// Gateways starting together on a new database all find it empty, and one
			// stores the built-in rules first. On PostgreSQL the others then fail to take
			// version 1, or, if it committed before they inserted, would store a second
			// live copy as version 2 (errRulesSeeded, rolled back): they use its rules.
			again, rerr := read()
			if rerr != nil || len(again) == 0 {
				return err
			}
			sets = again
		}
	}
	next := &riskSets{}
	for _, rs := range sets {
		if rs.Status != RuleSetLive && rs.Status != RuleSetShadow {
			continue
		}
		rules, err := g.cfg.Risk.Compile(rs.Source, rs.Version)
		if err != nil {
			return fmt.Errorf("risk rule set %d: %w", rs.Version, err)
		}
		if rs.Status == RuleSetLive && next.live == nil {
			next.live = rules
		} else if rs.Status == RuleSetShadow && next.shadow == nil {
			next.shadow = rules
		}
	}
	if next.live == nil {
		return errors.New("risk: no live rule set is stored")
	}
	if cur := g.risk.sets.Load(); cur == nil || !sameSets(cur, next) {
		g.risk.sets.Store(next)
		g.log.InfoContext(ctx, "risk rules in force", "live", next.live.Version(), "shadow", versionOf(next.shadow))
	}
	return nil
}

func versionOf(r RiskRules) int64 {
	if r == nil {
		return 0
	}
	return r.Version()
}

func sameSets(a, b *riskSets) bool {
	return versionOf(a.live) == versionOf(b.live) && versionOf(a.shadow) == versionOf(b.shadow)
}

// WatchRiskRules reloads the rule sets every interval until ctx ends, so that a change
// made through another gateway process takes effect here too.
func (g *Gateway) WatchRiskRules(ctx context.Context, every time.Duration) {
	if !g.riskOn() {
		return
	}
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := g.LoadRiskRules(ctx); err != nil && ctx.Err() == nil {
				g.log.ErrorContext(ctx, "reloading risk rules", "err", err)
			}
		}
	}
}

// RiskVersions returns the versions of the live and shadow rule sets in force (0: none).
func (g *Gateway) RiskVersions() (live, shadow int64) {
	if sets := g.risk.sets.Load(); sets != nil {
		return versionOf(sets.live), versionOf(sets.shadow)
	}
	return 0, 0
}

// CheckRuleSet compiles a rule set without storing it: the operator's dry run.
func (g *Gateway) CheckRuleSet(source string) error {
	if !g.riskOn() {
		return Errorf(EInvalid, "this gateway has no risk engine")
	}
	_, err := g.cfg.Risk.Compile(source, 0)
	return err
}

// SaveRuleSet validates a rule set and stores it as the next version, LIVE (replacing the
// live set, which is retired) or SHADOW (replacing any shadow set). It takes effect here
// at once and in other processes at their next reload. A refused set changes nothing.
func (g *Gateway) SaveRuleSet(ctx context.Context, source, comment string, status RuleSetStatus) (*RuleSet, error) {
	return g.saveRuleSet(ctx, source, comment, status, nil)
}

// saveRuleSet is SaveRuleSet; audit, when set, is given the transaction to record who
// stored the set.
func (g *Gateway) saveRuleSet(ctx context.Context, source, comment string, status RuleSetStatus, audit func(tx Tx, rs *RuleSet, now time.Time) error) (*RuleSet, error) {
	if status != RuleSetLive && status != RuleSetShadow {
		return nil, Errorf(EInvalid, "status must be LIVE or SHADOW, not %q", clip(string(status)))
	}
	if err := g.CheckRuleSet(source); err != nil {
		return nil, err
	}
	if len(comment) > 256 {
		return nil, Errorf(EInvalid, "comment is longer than 256 characters")
	}
	now := g.now()
	rs := &RuleSet{Status: status, Source: source, Comment: comment, CreatedAt: now, UpdatedAt: now}
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if err := g.retire(ctx, tx, status, now); err != nil {
			return err
		}
		if err := tx.InsertRuleSet(ctx, rs); err != nil {
			return err
		}
		if audit != nil {
			return audit(tx, rs, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rs, g.LoadRiskRules(ctx)
}

// retire retires the stored sets of a status.
func (g *Gateway) retire(ctx context.Context, tx Tx, status RuleSetStatus, now time.Time) error {
	sets, err := tx.RuleSets(ctx)
	if err != nil {
		return err
	}
	for _, old := range sets {
		if old.Status == status {
			old.Status, old.UpdatedAt = RuleSetRetired, now
			if err := tx.UpdateRuleSet(ctx, old); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetRuleSetStatus promotes a stored version to LIVE or SHADOW (retiring the one it
// replaces; promoting the shadow set makes it live and leaves no shadow), or retires it
// (a live set cannot be retired: promote another instead).
func (g *Gateway) SetRuleSetStatus(ctx context.Context, version int64, status RuleSetStatus) (*RuleSet, error) {
	return g.setRuleSetStatus(ctx, version, status, nil)
}

// setRuleSetStatus is SetRuleSetStatus; audit, when set, is given the transaction and
// the set's status before and after, to record who changed it.
func (g *Gateway) setRuleSetStatus(ctx context.Context, version int64, status RuleSetStatus, audit func(tx Tx, rs *RuleSet, was RuleSetStatus, now time.Time) error) (*RuleSet, error) {
	var rs *RuleSet
	now := g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if rs, err = tx.RuleSet(ctx, version); err != nil {
			return notFound(err, ENotFound, "no rule set version %d", version)
		}
		switch status {
		case RuleSetLive, RuleSetShadow:
			if rs.Status == status {
				return nil
			}
			if err := g.CheckRuleSet(rs.Source); err != nil {
				return err
			}
			if err := g.retire(ctx, tx, status, now); err != nil {
				return err
			}
		case RuleSetRetired:
			if rs.Status == RuleSetLive {
				return Errorf(EStatusInvalid, "rule set %d is live: make another version live instead", version)
			}
		default:
			return Errorf(EInvalid, "status must be LIVE, SHADOW or RETIRED, not %q", clip(string(status)))
		}
		was := rs.Status
		rs.Status, rs.UpdatedAt = status, now
		if err := tx.UpdateRuleSet(ctx, rs); err != nil {
			return err
		}
		if audit != nil {
			return audit(tx, rs, was, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rs, g.LoadRiskRules(ctx)
}

// RuleSets lists the stored rule sets, newest first.
func (g *Gateway) RuleSets(ctx context.Context) ([]*RuleSet, error) {
	var sets []*RuleSet
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		sets, err = tx.RuleSets(ctx)
		return err
	})
	return sets, err
}

// RuleSet returns one stored version.
func (g *Gateway) RuleSet(ctx context.Context, version int64) (*RuleSet, error) {
	var rs *RuleSet
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		rs, err = tx.RuleSet(ctx, version)
		return notFound(err, ENotFound, "no rule set version %d", version)
	})
	return rs, err
}

// RiskDecisions lists decisions, newest first (at most 500).
func (g *Gateway) RiskDecisions(ctx context.Context, q RiskDecisionQuery) ([]*RiskDecision, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	var ds []*RiskDecision
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		ds, err = tx.RiskDecisions(ctx, q)
		return err
	})
	return ds, err
}

// RiskDecision returns one decision.
func (g *Gateway) RiskDecision(ctx context.Context, id string) (*RiskDecision, error) {
	var d *RiskDecision
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		d, err = tx.RiskDecision(ctx, id, false)
		return notFound(err, ENotFound, "no risk decision %q", clip(id))
	})
	return d, err
}

// ShadowReport compares the shadow rule set's verdicts with the live ones over the
// decisions since a time: how often they agree, where they differ, and which rules fired
// in each.
type ShadowReport struct {
	Since         time.Time `json:"since"`
	Decisions     int       `json:"decisions"`
	Agree         int       `json:"agree"`
	Differ        int       `json:"differ"`
	LiveVersions  []int64   `json:"liveVersions"`
	ShadowVersion []int64   `json:"shadowVersions"`
	// Outcomes counts decisions by "LIVE→SHADOW" outcome pair, e.g. "ACCEPT→REVIEW".
	Outcomes map[string]int `json:"outcomes"`
	// LiveFired and ShadowFired count the rules that fired in each.
	LiveFired   map[string]int `json:"liveFired"`
	ShadowFired map[string]int `json:"shadowFired"`
	// Differences lists up to 100 decisions where the outcomes differ, newest first.
	Differences []ShadowDifference `json:"differences"`
}

// ShadowDifference is one decision the two rule sets see differently.
type ShadowDifference struct {
	DecisionID string      `json:"decisionId"`
	PaymentID  string      `json:"paymentId"`
	Kind       string      `json:"kind"`
	Live       RiskOutcome `json:"live"`
	LiveReason string      `json:"liveReason"`
	Shadow     RiskOutcome `json:"shadow"`
	Reason     string      `json:"shadowReason"`
}

// CompareShadow reports on the decisions since since that a shadow set also judged.
func (g *Gateway) CompareShadow(ctx context.Context, since time.Time) (*ShadowReport, error) {
	var ds []*RiskDecision
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		ds, err = tx.RiskDecisions(ctx, RiskDecisionQuery{Shadowed: true, Since: since})
		return err
	})
	if err != nil {
		return nil, err
	}
	r := &ShadowReport{Since: since, Outcomes: map[string]int{}, LiveFired: map[string]int{}, ShadowFired: map[string]int{}, Differences: []ShadowDifference{}, LiveVersions: []int64{}, ShadowVersion: []int64{}}
	for _, d := range ds {
		r.Decisions++
		live, shadow := d.Verdict, *d.Shadow
		if !slices.Contains(r.LiveVersions, live.Version) {
			r.LiveVersions = append(r.LiveVersions, live.Version)
		}
		if !slices.Contains(r.ShadowVersion, shadow.Version) {
			r.ShadowVersion = append(r.ShadowVersion, shadow.Version)
		}
		r.Outcomes[string(live.Outcome)+"→"+string(shadow.Outcome)]++
		for _, f := range live.Fired {
			r.LiveFired[f.Name]++
		}
		for _, f := range shadow.Fired {
			r.ShadowFired[f.Name]++
		}
		if live.Outcome == shadow.Outcome {
			r.Agree++
			continue
		}
		r.Differ++
		if len(r.Differences) < 100 {
			r.Differences = append(r.Differences, ShadowDifference{DecisionID: d.ID, PaymentID: d.PaymentID, Kind: d.Kind,
				Live: live.Outcome, LiveReason: live.Reason, Shadow: shadow.Outcome, Reason: shadow.Reason})
		}
	}
	return r, nil
}

// judgePayment decides a new payment inside the transaction that records it: a refusal
// fails it at once (it never reaches the wallet side), a review holds it.
func (g *Gateway) judgePayment(ctx context.Context, tx Tx, m *Merchant, p *Payment, in *PayInput, now time.Time) error {
	s, keys, err := g.paymentSignals(ctx, tx, m, p, in, now)
	if err != nil {
		return err
	}
	force := ""
	if in.codeInactive {
		force = "CODE_NOT_ACTIVE" // refused whatever the rules say
	}
	d, err := g.decide(ctx, tx, s, keys, p.ID, "", force, now)
	if err != nil {
		return err
	}
	switch d.Outcome {
	case RiskReject:
		if err := p.moveTo(PaymentFail, now); err != nil {
			return err
		}
		g.ended(tx, p)
		p.ResultCode, p.ResultMessage = string(ERiskReject), riskMessage(d)
	case RiskReview:
		p.RiskReview = ReviewPending
	}
	if d.Outcome != RiskAccept {
		if err := tx.UpdatePayment(ctx, p); err != nil {
			return err
		}
	}
	return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRisk, Detail: decisionSummary(d)})
}

// decisionSummary is a decision in one line, for the payment's history.
func decisionSummary(d *RiskDecision) string {
	names := make([]string, len(d.Verdict.Fired))
	for i, f := range d.Verdict.Fired {
		names[i] = f.Name
	}
	text := fmt.Sprintf("%s by rule set %d (score %d", d.Outcome, d.Verdict.Version, d.Verdict.Score)
	if d.Verdict.Reason != "" {
		text += ", " + d.Verdict.Reason
	}
	text += ")"
	if len(names) > 0 {
		text += ": " + strings.Join(names, ", ")
	}
	return text + "; decision " + d.ID
}

// errRefundHeld answers a refund the risk engine holds: its outcome is not known yet.
var errRefundHeld = &Error{Code: EUnknown, Message: "the refund is held for review by entrypay's risk control; call inquiryRefund for its outcome"}

// judgeRefund decides a new refund inside the transaction that records it.
func (g *Gateway) judgeRefund(ctx context.Context, tx Tx, m *Merchant, p *Payment, r *Refund, refundedBefore int64, now time.Time) error {
	s, keys, err := g.refundSignals(ctx, tx, m, p, r, refundedBefore, now)
	if err != nil {
		return err
	}
	d, err := g.decide(ctx, tx, s, keys, p.ID, r.ID, "", now)
	if err != nil {
		return err
	}
	switch d.Outcome {
	case RiskReject:
		if err := r.moveTo(RefundFail, now); err != nil {
			return err
		}
		r.ResultCode, r.ResultMessage = string(ERiskReject), riskMessage(d)
	case RiskReview:
		r.RiskReview = ReviewPending
	}
	if d.Outcome != RiskAccept {
		if err := tx.UpdateRefund(ctx, r); err != nil {
			return err
		}
	}
	return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRisk, Detail: "refund " + r.ID + ": " + decisionSummary(d)})
}

// ReviewHeld ends an operator's review of a held payment or refund. Release sends it to
// the wallet side (the customer, waiting on the hold page, goes on to the cashier);
// reject fails it with RISK_REJECT, undoes any reservation and, for a payment, notifies
// the merchant. The decision records who did which, when. A decision no longer pending is
// EStatusInvalid and changes nothing.
func (g *Gateway) ReviewHeld(ctx context.Context, decisionID, operator string, release bool) (*RiskDecision, error) {
	return g.reviewHeld(ctx, decisionID, operator, "", release, nil)
}

// reviewHeld is ReviewHeld; note, when given, goes into the payment's history, and
// audit, when set, is given the transaction to record who reviewed it.
func (g *Gateway) reviewHeld(ctx context.Context, decisionID, operator, note string, release bool, audit func(tx Tx, d *RiskDecision, now time.Time) error) (*RiskDecision, error) {
	if operator == "" {
		operator = "operator"
	}
	now := g.now()
	var d *RiskDecision
	var p *Payment
	var r *Refund
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if d, err = tx.RiskDecision(ctx, decisionID, true); err != nil {
			return notFound(err, ENotFound, "no risk decision %q", clip(decisionID))
		}
		if d.Review != ReviewPending {
			return Errorf(EStatusInvalid, "decision %s is not waiting for review (review %q)", d.ID, d.Review)
		}
		if p, err = tx.Payment(ctx, PaymentQuery{ID: d.PaymentID, ForUpdate: true}); err != nil {
			return err
		}
		d.ReviewedBy, d.ReviewedAt = operator, now
		if d.RefundID != "" {
			if r, err = tx.Refund(ctx, RefundQuery{ID: d.RefundID, ForUpdate: true}); err != nil {
				return err
			}
			err = g.reviewRefund(ctx, tx, d, p, r, release, note, now)
		} else {
			err = g.reviewPayment(ctx, tx, d, p, release, note, now)
		}
		if err != nil || audit == nil {
			return err
		}
		return audit(tx, d, now)
	})
	if err != nil {
		return nil, err
	}
	if !release {
		return d, nil
	}
	if r != nil {
		_, err = g.sendRefund(ctx, p, r)
	} else if p.Status == PaymentProcessing {
		var m *Merchant
		if m, err = g.Merchant(ctx, p.MerchantID); err == nil {
			_, err = g.sendToWallet(ctx, m, p)
		}
	}
	return d, err
}

func (g *Gateway) reviewPayment(ctx context.Context, tx Tx, d *RiskDecision, p *Payment, release bool, note string, now time.Time) error {
	if p.Status != PaymentProcessing || !now.Before(p.ExpiresAt) {
		return g.expireHeld(ctx, tx, d, p, now)
	}
	detail := "released after review by " + d.ReviewedBy
	d.Review, p.RiskReview = ReviewReleased, ReviewReleased
	if !release {
		detail = "rejected after review by " + d.ReviewedBy
		d.Review, p.RiskReview = ReviewRejected, ReviewRejected
		if err := p.moveTo(PaymentFail, now); err != nil {
			return err
		}
		g.ended(tx, p)
		p.ResultCode, p.ResultMessage = string(ERiskReject), "refused by entrypay's risk control after review"
		if err := g.declinePayment(ctx, tx, p); err != nil {
			return err
		}
	}
	if err := tx.UpdateRiskDecision(ctx, d); err != nil {
		return err
	}
	if err := tx.UpdatePayment(ctx, p); err != nil {
		return err
	}
	if note != "" {
		detail += ": " + note
	}
	if err := tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRisk, Detail: detail + "; decision " + d.ID}); err != nil {
		return err
	}
	if !release {
		return g.queueNotification(ctx, tx, p, now)
	}
	return nil
}

func (g *Gateway) reviewRefund(ctx context.Context, tx Tx, d *RiskDecision, p *Payment, r *Refund, release bool, note string, now time.Time) error {
	if r.Status != RefundProcessing {
		return Errorf(EStatusInvalid, "refund %s is already %s", r.ID, r.Status)
	}
	detail := "released after review by " + d.ReviewedBy
	d.Review, r.RiskReview = ReviewReleased, ReviewReleased
	if release {
		// If the wallet side does not answer the release, the refund is retried.
		if err := tx.Enqueue(ctx, Job{Kind: JobRetryRefund, Subject: r.ID, RunAt: now.Add(g.cfg.RefundRetry)}); err != nil {
			return err
		}
	} else {
		detail = "rejected after review by " + d.ReviewedBy
		d.Review, r.RiskReview = ReviewRejected, ReviewRejected
		if err := r.moveTo(RefundFail, now); err != nil {
			return err
		}
		r.ResultCode, r.ResultMessage = string(ERiskReject), "refused by entrypay's risk control after review"
		if err := g.releaseRefund(ctx, tx, p, r, now); err != nil {
			return err
		}
		if err := g.declineRefund(ctx, tx, r); err != nil {
			return err
		}
	}
	if err := tx.UpdateRiskDecision(ctx, d); err != nil {
		return err
	}
	if err := tx.UpdateRefund(ctx, r); err != nil {
		return err
	}
	if note != "" {
		detail += ": " + note
	}
	return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRisk, Detail: "refund " + r.ID + " " + detail + "; decision " + d.ID})
}

// expireHeld closes a held payment whose time ran out before anyone reviewed it.
func (g *Gateway) expireHeld(ctx context.Context, tx Tx, d *RiskDecision, p *Payment, now time.Time) error {
	if d != nil && d.Review == ReviewPending {
		d.Review = ReviewExpired
		if err := tx.UpdateRiskDecision(ctx, d); err != nil {
			return err
		}
	}
	if p.Status != PaymentProcessing {
		return Errorf(EStatusInvalid, "payment %s is already %s", p.ID, p.Status)
	}
	if err := p.moveTo(PaymentFail, now); err != nil {
		return err
	}
	g.ended(tx, p)
	p.RiskReview = ReviewExpired
	p.ResultCode, p.ResultMessage = string(EOrderClosed), "the payment expired while held for risk review"
	if err := g.declinePayment(ctx, tx, p); err != nil {
		return err
	}
	if err := tx.UpdatePayment(ctx, p); err != nil {
		return err
	}
	if err := tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventClosed, Detail: "expired while held for risk review"}); err != nil {
		return err
	}
	return g.queueNotification(ctx, tx, p, now)
}

// closeHeld is WatchPayment's work for a payment held for review: nothing to ask the
// wallet side (it never saw the payment); at expiry it is closed here.
func (g *Gateway) closeHeld(ctx context.Context, p *Payment) (time.Duration, error) {
	now := g.now()
	if now.Before(p.ExpiresAt) {
		return min(g.cfg.WatchMax, p.ExpiresAt.Sub(now)), nil
	}
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Payment(ctx, PaymentQuery{ID: p.ID, ForUpdate: true})
		if err != nil || cur.Status != PaymentProcessing || cur.RiskReview != ReviewPending {
			return err // reviewed meanwhile
		}
		ds, err := tx.RiskDecisions(ctx, RiskDecisionQuery{PaymentID: p.ID, Review: ReviewPending})
		if err != nil {
			return err
		}
		var d *RiskDecision
		if len(ds) > 0 {
			if d, err = tx.RiskDecision(ctx, ds[0].ID, true); err != nil {
				return err
			}
		}
		return g.expireHeld(ctx, tx, d, cur, now)
	})
	return 0, err
}
