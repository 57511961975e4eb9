package http

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/wallets"
)

// Console is what the operator console needs from the gateway. The changes take the
// operator (for the audit log) and refuse anyone else with entrypay.ErrForbidden; bad
// input is an EInvalid error whose message names the field.
type Console interface {
	ConsoleMerchants(ctx context.Context) ([]*entrypay.Merchant, error)
	Merchant(ctx context.Context, id string) (*entrypay.Merchant, error)
	OnboardMerchant(ctx context.Context, by *entrypay.User, in entrypay.NewMerchant) (*entrypay.Merchant, error)
	CreateUser(ctx context.Context, in entrypay.NewUser, by string) (*entrypay.User, string, error)
	PricingOf(ctx context.Context, merchantID string) (*entrypay.Pricing, error)
	SetPricingAsOperator(ctx context.Context, by *entrypay.User, p entrypay.Pricing) (*entrypay.Pricing, error)
	SetKYB(ctx context.Context, by *entrypay.User, id string, status entrypay.KYBStatus, note string) (*entrypay.Merchant, error)
	SetSettlementCurrency(ctx context.Context, by *entrypay.User, id, currency string) (*entrypay.Merchant, error)
	SetLimits(ctx context.Context, by *entrypay.User, id string, maxPayment, maxDaily int64) (*entrypay.Merchant, error)
	SetTimeZone(ctx context.Context, by *entrypay.User, id, name string) (*entrypay.Merchant, error)
	SetMerchantEnabled(ctx context.Context, by *entrypay.User, id string, enabled bool, reason string) (*entrypay.Merchant, error)
	WalletStats(ctx context.Context, from, to time.Time) ([]entrypay.WalletStats, error)
	Rates(ctx context.Context) ([]entrypay.Rate, error)
	RateSets(ctx context.Context, limit int) ([]entrypay.RateSet, error)
	UploadRates(ctx context.Context, by *entrypay.User, rates []entrypay.Rate) error
}

// AlipayConnection is one of the gateway's connections to a wallet network.
type AlipayConnection struct {
	// Network is the payments' network (entrypay.NetworkAlipayPlus or NetworkSandbox).
	Network  string
	Endpoint string
	// ClientID is entrypay's client id at the network; PeerKey the network's public key.
	ClientID string
	PeerKey  *rsa.PublicKey
}

// fingerprint is the SHA-256 of a public key's DER (SubjectPublicKeyInfo), as the
// developers page shows merchants' keys.
func fingerprint(pub *rsa.PublicKey) string {
	if pub == nil {
		return ""
	}
	return entrypay.KeyFingerprint(antomsig.EncodePublicKey(pub))
}

// countRow is a label and a count, for the console's tables.
type countRow struct {
	Label string
	Count int
}

type consoleHomePage struct {
	dashPage
	Day       string
	Merchants int
	Disabled  int
	KYB       []countRow
	Payments  []countRow
	Total     int
}

// utcDay is the UTC day of t: [start, start+24h).
func utcDay(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// consoleHome is the operator console's first page: merchants by KYB status, today's
// payments by status, and a link to every console page.
func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	ms, err := s.cfg.Console.ConsoleMerchants(ctx)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	day := utcDay(s.cfg.Now())
	stats, err := s.cfg.Console.WalletStats(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := consoleHomePage{dashPage: basePage(ds, nil, "Operator console"), Day: day.Format(time.DateOnly), Merchants: len(ms)}
	kyb := map[entrypay.KYBStatus]int{}
	for _, m := range ms {
		kyb[kybOf(m)]++
		if m.Disabled {
			p.Disabled++
		}
	}
	for _, st := range []entrypay.KYBStatus{entrypay.KYBPending, entrypay.KYBApproved, entrypay.KYBRejected} {
		p.KYB = append(p.KYB, countRow{string(st), kyb[st]})
	}
	var all entrypay.WalletStats
	for _, st := range stats {
		all.Add(st)
	}
	p.Payments = []countRow{{"PROCESSING", all.Processing}, {"SUCCESS", all.Success}, {"FAIL", all.Fail}, {"CANCELLED", all.Cancelled}}
	p.Total = all.Payments()
	s.dashRender(w, r, http.StatusOK, "console-home", p)
}

func kybOf(m *entrypay.Merchant) entrypay.KYBStatus {
	if m.KYBStatus == "" {
		return entrypay.KYBPending
	}
	return m.KYBStatus
}

func modeOf(m *entrypay.Merchant) string {
	if m.Sandbox() {
		return "sandbox"
	}
	return "live"
}

// merchantRow is a merchant as the console lists it.
type merchantRow struct {
	M    *entrypay.Merchant
	KYB  entrypay.KYBStatus
	Mode string
}

type consoleMerchantsPage struct {
	dashPage
	Rows []merchantRow
}

func (s *Server) consoleMerchants(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ms, err := s.cfg.Console.ConsoleMerchants(r.Context())
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := consoleMerchantsPage{dashPage: basePage(ds, nil, "Merchants — Operator console")}
	for _, m := range ms {
		p.Rows = append(p.Rows, merchantRow{M: m, KYB: kybOf(m), Mode: modeOf(m)})
	}
	s.dashRender(w, r, http.StatusOK, "console-merchants", p)
}

// onboardForm is the onboarding form's fields as typed.
type onboardForm struct {
	Name, MCC, Region, SettlementCurrency, PublicKey, TimeZone, NotifyURL, Mode string
}

type consoleNewMerchantPage struct {
	dashPage
	Form onboardForm
}

func (s *Server) consoleNewMerchant(w http.ResponseWriter, r *http.Request, ds dashSession) {
	p := consoleNewMerchantPage{dashPage: basePage(ds, nil, "Onboard a merchant — Operator console"), Form: onboardForm{TimeZone: "UTC", Mode: "sandbox"}}
	s.dashRender(w, r, http.StatusOK, "console-merchant-new", p)
}

// consoleCreateMerchant onboards a merchant from the form and sends the operator to its
// page, which shows the client id and offers to invite the owner.
func (s *Server) consoleCreateMerchant(w http.ResponseWriter, r *http.Request, ds dashSession) {
	f := onboardForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), MCC: strings.TrimSpace(r.PostFormValue("mcc")),
		Region: strings.ToUpper(strings.TrimSpace(r.PostFormValue("region"))), SettlementCurrency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("settlement_currency"))),
		PublicKey: strings.TrimSpace(r.PostFormValue("public_key")), TimeZone: strings.TrimSpace(r.PostFormValue("time_zone")),
		NotifyURL: strings.TrimSpace(r.PostFormValue("notify_url")), Mode: r.PostFormValue("mode"),
	}
	again := func(msg string) {
		p := consoleNewMerchantPage{dashPage: basePage(ds, nil, "Onboard a merchant — Operator console"), Form: f}
		p.Error = "Merchant not created: " + msg
		s.dashRender(w, r, http.StatusUnprocessableEntity, "console-merchant-new", p)
	}
	if f.Mode != "sandbox" && f.Mode != "live" {
		again("mode must be sandbox or live.")
		return
	}
	if f.PublicKey == "" {
		again("public key is required (the merchant's RSA public key, PEM).")
		return
	}
	pub, err := antomsig.ParsePublicKey([]byte(f.PublicKey))
	if err != nil {
		again("public key is not an RSA public key in PEM or base64 DER.")
		return
	}
	if f.TimeZone == "" {
		f.TimeZone = "UTC"
	}
	m, err := s.cfg.Console.OnboardMerchant(r.Context(), ds.user, entrypay.NewMerchant{
		Name: f.Name, MCC: f.MCC, Region: f.Region, SettlementCurrency: f.SettlementCurrency, NotifyURL: f.NotifyURL,
		Sandbox: f.Mode == "sandbox", TimeZone: f.TimeZone, PublicKey: antomsig.EncodePublicKey(pub),
	})
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/dashboard/operator/merchants/"+url.PathEscape(m.ID)+"?done=created", http.StatusSeeOther)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "This page is for entrypay's operators.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		again(entrypay.ErrorMessage(err) + ".")
	}
}

// merchantForms are the values the merchant page's forms show: the stored ones, or
// what the operator typed into the form that was refused.
type merchantForms struct {
	KYBStatus, KYBNote, SettlementCurrency             string
	DiscountRateBps, FixedFee, FXSpreadBps             string
	RefundFeeReturned                                  bool
	MaxPayment, MaxDaily, TimeZone, OwnerEmail, Reason string
}

type consoleMerchantPage struct {
	dashPage
	M       *entrypay.Merchant
	KYB     entrypay.KYBStatus
	Mode    string
	Pricing *entrypay.Pricing
	// GatewayKey is entrypay's public key, which the merchant verifies answers with.
	GatewayKey  string
	Form        merchantForms
	KYBStatuses []entrypay.KYBStatus
	// Invited is the owner just invited, with the one-time link shown once.
	InvitedEmail, InviteLink string
}

var consoleNotices = map[string]string{
	"created":  "Merchant created. Give the client id and entrypay's public key below to the merchant, and invite its owner.",
	"kyb":      "KYB status saved.",
	"currency": "Settlement currency saved.",
	"pricing":  "Fees saved.",
	"limits":   "Limits saved.",
	"timezone": "Time zone saved.",
	"status":   "Status saved.",
}

// merchantPage renders a merchant's page; a merchant that does not exist is a 404 page.
func (s *Server) merchantPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, edit func(p *consoleMerchantPage)) {
	ctx := r.Context()
	m, err := s.cfg.Console.Merchant(ctx, r.PathValue("id"))
	if err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.EInternal {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		s.dashError(w, r, http.StatusNotFound, "There is no such merchant.", nil)
		return
	}
	pricing, err := s.cfg.Console.PricingOf(ctx, m.ID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := consoleMerchantPage{
		dashPage: basePage(ds, nil, m.Name+" — Merchants — Operator console"),
		M:        m, KYB: kybOf(m), Mode: modeOf(m), Pricing: pricing,
		KYBStatuses: []entrypay.KYBStatus{entrypay.KYBPending, entrypay.KYBApproved, entrypay.KYBRejected},
		Form: merchantForms{
			KYBStatus: string(kybOf(m)), KYBNote: m.KYBNote, SettlementCurrency: m.SettlementCurrency,
			DiscountRateBps: strconv.FormatInt(pricing.DiscountRateBps, 10), FXSpreadBps: strconv.FormatInt(pricing.FXSpreadBps, 10),
			RefundFeeReturned: pricing.RefundFeeReturned, FixedFee: majorOrEmpty(pricing.FixedFee.Value, m.SettlementCurrency),
			MaxPayment: majorOrEmpty(m.MaxPayment, m.SettlementCurrency), MaxDaily: majorOrEmpty(m.MaxDaily, m.SettlementCurrency),
			TimeZone: firstNonEmpty(m.TimeZone, "UTC"),
		},
	}
	if s.cfg.Key != nil {
		p.GatewayKey = antomsig.EncodePublicKey(&s.cfg.Key.PublicKey)
	}
	p.Notice = consoleNotices[r.URL.Query().Get("done")]
	if edit != nil {
		edit(&p)
	}
	s.dashRender(w, r, status, "console-merchant", p)
}

// majorOrEmpty formats minor units in major units, "" for 0.
func majorOrEmpty(v int64, currency string) string {
	if v == 0 {
		return ""
	}
	d, _ := entrypay.Digits(currency)
	return entrypay.FormatMinor(v, d)
}

func (s *Server) consoleMerchant(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.merchantPage(w, r, ds, http.StatusOK, nil)
}

// consoleMerchantChange handles the merchant page's forms, one per {form}: on success
// back to the page with a notice (303); bad input re-renders the page with 422, the
// message naming the field, the form as typed, and nothing written.
func (s *Server) consoleMerchantChange(w http.ResponseWriter, r *http.Request, ds dashSession) {
	ctx := r.Context()
	form := r.PathValue("form")
	m, err := s.cfg.Console.Merchant(ctx, r.PathValue("id"))
	if err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.EInternal {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		s.dashError(w, r, http.StatusNotFound, "There is no such merchant.", nil)
		return
	}
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	var typed func(f *merchantForms)
	var what string
	switch form {
	case "kyb":
		what = "KYB status not saved"
		typed = func(f *merchantForms) { f.KYBStatus, f.KYBNote = v("kyb_status"), v("kyb_note") }
		_, err = s.cfg.Console.SetKYB(ctx, ds.user, m.ID, entrypay.KYBStatus(v("kyb_status")), v("kyb_note"))
	case "currency":
		what = "Settlement currency not saved"
		typed = func(f *merchantForms) { f.SettlementCurrency = v("settlement_currency") }
		_, err = s.cfg.Console.SetSettlementCurrency(ctx, ds.user, m.ID, strings.ToUpper(v("settlement_currency")))
	case "pricing":
		what = "Fees not saved"
		typed = func(f *merchantForms) {
			f.DiscountRateBps, f.FixedFee, f.FXSpreadBps = v("discount_rate_bps"), v("fixed_fee"), v("fx_spread_bps")
			f.RefundFeeReturned = r.PostFormValue("refund_fee_returned") != ""
		}
		err = s.setPricing(ctx, ds.user, m, v)
	case "limits":
		what = "Limits not saved"
		typed = func(f *merchantForms) { f.MaxPayment, f.MaxDaily = v("max_payment"), v("max_daily") }
		var maxPayment, maxDaily int64
		if maxPayment, err = limitValue("per-payment maximum", v("max_payment"), m.SettlementCurrency); err == nil {
			if maxDaily, err = limitValue("daily maximum", v("max_daily"), m.SettlementCurrency); err == nil {
				_, err = s.cfg.Console.SetLimits(ctx, ds.user, m.ID, maxPayment, maxDaily)
			}
		}
	case "timezone":
		what = "Time zone not saved"
		typed = func(f *merchantForms) { f.TimeZone = v("time_zone") }
		_, err = s.cfg.Console.SetTimeZone(ctx, ds.user, m.ID, v("time_zone"))
	case "status":
		what = "Status not changed"
		typed = func(f *merchantForms) { f.Reason = v("reason") }
		switch v("enabled") {
		case "true", "false":
			_, err = s.cfg.Console.SetMerchantEnabled(ctx, ds.user, m.ID, v("enabled") == "true", v("reason"))
		default:
			err = entrypay.Errorf(entrypay.EInvalid, "enabled must be true or false")
		}
	case "invite":
		s.consoleInvite(w, r, ds, m)
		return
	default:
		s.dashError(w, r, http.StatusNotFound, "There is no such form.", nil)
		return
	}
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/dashboard/operator/merchants/"+url.PathEscape(m.ID)+"?done="+form, http.StatusSeeOther)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "This page is for entrypay's operators.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	case code == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, "There is no such merchant.", nil)
	default:
		s.merchantPage(w, r, ds, http.StatusUnprocessableEntity, func(p *consoleMerchantPage) {
			p.Notice = ""
			p.Error = what + ": " + entrypay.ErrorMessage(err) + "."
			typed(&p.Form)
		})
	}
}

// limitValue reads a limit typed in major units of the settlement currency; empty or 0
// is no limit.
func limitValue(field, typed, currency string) (int64, error) {
	if strings.Trim(typed, "0.,") == "" {
		return 0, nil
	}
	a, err := entrypay.ParseMajor(field, typed, currency)
	if err != nil {
		return 0, err
	}
	return a.Value, nil
}

func (s *Server) setPricing(ctx context.Context, by *entrypay.User, m *entrypay.Merchant, v func(string) string) error {
	bps := func(field, typed string) (int64, error) {
		if typed == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(typed, 10, 64)
		if err != nil || n < 0 {
			return 0, entrypay.Errorf(entrypay.EInvalid, "%s %q must be a whole number of basis points (1 bp = 0.01 %%)", field, clipString(typed, 20))
		}
		return n, nil
	}
	p := entrypay.Pricing{MerchantID: m.ID, RefundFeeReturned: v("refund_fee_returned") != ""}
	var err error
	if p.DiscountRateBps, err = bps("discount rate", v("discount_rate_bps")); err != nil {
		return err
	}
	if p.FXSpreadBps, err = bps("FX spread", v("fx_spread_bps")); err != nil {
		return err
	}
	fee, err := limitValue("fixed fee", v("fixed_fee"), m.SettlementCurrency)
	if err != nil {
		return err
	}
	if fee != 0 {
		p.FixedFee = entrypay.Amount{Value: fee, Currency: m.SettlementCurrency}
	}
	_, err = s.cfg.Console.SetPricingAsOperator(ctx, by, p)
	return err
}

// consoleInvite creates the merchant's owner and shows the one-time link, once.
func (s *Server) consoleInvite(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant) {
	email := strings.TrimSpace(r.PostFormValue("email"))
	u, token, err := s.cfg.Console.CreateUser(r.Context(), entrypay.NewUser{MerchantID: m.ID, Email: email, Role: entrypay.RoleOwner}, ds.user.Email)
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		s.merchantPage(w, r, ds, http.StatusOK, func(p *consoleMerchantPage) {
			p.Notice = "Owner " + u.Email + " invited. Send them the link below; it works once, for " + strconv.Itoa(int(entrypay.InviteLinkTTL.Hours())) + " hours."
			p.InvitedEmail, p.InviteLink = u.Email, strings.TrimRight(s.cfg.PublicURL, "/")+"/dashboard/link/"+token
		})
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		s.merchantPage(w, r, ds, http.StatusUnprocessableEntity, func(p *consoleMerchantPage) {
			p.Error = "Owner not invited: " + entrypay.ErrorMessage(err) + "."
			p.Form.OwnerEmail = email
		})
	}
}

// healthRow is a network's or a wallet's figures on the wallets page.
type healthRow struct {
	Network, Wallet, Name string
	Stats                 entrypay.WalletStats
	Payments              int
	SuccessRate           string
	Health                string
}

func healthOf(network, wallet, name string, st entrypay.WalletStats) healthRow {
	row := healthRow{Network: network, Wallet: wallet, Name: name, Stats: st, Payments: st.Payments(), Health: st.Health(), SuccessRate: "—"}
	if pm := st.SuccessPermille(); pm >= 0 {
		row.SuccessRate = fmt.Sprintf("%d.%d %%", pm/10, pm%10)
	}
	return row
}

type connectionRow struct {
	Network, Endpoint, ClientID, PeerFingerprint string
}

type consoleWalletsPage struct {
	dashPage
	From, To       string
	Networks       []healthRow
	Wallets        []healthRow
	Table          []wallets.Wallet
	Connections    []connectionRow
	KeyVersion     int
	KeyFingerprint string
	MinPayments    int
	BadPercent     int
}

// consoleWallets shows the wallets entrypay knows, its connections to the networks, and
// each network's and wallet's last 24 hours.
func (s *Server) consoleWallets(w http.ResponseWriter, r *http.Request, ds dashSession) {
	to := s.cfg.Now().UTC()
	from := to.Add(-24 * time.Hour)
	stats, err := s.cfg.Console.WalletStats(r.Context(), from, to.Add(time.Microsecond))
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := consoleWalletsPage{
		dashPage: basePage(ds, nil, "Wallets — Operator console"),
		From:     from.Format("2006-01-02 15:04") + " UTC", To: to.Format("2006-01-02 15:04") + " UTC",
		Table: s.cfg.Wallets.Wallets, KeyVersion: s.cfg.KeyVersion,
		MinPayments: entrypay.HealthMinPayments, BadPercent: entrypay.HealthBadPercent,
	}
	if s.cfg.Key != nil {
		p.KeyFingerprint = fingerprint(&s.cfg.Key.PublicKey)
	}
	for _, c := range s.cfg.AlipayPlus {
		p.Connections = append(p.Connections, connectionRow{Network: c.Network, Endpoint: c.Endpoint, ClientID: c.ClientID, PeerFingerprint: fingerprint(c.PeerKey)})
	}
	var networks []string
	byNetwork := map[string]*entrypay.WalletStats{}
	for _, st := range stats {
		if byNetwork[st.Network] == nil {
			byNetwork[st.Network] = &entrypay.WalletStats{Network: st.Network}
			networks = append(networks, st.Network)
		}
		byNetwork[st.Network].Add(st)
		name := st.Wallet
		if wl, ok := s.cfg.Wallets.Wallet(st.Wallet); ok {
			name = wl.Name
		}
		p.Wallets = append(p.Wallets, healthOf(st.Network, st.Wallet, name, st))
	}
	// A configured network with no payments is listed too.
	for _, c := range s.cfg.AlipayPlus {
		if byNetwork[c.Network] == nil {
			byNetwork[c.Network] = &entrypay.WalletStats{Network: c.Network}
			networks = append(networks, c.Network)
		}
	}
	for _, n := range networks {
		p.Networks = append(p.Networks, healthOf(n, "", "", *byNetwork[n]))
	}
	s.dashRender(w, r, http.StatusOK, "console-wallets", p)
}

// rateSetsShown is how many of the newest rate sets the FX page lists.
const rateSetsShown = 20

type consoleFXPage struct {
	dashPage
	Rates []entrypay.Rate
	Sets  []entrypay.RateSet
	Text  string
}

func (s *Server) fxPage(w http.ResponseWriter, r *http.Request, ds dashSession, status int, edit func(p *consoleFXPage)) {
	ctx := r.Context()
	rates, err := s.cfg.Console.Rates(ctx)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	sets, err := s.cfg.Console.RateSets(ctx, rateSetsShown)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := consoleFXPage{dashPage: basePage(ds, nil, "FX rates — Operator console"), Rates: rates, Sets: sets}
	if n := r.URL.Query().Get("stored"); n != "" {
		if _, err := strconv.Atoi(n); err == nil {
			p.Notice = n + " rates stored."
		}
	}
	if edit != nil {
		edit(&p)
	}
	s.dashRender(w, r, status, "console-fx", p)
}

func (s *Server) consoleFX(w http.ResponseWriter, r *http.Request, ds dashSession) {
	s.fxPage(w, r, ds, http.StatusOK, nil)
}

// consoleUploadRates stores the rates typed in the rates file format: every line is
// checked first, and one bad line stores none.
func (s *Server) consoleUploadRates(w http.ResponseWriter, r *http.Request, ds dashSession) {
	text := r.PostFormValue("rates")
	rates, err := fx.ParseRatesFile(strings.NewReader(text), "console", s.cfg.Now())
	if err == nil {
		err = s.cfg.Console.UploadRates(r.Context(), ds.user, rates)
	}
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/dashboard/operator/fx?stored="+strconv.Itoa(len(rates)), http.StatusSeeOther)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "This page is for entrypay's operators.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		s.fxPage(w, r, ds, http.StatusUnprocessableEntity, func(p *consoleFXPage) {
			p.Error = "Rates not stored, none of them: " + entrypay.ErrorMessage(err) + "."
			p.Text = text
		})
	}
}
