package http

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/bojanz/currency"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/i18n"
	"github.com/entrypay/entrypay/internal/qrimage"
)

// Pages is what the customer pages need from the gateway.
type Pages interface {
	CodePage(ctx context.Context, value string) (*entrypay.CodePage, error)
	PayAtCode(ctx context.Context, in entrypay.CodePayment) (*entrypay.Payment, error)
	Payment(ctx context.Context, m *entrypay.Merchant, ref entrypay.PaymentRef) (*entrypay.Payment, []*entrypay.Refund, error)
	Branding(ctx context.Context, merchantID string) (*entrypay.Branding, error)
	PaymentByID(ctx context.Context, id string) (*entrypay.Payment, error)
}

//go:embed templates/*.html static/*
var pageFiles embed.FS

var pageTemplates = template.Must(template.New("").ParseFS(pageFiles, "templates/*.html"))

// maxFormBytes caps the amount form.
const maxFormBytes = 16 << 10

// requestToken is the hosted page's one-time paymentRequestId: resubmitting the same form
// (a double tap, a reload) creates one payment.
var requestToken = regexp.MustCompile(`^ec_[0-9A-Z]{20}$`)

func newRequestToken() string { return "ec_" + entrypay.RandomCode(20) }

// localizer is what templates call for texts: {{.L.T "key" "name" value}}.
type localizer struct {
	cat  *i18n.Catalog
	lang string
}

// T returns a message in the page's language.
func (l localizer) T(key string, args ...string) string { return l.cat.T(l.lang, key, args...) }

type langLink struct {
	Tag, Name, URL string
	Current        bool
}

// page is what every customer page template gets.
type page struct {
	L         localizer
	Lang      string
	Title     string
	Accent    string
	Languages []langLink
	// Refresh makes the page reload itself after that many seconds (no-JS fallback).
	Refresh int

	Store       *entrypay.Store
	StoreName   string
	DisplayName string
	LogoURL     template.URL // a path, or the dashboard preview's data: URL of a checked image
	Greeting    string
	Code        string
	CodeURL     string

	// Amount page.
	Wallet       string
	Currency     string
	Digits       int
	Locale       string
	Fixed        string
	Presets      []preset
	Token        string
	Amount       string
	Note         string
	Error        string
	Action       string
	DecimalKey   string
	Separator    string
	WalletsNames []string

	// Result page.
	Status     string
	Final      bool
	StatusURL  string
	PaidAmount string
	Time       string
	Reference  string
	Reason     string
	BackURL    string
}

type preset struct {
	Minor int64
	Label string
}

// localeFor is the CLDR locale amounts are written in: the page language, in the wallet's
// country when the wallet is known (the Alipay+ rule: separators follow the wallet's
// country).
func (s *Server) localeFor(lang, wallet string) string {
	if w, ok := s.cfg.Wallets.Wallet(wallet); ok && w.Region != "" {
		base := lang
		if i := strings.IndexByte(lang, '-'); i > 0 && lang != "zh-Hans" && lang != "zh-Hant" {
			base = lang[:i]
		}
		return base + "-" + w.Region
	}
	return lang
}

// formatAmount writes a in the locale's way ("HK$12.50", "₩1,500").
func formatAmount(a entrypay.Amount, locale string) string {
	amt, err := currency.NewAmountFromInt64(a.Value, a.Currency)
	if err != nil {
		return a.String()
	}
	return currency.NewFormatter(currency.NewLocale(locale)).Format(amt)
}

func (s *Server) basePage(r *http.Request, cp *entrypay.CodePage, wallet, lang string) page {
	p := page{L: localizer{s.cat, lang}, Lang: lang}
	q := r.URL.Query()
	for _, tag := range i18n.Tags {
		q.Set("lang", tag)
		p.Languages = append(p.Languages, langLink{Tag: tag, Name: s.cat.Name(tag), URL: r.URL.Path + "?" + q.Encode(), Current: tag == lang})
	}
	if cp == nil {
		return p
	}
	p.Store = cp.Store
	p.StoreName = cp.Store.Name
	p.DisplayName = firstNonEmpty(cp.Branding.DisplayName, cp.Store.DisplayName)
	if p.DisplayName == p.StoreName {
		p.DisplayName = ""
	}
	p.Accent = cp.Branding.Color
	if cp.Branding.LogoType != "" {
		p.LogoURL = template.URL("/m/" + url.PathEscape(cp.Merchant.ID) + "/logo")
	}
	p.Greeting = cp.Branding.Greetings[lang]
	if p.Greeting == "" {
		p.Greeting = cp.Branding.Greetings["en"]
	}
	p.Code = cp.Code.Value
	p.CodeURL = entrypay.CodeURL(s.cfg.PublicURL, cp.Code.Value)
	p.Currency = cp.Store.Currency
	p.Digits, _ = entrypay.Digits(p.Currency)
	p.Locale = s.localeFor(lang, wallet)
	return p
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// render writes a page with the security headers every customer page carries.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	var b strings.Builder
	if err := pageTemplates.ExecuteTemplate(&b, name, p); err != nil {
		s.logFrom(r.Context()).ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// codeValue reads the code from the path, in any case.
func codeValue(r *http.Request) string { return strings.ToUpper(r.PathValue("code")) }

// loadCode resolves the code for a page, rendering the unknown or disabled page itself
// and returning nil when there is nothing more to do.
//
// A code no longer active gets the "disabled" page, except for a submitted payment,
// which goes on so that the attempt is decided (and recorded) by the risk engine.
func (s *Server) loadCode(w http.ResponseWriter, r *http.Request) (*entrypay.CodePage, string, string) {
	ctx := r.Context()
	ua := r.UserAgent()
	wallet, _ := s.cfg.Wallets.Detect(ua)
	var walletLangs []string
	if wl, ok := s.cfg.Wallets.Wallet(wallet); ok {
		walletLangs = wl.Languages
	}
	lang := s.cat.Choose(r.FormValue("lang"), ua, r.Header.Get("Accept-Language"), walletLangs)
	cp, err := s.cfg.Pages.CodePage(ctx, codeValue(r))
	if err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.ENotFound {
			p := s.basePage(r, nil, wallet, lang)
			p.Title = p.L.T("code_unknown_title")
			s.render(w, r, http.StatusNotFound, "unknown", p)
			return nil, "", ""
		}
		s.pageError(w, r, err, lang)
		return nil, "", ""
	}
	if cp.Merchant.Disabled {
		// The operator disabled the merchant: no code of it takes payments.
		p := s.basePage(r, cp, wallet, lang)
		p.Title = p.L.T("merchant_off_title", "store", p.StoreName)
		s.render(w, r, http.StatusForbidden, "merchant-off", p)
		return nil, "", ""
	}
	if cp.Code.Status != entrypay.CodeActive && r.Method != http.MethodPost {
		s.renderDisabled(w, r, cp, wallet, lang)
		return nil, "", ""
	}
	return cp, wallet, lang
}

func (s *Server) renderDisabled(w http.ResponseWriter, r *http.Request, cp *entrypay.CodePage, wallet, lang string) {
	p := s.basePage(r, cp, wallet, lang)
	p.Title = p.L.T("code_disabled_title")
	s.render(w, r, http.StatusGone, "disabled", p)
}

func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error, lang string) {
	s.logFrom(r.Context()).ErrorContext(r.Context(), "customer page failed", "path", r.URL.Path, "err", err)
	p := s.basePage(r, nil, "", lang)
	p.Title = p.L.T("err_again")
	p.Error = p.L.T("err_again")
	s.render(w, r, http.StatusInternalServerError, "error", p)
}

// handleCodePage serves GET /c/{code}: the amount page inside a wallet, or an "open this
// code with your wallet app" page in a plain browser.
func (s *Server) handleCodePage() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cp, wallet, lang := s.loadCode(w, r)
		if cp == nil {
			return
		}
		if wallet == "" {
			s.renderOpenWallet(w, r, cp, lang)
			return
		}
		s.ensureDevice(w, r)
		s.renderAmount(w, r, cp, wallet, lang, newRequestToken(), "", "")
	})
}

func (s *Server) renderOpenWallet(w http.ResponseWriter, r *http.Request, cp *entrypay.CodePage, lang string) {
	p := s.basePage(r, cp, "", lang)
	p.Title = p.L.T("open_wallet_title")
	for _, wl := range s.cfg.Wallets.Wallets {
		p.WalletsNames = append(p.WalletsNames, wl.Name)
	}
	s.render(w, r, http.StatusOK, "openwallet", p)
}

func (s *Server) renderAmount(w http.ResponseWriter, r *http.Request, cp *entrypay.CodePage, wallet, lang, token, typed, errMsg string) {
	p := s.basePage(r, cp, wallet, lang)
	p.Note = noteOf(r)
	p.Title = p.L.T("pay_to", "store", p.StoreName)
	p.Wallet = p.L.T("any_wallet")
	if wl, ok := s.cfg.Wallets.Wallet(wallet); ok {
		p.Wallet = wl.Name
	}
	p.Token, p.Amount, p.Error = token, typed, errMsg
	p.Action = "/c/" + cp.Code.Value
	p.DecimalKey = "00"
	if p.Digits > 0 {
		p.DecimalKey = "."
	}
	if fixed := cp.Code.FixedAmount; fixed != (entrypay.Amount{}) {
		p.Fixed = formatAmount(fixed, p.Locale)
	} else {
		for _, v := range cp.Branding.PresetAmounts {
			p.Presets = append(p.Presets, preset{Minor: v, Label: formatAmount(entrypay.Amount{Value: v, Currency: p.Currency}, p.Locale)})
		}
	}
	status := http.StatusOK
	if errMsg != "" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "amount", p)
}

// handleCodeSubmit serves POST /c/{code}: it checks the amount, creates the payment and
// sends the customer to the wallet's cashier. Any problem re-renders the amount page with
// the message in the customer's language.
func (s *Server) handleCodeSubmit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		cp, wallet, lang := s.loadCode(w, r)
		if cp == nil {
			return
		}
		if wallet == "" {
			s.renderOpenWallet(w, r, cp, lang)
			return
		}
		l := localizer{s.cat, lang}
		token := r.PostFormValue("token")
		typed := strings.TrimSpace(r.PostFormValue("amount"))
		if len(typed) > 32 {
			typed = typed[:32]
		}
		again := func(msg string) { s.renderAmount(w, r, cp, wallet, lang, token, typed, msg) }
		if !requestToken.MatchString(token) {
			token = newRequestToken()
			again(l.T("err_again"))
			return
		}
		if !s.pages.allow(clientIP(r), s.cfg.Now()) {
			w.Header().Set("Retry-After", "10")
			p := s.basePage(r, cp, wallet, lang)
			p.Title, p.Error = l.T("err_busy"), l.T("err_busy")
			s.render(w, r, http.StatusTooManyRequests, "error", p)
			return
		}
		amount, err := s.chosenAmount(cp, r)
		if err != nil {
			again(s.amountMessage(l, err, cp, wallet, lang))
			return
		}
		if msg := s.walletMinimum(l, amount, wallet, lang); msg != "" {
			again(msg)
			return
		}
		resultURL := s.cfg.PublicURL + "/c/" + cp.Code.Value + "/r/" + token + "?lang=" + url.QueryEscape(lang)
		pay, err := s.cfg.Pages.PayAtCode(r.Context(), entrypay.CodePayment{
			Code: cp.Code.Value, RequestID: token, Amount: amount, Note: noteOf(r),
			UserAgent: r.UserAgent(), ClientIP: clientIP(r), ResultURL: resultURL,
			DeviceID: deviceID(r),
		})
		if err == nil && pay.CashierURL != "" {
			http.Redirect(w, r, pay.CashierURL, http.StatusSeeOther)
			return
		}
		if err == nil && pay.RiskReview == entrypay.ReviewPending {
			http.Redirect(w, r, s.holdURL(pay, lang), http.StatusSeeOther)
			return
		}
		if err == nil && pay.Status.Final() {
			// A repeat after the payment ended: show where it stands.
			http.Redirect(w, r, resultURL, http.StatusSeeOther)
			return
		}
		if err != nil && cp.Code.Status != entrypay.CodeActive {
			s.renderDisabled(w, r, cp, wallet, lang) // refused for that
			return
		}
		switch code := entrypay.ErrorCodeOf(err); code {
		case entrypay.EUnknown:
			again(l.T("err_retry")) // same token: the retry is the same payment
		case entrypay.EOrderClosed, entrypay.EOrderCanceled, entrypay.ERepeatInconsistent:
			token = newRequestToken()
			again(l.T("err_closed"))
		case entrypay.EInvalid:
			again(s.amountMessage(l, err, cp, wallet, lang))
		case entrypay.ERiskReject:
			// The customer is not told which rule: that would teach a fraudster.
			token = newRequestToken()
			again(l.T("err_risk"))
		case entrypay.EInternal:
			s.pageError(w, r, err, lang)
		default:
			token = newRequestToken()
			again(l.T("err_refused", "reason", entrypay.ErrorMessage(err)))
		}
	})
}

// noteOf is the customer's optional note: one line of printable text, at most 64
// characters.
func noteOf(r *http.Request) string {
	var b strings.Builder
	n := 0
	for _, c := range strings.TrimSpace(r.PostFormValue("note")) {
		if n == 64 {
			break
		}
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}

// chosenAmount is the code's fixed amount, a preset button, or the typed amount.
func (s *Server) chosenAmount(cp *entrypay.CodePage, r *http.Request) (entrypay.Amount, error) {
	if fixed := cp.Code.FixedAmount; fixed != (entrypay.Amount{}) {
		return fixed, nil
	}
	if v := r.PostFormValue("preset"); v != "" {
		minor, err := strconv.ParseInt(v, 10, 64)
		for _, allowed := range cp.Branding.PresetAmounts {
			if err == nil && minor == allowed {
				return entrypay.Amount{Value: minor, Currency: cp.Store.Currency}, nil
			}
		}
		return entrypay.Amount{}, &entrypay.Error{Code: entrypay.EInvalid, Message: "not a preset amount", Err: entrypay.ErrAmountFormat}
	}
	return entrypay.ParseMajor("amount", r.PostFormValue("amount"), cp.Store.Currency)
}

// amountMessage explains a refused amount in the customer's language.
func (s *Server) amountMessage(l localizer, err error, cp *entrypay.CodePage, wallet, lang string) string {
	cur := cp.Store.Currency
	digits, _ := entrypay.Digits(cur)
	locale := s.localeFor(lang, wallet)
	switch {
	case errors.Is(err, entrypay.ErrAmountDecimals):
		return l.T("err_amount_decimals", "currency", cur, "digits", strconv.Itoa(digits))
	case errors.Is(err, entrypay.ErrAmountWhole):
		return l.T("err_amount_whole", "currency", cur)
	case errors.Is(err, entrypay.ErrAmountZero):
		return l.T("err_amount_zero")
	case errors.Is(err, entrypay.ErrAmountTooLarge):
		if max := cp.Branding.MaxAmount; max > 0 {
			return l.T("err_amount_max", "max", formatAmount(entrypay.Amount{Value: max, Currency: cur}, locale))
		}
		return l.T("err_amount_format")
	}
	if fixed := cp.Code.FixedAmount; fixed != (entrypay.Amount{}) {
		return l.T("err_amount_fixed", "amount", formatAmount(fixed, locale))
	}
	return l.T("err_amount_format")
}

// walletMinimum applies the wallet's smallest payment when it is in the same currency;
// across currencies the wallet side applies it after conversion.
func (s *Server) walletMinimum(l localizer, a entrypay.Amount, wallet, lang string) string {
	w, ok := s.cfg.Wallets.Wallet(wallet)
	if !ok || w.Currency != a.Currency || a.Value >= w.MinAmount {
		return ""
	}
	return l.T("err_amount_min", "wallet", w.Name, "min", formatAmount(entrypay.Amount{Value: w.MinAmount, Currency: a.Currency}, s.localeFor(lang, wallet)))
}

// clientIP is the customer's address as this server saw it. Behind a proxy the operator
// would put the proxy's header here; entrypay does not trust X-Forwarded-For by default.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// resultOf finds the payment a result page is about.
func (s *Server) resultOf(r *http.Request) (*entrypay.CodePage, *entrypay.Payment, error) {
	cp, err := s.cfg.Pages.CodePage(r.Context(), codeValue(r))
	if err != nil {
		return nil, nil, err
	}
	token := r.PathValue("token")
	if !requestToken.MatchString(token) {
		return cp, nil, entrypay.Errorf(entrypay.ENotFound, "no such payment")
	}
	p, _, err := s.cfg.Pages.Payment(r.Context(), cp.Merchant, entrypay.PaymentRef{RequestID: token})
	return cp, p, err
}

// handleResult serves GET /c/{code}/r/{token}: where the wallet sends the customer back.
// It says "successful" only for a payment that is final and successful.
func (s *Server) handleResult() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua := r.UserAgent()
		wallet, _ := s.cfg.Wallets.Detect(ua)
		lang := s.cat.Choose(r.FormValue("lang"), ua, r.Header.Get("Accept-Language"), nil)
		cp, pay, err := s.resultOf(r)
		if err != nil && entrypay.ErrorCodeOf(err) != entrypay.ENotFound {
			s.pageError(w, r, err, lang)
			return
		}
		if cp == nil {
			p := s.basePage(r, nil, wallet, lang)
			p.Title = p.L.T("code_unknown_title")
			s.render(w, r, http.StatusNotFound, "unknown", p)
			return
		}
		p := s.basePage(r, cp, wallet, lang)
		p.BackURL = "/c/" + cp.Code.Value + "?lang=" + url.QueryEscape(lang)
		if pay == nil {
			p.Status, p.Final, p.Title = "UNKNOWN", true, p.L.T("result_unknown")
			s.render(w, r, http.StatusNotFound, "result", p)
			return
		}
		p.Status, p.Final = string(pay.Status), pay.Status.Final()
		p.StatusURL = r.URL.Path + "/status"
		p.PaidAmount = formatAmount(pay.Amount, p.Locale)
		p.Reference = pay.ID
		when := pay.CreatedAt
		switch pay.Status {
		case entrypay.PaymentSuccess:
			p.Title, when = p.L.T("result_success"), pay.PaidAt
		case entrypay.PaymentFail:
			p.Title, when, p.Reason = p.L.T("result_fail"), pay.ClosedAt, pay.ResultMessage
			if pay.ResultCode == string(entrypay.ERiskReject) {
				p.Reason = p.L.T("result_risk")
			}
		case entrypay.PaymentCancelled:
			p.Title, when = p.L.T("result_cancelled"), pay.CancelledAt
		default:
			p.Title, p.Refresh = p.L.T("result_processing"), 5
		}
		p.Time = when.UTC().Format("2006-01-02 15:04 UTC")
		s.render(w, r, http.StatusOK, "result", p)
	})
}

// handleResultStatus serves the small JSON the result page polls.
func (s *Server) handleResultStatus() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, pay, err := s.resultOf(r)
		if err != nil || pay == nil {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"status":"UNKNOWN","final":true}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": pay.Status, "final": pay.Status.Final()})
	})
}

// handleCodeQR serves the code as an SVG image, for the desktop "open with your wallet"
// page.
func (s *Server) handleCodeQR() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cp, err := s.cfg.Pages.CodePage(r.Context(), codeValue(r))
		if err != nil || cp.Code.Status != entrypay.CodeActive {
			http.NotFound(w, r)
			return
		}
		q, err := qrimage.New(entrypay.CodeURL(s.cfg.PublicURL, cp.Code.Value))
		if err != nil {
			s.pageError(w, r, err, "en")
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(q.SVG(320))
	})
}

// handleLogo serves a merchant's uploaded logo, with the type checked at upload.
func (s *Server) handleLogo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.cfg.Pages.Branding(r.Context(), r.PathValue("merchant"))
		if err != nil || len(b.Logo) == 0 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", b.LogoType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("Last-Modified", b.UpdatedAt.UTC().Format(http.TimeFormat))
		_, _ = w.Write(b.Logo)
	})
}

// handleStatic serves the pages' CSS and script.
func (s *Server) handleStatic() http.Handler {
	files := http.FileServerFS(pageFiles)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}
