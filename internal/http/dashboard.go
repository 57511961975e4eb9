package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// Dashboard is what the merchant dashboard needs from the gateway.
type Dashboard interface {
	Login(ctx context.Context, email, password, code string) (string, error)
	Logout(ctx context.Context, token string) error
	SessionUser(ctx context.Context, token string) (*entrypay.User, *entrypay.Session, error)
	LinkUser(ctx context.Context, token string) (*entrypay.User, string, error)
	UseLink(ctx context.Context, token, password string) (string, error)
	Merchant(ctx context.Context, id string) (*entrypay.Merchant, error)
	MerchantOverview(ctx context.Context, merchantID string, loc *time.Location, now time.Time) (*entrypay.Overview, error)
	MerchantPayments(ctx context.Context, f entrypay.PaymentFilter) ([]*entrypay.Payment, error)
	MerchantPayment(ctx context.Context, merchantID, id string) (*entrypay.PaymentDetail, error)
	RefundAsUser(ctx context.Context, u *entrypay.User, in entrypay.RefundInput) (*entrypay.Refund, error)
	NewTOTPSecret(u *entrypay.User) (secret, uri string, err error)
	EnableTOTP(ctx context.Context, userID, secret, code string) error
	DisableTOTP(ctx context.Context, userID, code string) error
	CancelAsUser(ctx context.Context, u *entrypay.User, paymentID string) (*entrypay.Payment, error)
}

//go:embed templates/dashboard/*.html
var dashFiles embed.FS

var dashTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"amount": func(a entrypay.Amount) string {
		if a.Currency == "" {
			return ""
		}
		return a.String()
	},
	// dict passes several values to a sub-template: dict "Key" value "Key" value ….
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict needs key and value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"total": func(t entrypay.PaymentTotal) string {
		return entrypay.Amount{Value: t.Value, Currency: t.Currency}.String()
	},
	"rate": func(r entrypay.SuccessRate) string {
		pm := r.Permille()
		if pm < 0 {
			return "—"
		}
		return fmt.Sprintf("%d.%d %%", pm/10, pm%10)
	},
	// whenIn prints t in the named zone (the merchant's).
	"whenIn": func(t time.Time, zone string) string {
		if t.IsZero() {
			return ""
		}
		return t.In(entrypay.ZoneLocation(zone)).Format("2006-01-02 15:04:05")
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
}).ParseFS(dashFiles, "templates/dashboard/*.html"))

const (
	// sessionCookie holds the session token; preCookie the CSRF token of the forms shown
	// before there is a session (login, set password).
	sessionCookie = "entrypay_session"
	preCookie     = "entrypay_form"
	dashPageSize  = 50
)

// dashPage is what every dashboard template gets.
type dashPage struct {
	Title    string
	User     *entrypay.User
	Merchant *entrypay.Merchant
	CSRF     string
	Error    string
	Notice   string

	// Login and set-password forms.
	NeedCode bool
	Email    string
	Purpose  string
	Action   string

	// Home.
	Today  string
	Totals []totalRow

	// Payment list.
	Filter   listFilter
	Payments []*entrypay.Payment
	PrevURL  string
	NextURL  string
	// CSVURL exports what the list's filters select.
	CSVURL   string
	Page     int
	Statuses []entrypay.PaymentStatus
	Wallets  []string
	Zone     string

	// Payment detail.
	Detail    *entrypay.PaymentDetail
	CanRefund bool
	CanCancel bool
	Nonce     string
	Refunded  entrypay.Amount
}

type totalRow struct {
	Currency string
	Count    int
	Volume   string
}

// listFilter is the payment list's filters as typed.
type listFilter struct {
	Status, From, To, Query        string
	Wallet, Store, Code            string
	Currency, AmountFrom, AmountTo string
}

// values is the query string that selects the same payments again.
func (lf listFilter) values() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"status": lf.Status, "from": lf.From, "to": lf.To, "q": lf.Query,
		"wallet": lf.Wallet, "store": lf.Store, "code": lf.Code, "currency": lf.Currency, "min": lf.AmountFrom, "max": lf.AmountTo} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// dashSession is the signed-in user of a request.
type dashSession struct {
	user    *entrypay.User
	session *entrypay.Session
}

// dashHeaders are the security headers of every dashboard answer.
func dashHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	// Link tokens travel in the path: no Referer may carry them elsewhere.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// dashRender renders the named template with p: a dashPage, or a page's own struct that
// embeds one (so the layout finds Title, User, Merchant, CSRF, Notice and Error).
func (s *Server) dashRender(w http.ResponseWriter, r *http.Request, status int, name string, p any) {
	dashHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	if err := dashTemplates.ExecuteTemplate(&b, name, p); err != nil {
		s.logFrom(r.Context()).ErrorContext(r.Context(), "render dashboard page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// internalError is what a dashboard page says of a failure it logged.
const internalError = "Something went wrong; it has been logged."

// lookupFailed renders the page of a failed lookup, and reports whether it did: the 404
// page saying notFound for ENotFound (another merchant's id included), a logged 500 for
// any other error.
func (s *Server) lookupFailed(w http.ResponseWriter, r *http.Request, err error, notFound string) bool {
	if err == nil {
		return false
	}
	s.failPage(w, r, err, "You may not see this.", notFound)
	return true
}

// failPage renders the page of a gateway error that is not the form's to explain: 403
// saying forbidden for ErrForbidden, 404 saying notFound for ENotFound, a logged 500 for
// anything else.
func (s *Server) failPage(w http.ResponseWriter, r *http.Request, err error, forbidden, notFound string) {
	switch {
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, forbidden, nil)
	case entrypay.ErrorCodeOf(err) == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, notFound, nil)
	default:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	}
}

// dashError renders the error page; internal errors are logged and not shown.
func (s *Server) dashError(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if err != nil {
		s.logFrom(r.Context()).ErrorContext(r.Context(), "dashboard failed", "path", r.URL.Path, "err", err)
	}
	title := http.StatusText(status)
	s.dashRender(w, r, status, "error", dashPage{Title: title, Error: msg})
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/dashboard", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: strings.HasPrefix(s.cfg.PublicURL, "https://"),
	})
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// parseDashForm reads a POSTed form, capped in size.
func parseDashForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}

// preForm wraps the forms shown before sign-in: GET gets a CSRF token in a cookie and
// a hidden field; POST must bring both back, equal.
func (s *Server) preForm(get, post func(w http.ResponseWriter, r *http.Request, csrf string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dashHeaders(w)
		if r.Method != http.MethodPost {
			csrf := ""
			if c, err := r.Cookie(preCookie); err == nil && len(c.Value) == 43 {
				csrf = c.Value
			} else {
				csrf, _ = entrypay.NewToken()
				s.setCookie(w, preCookie, csrf, 3600)
			}
			get(w, r, csrf)
			return
		}
		if err := parseDashForm(w, r); err != nil {
			s.dashError(w, r, http.StatusBadRequest, "The form could not be read.", nil)
			return
		}
		c, err := r.Cookie(preCookie)
		if err != nil || !sameToken(c.Value, r.PostFormValue("csrf")) {
			s.dashError(w, r, http.StatusForbidden, "The form has expired or did not come from this site. Reload the page and try again.", nil)
			return
		}
		post(w, r, c.Value)
	})
}

// signedIn wraps the pages behind a session: no session redirects to the login page,
// and every POST must carry the session's CSRF token.
func (s *Server) signedIn(next func(w http.ResponseWriter, r *http.Request, ds dashSession)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dashHeaders(w)
		token := ""
		if c, err := r.Cookie(sessionCookie); err == nil {
			token = c.Value
		}
		u, sess, err := s.cfg.Dashboard.SessionUser(r.Context(), token)
		if errors.Is(err, entrypay.ErrNoSession) {
			if token != "" {
				s.setCookie(w, sessionCookie, "", -1)
			}
			http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
			return
		}
		if err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := parseDashForm(w, r); err != nil {
				s.dashError(w, r, http.StatusBadRequest, "The form could not be read.", nil)
				return
			}
			if !sameToken(sess.CSRFToken, r.PostFormValue("csrf")) {
				s.dashError(w, r, http.StatusForbidden, "The form has expired or did not come from this site. Reload the page and try again.", nil)
				return
			}
		}
		next(w, r, dashSession{user: u, session: sess})
	})
}

// merchantOf returns the signed-in user's merchant, sending operators (who have none)
// to the console and returning nil.
func (s *Server) merchantOf(w http.ResponseWriter, r *http.Request, ds dashSession) *entrypay.Merchant {
	if ds.user.MerchantID == "" {
		http.Redirect(w, r, "/dashboard/operator/", http.StatusSeeOther)
		return nil
	}
	m, err := s.cfg.Dashboard.Merchant(r.Context(), ds.user.MerchantID)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return nil
	}
	return m
}

// operatorOnly wraps the operator console's pages: signed in, and an operator; a
// merchant's user gets a 403 page.
func (s *Server) operatorOnly(next func(w http.ResponseWriter, r *http.Request, ds dashSession)) http.Handler {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, ds dashSession) {
		if ds.user.Role != entrypay.RoleOperator || ds.user.MerchantID != "" {
			s.dashError(w, r, http.StatusForbidden, "This page is for entrypay's operators.", nil)
			return
		}
		next(w, r, ds)
	})
}

// basePage is the part of a page every template's layout uses.
func basePage(ds dashSession, m *entrypay.Merchant, title string) dashPage {
	return dashPage{Title: title, User: ds.user, Merchant: m, CSRF: ds.session.CSRFToken}
}

func (s *Server) dashLogin() http.Handler {
	return s.preForm(
		func(w http.ResponseWriter, r *http.Request, csrf string) {
			s.dashRender(w, r, http.StatusOK, "login", dashPage{Title: "Sign in", CSRF: csrf})
		},
		func(w http.ResponseWriter, r *http.Request, csrf string) {
			email := r.PostFormValue("email")
			p := dashPage{Title: "Sign in", CSRF: csrf, Email: email}
			if !s.logins.allow(clientIP(r), s.cfg.Now()) {
				p.Error = "Too many sign-in attempts from your address. Wait a minute and try again."
				s.dashRender(w, r, http.StatusTooManyRequests, "login", p)
				return
			}
			token, err := s.cfg.Dashboard.Login(r.Context(), email, r.PostFormValue("password"), r.PostFormValue("code"))
			switch {
			case errors.Is(err, entrypay.ErrCodeRequired):
				p.Error = "This account has two-factor sign-in: enter the password again with the 6-digit code from your authenticator app."
				p.NeedCode = true
				s.dashRender(w, r, http.StatusUnauthorized, "login", p)
				return
			case errors.Is(err, entrypay.ErrLoginFailed):
				p.Error = "The email or password is incorrect, or the account is temporarily locked."
				s.dashRender(w, r, http.StatusUnauthorized, "login", p)
				return
			case err != nil:
				s.dashError(w, r, http.StatusInternalServerError, internalError, err)
				return
			}
			s.setCookie(w, sessionCookie, token, 0)
			http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		})
}

func (s *Server) dashLink() http.Handler {
	render := func(w http.ResponseWriter, r *http.Request, status int, csrf, msg string) {
		token := r.PathValue("token")
		u, purpose, err := s.cfg.Dashboard.LinkUser(r.Context(), token)
		switch {
		case errors.Is(err, entrypay.ErrLinkInvalid):
			s.dashError(w, r, http.StatusNotFound, "This link is not valid: it has expired or has already been used. Ask for a new one.", nil)
			return
		case err != nil:
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		title := "Set your password"
		if purpose == entrypay.LinkReset {
			title = "Choose a new password"
		}
		s.dashRender(w, r, status, "link", dashPage{Title: title, CSRF: csrf, Email: u.Email, Purpose: purpose,
			Action: "/dashboard/link/" + url.PathEscape(token), Error: msg})
	}
	return s.preForm(
		func(w http.ResponseWriter, r *http.Request, csrf string) { render(w, r, http.StatusOK, csrf, "") },
		func(w http.ResponseWriter, r *http.Request, csrf string) {
			pw := r.PostFormValue("password")
			if pw != r.PostFormValue("confirm") {
				render(w, r, http.StatusUnprocessableEntity, csrf, "The two passwords differ.")
				return
			}
			token, err := s.cfg.Dashboard.UseLink(r.Context(), r.PathValue("token"), pw)
			switch {
			case errors.Is(err, entrypay.ErrLinkInvalid):
				s.dashError(w, r, http.StatusNotFound, "This link is not valid: it has expired or has already been used. Ask for a new one.", nil)
				return
			case entrypay.ErrorCodeOf(err) == entrypay.EInvalid:
				render(w, r, http.StatusUnprocessableEntity, csrf, entrypay.ErrorMessage(err)+".")
				return
			case err != nil:
				s.dashError(w, r, http.StatusInternalServerError, internalError, err)
				return
			}
			s.setCookie(w, sessionCookie, token, 0)
			http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		})
}

func (s *Server) dashLogout(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.Dashboard.Logout(r.Context(), c.Value); err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

// homePage is the overview's data.
type homePage struct {
	dashPage
	O      *entrypay.Overview
	Zone   string
	Charts []dayChart
}

type dayChart struct {
	Currency string
	SVG      template.HTML
	Days     []dayRow
}

type dayRow struct {
	Date   string
	Count  int
	Volume string
}

func (s *Server) dashHome(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	loc := merchantLocation(m)
	o, err := s.cfg.Dashboard.MerchantOverview(r.Context(), m.ID, loc, s.cfg.Now())
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	p := homePage{dashPage: basePage(ds, m, m.Name+" — Dashboard"), O: o, Zone: loc.String()}
	// One chart per currency the merchant took in the 30 days.
	seen := map[string]bool{}
	for _, d := range o.Days {
		for _, t := range d.Totals {
			seen[t.Currency] = true
		}
	}
	for _, cur := range slices.Sorted(maps.Keys(seen)) {
		svg, err := dailyVolumeChart(cur, o.Days)
		if err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		c := dayChart{Currency: cur, SVG: svg}
		for _, d := range o.Days {
			row := dayRow{Date: d.Date.Format(time.DateOnly), Volume: entrypay.Amount{Currency: cur}.String()}
			for _, t := range d.Totals {
				if t.Currency == cur {
					row.Count, row.Volume = t.Count, entrypay.Amount{Value: t.Value, Currency: cur}.String()
				}
			}
			c.Days = append(c.Days, row)
		}
		p.Charts = append(p.Charts, c)
	}
	s.dashRender(w, r, http.StatusOK, "home", p)
}

// merchantLocation is the time zone the merchant's days are counted in (set by the
// operator; UTC by default).
func merchantLocation(m *entrypay.Merchant) *time.Location {
	return m.Location()
}

var paymentStatuses = []entrypay.PaymentStatus{entrypay.PaymentProcessing, entrypay.PaymentSuccess, entrypay.PaymentFail, entrypay.PaymentCancelled}

func (s *Server) dashPayments(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	q := r.URL.Query()
	p := dashPage{Title: "Payments — " + m.Name, User: ds.user, Merchant: m, CSRF: ds.session.CSRFToken, Statuses: paymentStatuses}
	if s.cfg.Wallets != nil {
		for _, w := range s.cfg.Wallets.Wallets {
			p.Wallets = append(p.Wallets, w.Code)
		}
	}
	var f entrypay.PaymentFilter
	var problems []string
	p.Filter, f, problems = paymentFilter(q, m, merchantLocation(m))
	p.Zone = merchantLocation(m).String()
	f.Limit = dashPageSize + 1
	p.CSVURL = "/dashboard/payments.csv"
	if enc := p.Filter.values().Encode(); enc != "" {
		p.CSVURL += "?" + enc
	}
	p.Page, _ = strconv.Atoi(q.Get("page"))
	p.Page = max(p.Page, 1)
	f.Offset = (p.Page - 1) * dashPageSize
	status := http.StatusOK
	if len(problems) > 0 {
		p.Error = "Filter not applied: " + strings.Join(problems, "; ") + "."
		status = http.StatusBadRequest
		f = entrypay.PaymentFilter{MerchantID: m.ID, Limit: dashPageSize + 1, Offset: f.Offset}
	}
	list, err := s.cfg.Dashboard.MerchantPayments(r.Context(), f)
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
		return
	}
	list, p.PrevURL, p.NextURL = pageOf(list, "/dashboard/payments", p.Filter.values(), p.Page)
	p.Payments = list
	s.dashRender(w, r, status, "payments", p)
}

// paymentFilter reads the payments list's filters from a query, always scoped to the
// merchant, with days in loc; problems names the fields that could not be read (they are
// then left out).
func paymentFilter(q url.Values, m *entrypay.Merchant, loc *time.Location) (listFilter, entrypay.PaymentFilter, []string) {
	trim := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	lf := listFilter{Status: q.Get("status"), From: trim("from"), To: trim("to"), Query: trim("q"),
		Wallet: trim("wallet"), Store: trim("store"), Code: trim("code"),
		Currency: strings.ToUpper(trim("currency")), AmountFrom: trim("min"), AmountTo: trim("max")}
	f := entrypay.PaymentFilter{MerchantID: m.ID, Wallet: lf.Wallet, StoreID: lf.Store, EntryCode: lf.Code}
	var problems []string
	if st := entrypay.PaymentStatus(lf.Status); st != "" {
		if !st.Valid() {
			problems = append(problems, "unknown status")
		} else {
			f.Status = st
		}
	}
	day := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			problems = append(problems, field+" must be a date as YYYY-MM-DD")
		}
		return t
	}
	f.From = day("created from", lf.From)
	if to := day("created to", lf.To); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole day named, however long it is locally
	}
	// One search box for either id: entrypay's ids have a prefix merchants' rarely do.
	if v := lf.Query; v != "" {
		if strings.HasPrefix(v, "pay_") {
			f.ID = v
		} else {
			f.RequestID = v
		}
	}
	if lf.AmountFrom != "" || lf.AmountTo != "" || lf.Currency != "" {
		if lf.Currency == "" {
			lf.Currency = m.SettlementCurrency
		}
		if _, ok := entrypay.Digits(lf.Currency); !ok {
			problems = append(problems, "currency must be an ISO 4217 code such as HKD")
		} else {
			f.Currency = lf.Currency
			amount := func(field, v string) *int64 {
				if v == "" {
					return nil
				}
				a, err := entrypay.ParseMajor(field, v, lf.Currency)
				if err != nil {
					problems = append(problems, entrypay.ErrorMessage(err))
					return nil
				}
				return &a.Value
			}
			f.MinAmount = amount("amount from", lf.AmountFrom)
			f.MaxAmount = amount("amount to", lf.AmountTo)
		}
	}
	return lf, f, problems
}

// pageOf cuts list, read with one row more than a page, to page number page of the list
// at base (v its query, without the page), and returns it with the URLs of the previous
// and next pages ("" when there is none).
func pageOf[T any](list []T, base string, v url.Values, page int) (rows []T, prev, next string) {
	link := func(n int) string {
		q := url.Values{}
		for k, vs := range v {
			if len(vs) > 0 && vs[0] != "" {
				q[k] = vs
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	if len(list) > dashPageSize {
		list, next = list[:dashPageSize], link(page+1)
	}
	if page > 1 {
		prev = link(page - 1)
	}
	return list, prev, next
}

// csvExportMax bounds one export; a merchant with more narrows the dates.
const csvExportMax = 100_000

// dashPaymentsCSV exports the payments the list's filters select, all pages, as CSV.
func (s *Server) dashPaymentsCSV(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	loc := merchantLocation(m)
	_, f, problems := paymentFilter(r.URL.Query(), m, loc)
	if len(problems) > 0 {
		s.dashError(w, r, http.StatusBadRequest, "Not exported: "+strings.Join(problems, "; ")+".", nil)
		return
	}
	const batch = 500
	var rows []*entrypay.Payment
	for f.Offset = 0; f.Offset < csvExportMax; f.Offset += batch {
		f.Limit = batch
		list, err := s.cfg.Dashboard.MerchantPayments(r.Context(), f)
		if err != nil {
			s.dashError(w, r, http.StatusInternalServerError, internalError, err)
			return
		}
		rows = append(rows, list...)
		if len(list) < batch {
			break
		}
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="payments.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"paymentId", "paymentRequestId", "createdAt", "status", "resultCode", "amount", "currency", "wallet", "store", "paidAt", "storeId", "entryCode"})
	for _, p := range rows {
		d, _ := entrypay.Digits(p.Amount.Currency)
		paid := ""
		if !p.PaidAt.IsZero() {
			paid = p.PaidAt.In(loc).Format(time.RFC3339)
		}
		_ = cw.Write([]string{p.ID, csvCell(p.RequestID), p.CreatedAt.In(loc).Format(time.RFC3339), string(p.Status), p.ResultCode,
			entrypay.FormatMinor(p.Amount.Value, d), p.Amount.Currency, p.Wallet, csvCell(p.Store.Name), paid, p.Store.StoreID, p.EntryCode})
	}
	cw.Flush()
}

// csvCell keeps a merchant's or customer's text from being read as a formula by the
// spreadsheet that opens the export (OWASP's CSV injection advice: a leading quote).
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// paymentPage renders a payment of the user's merchant; another merchant's payment is
// the same 404 as one that does not exist.
func (s *Server) paymentPage(w http.ResponseWriter, r *http.Request, ds dashSession, m *entrypay.Merchant, status int, notice, errMsg string) {
	d, err := s.cfg.Dashboard.MerchantPayment(r.Context(), m.ID, r.PathValue("id"))
	if s.lookupFailed(w, r, err, "There is no such payment.") {
		return
	}
	p := dashPage{Title: "Payment " + d.Payment.ID + " — " + m.Name, User: ds.user, Merchant: m, CSRF: ds.session.CSRFToken,
		Detail: d, Notice: notice, Error: errMsg, Refunded: entrypay.Amount{Currency: d.Payment.Amount.Currency}}
	for _, rf := range d.Refunds {
		if rf.Status != entrypay.RefundFail {
			p.Refunded.Value += rf.Amount.Value
		}
	}
	if ds.user.Role.CanRefund() && d.Payment.Status == entrypay.PaymentSuccess && p.Refunded.Value < d.Payment.Amount.Value {
		p.CanRefund = true
		p.Nonce, _ = entrypay.NewToken()
	}
	// A cancel is offered while the gateway would accept it: unpaid, or paid with no
	// refund yet, inside the cancel window.
	open := d.Payment.Status == entrypay.PaymentProcessing || d.Payment.Status == entrypay.PaymentSuccess && len(d.Refunds) == 0
	p.CanCancel = ds.user.Role.CanRefund() && open && s.cfg.Now().Before(d.CancelUntil)
	p.Zone = merchantLocation(m).String()
	s.dashRender(w, r, status, "payment", p)
}

func (s *Server) dashPayment(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	notice := ""
	if rf := r.URL.Query().Get("refund"); rf != "" {
		notice = "Refund " + rf + " requested."
	}
	if r.URL.Query().Get("cancelled") != "" {
		notice = "Cancel requested."
	}
	s.paymentPage(w, r, ds, m, http.StatusOK, notice, "")
}

// refundRequestID derives the refundRequestId from the session and the form's nonce, so
// that submitting one form twice asks for one refund.
func refundRequestID(sess *entrypay.Session, paymentID, nonce string) string {
	sum := sha256.Sum256([]byte(sess.TokenHash + "\x00" + paymentID + "\x00" + nonce))
	return "dash_" + hex.EncodeToString(sum[:20])
}

func (s *Server) dashRefund(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !ds.user.Role.CanRefund() {
		s.dashError(w, r, http.StatusForbidden, "Your role does not allow refunds.", nil)
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	id := r.PathValue("id")
	d, err := s.cfg.Dashboard.MerchantPayment(r.Context(), m.ID, id)
	if s.lookupFailed(w, r, err, "There is no such payment.") {
		return
	}
	nonce := r.PostFormValue("nonce")
	if nonce == "" || len(nonce) > 64 {
		s.dashError(w, r, http.StatusBadRequest, "The form is incomplete. Reload the page and try again.", nil)
		return
	}
	amount, err := entrypay.ParseMajor("amount", strings.TrimSpace(r.PostFormValue("amount")), d.Payment.Amount.Currency)
	if err == nil && amount.Value <= 0 {
		err = entrypay.Errorf(entrypay.EInvalid, "the amount must be more than zero")
	}
	if err != nil {
		s.paymentPage(w, r, ds, m, http.StatusUnprocessableEntity, "", "Refund not requested: "+entrypay.ErrorMessage(err)+".")
		return
	}
	rf, err := s.cfg.Dashboard.RefundAsUser(r.Context(), ds.user, entrypay.RefundInput{
		RequestID: refundRequestID(ds.session, id, nonce), PaymentID: id, Amount: amount, Reason: r.PostFormValue("reason"),
	})
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil, rf != nil && code == entrypay.EUnknown:
		// A refund whose outcome is not known yet is retried by a job; the page shows it
		// as PROCESSING.
		http.Redirect(w, r, "/dashboard/payments/"+url.PathEscape(id)+"?refund="+url.QueryEscape(rf.ID), http.StatusSeeOther)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "Your role does not allow refunds.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		s.paymentPage(w, r, ds, m, http.StatusUnprocessableEntity, "", "Refund not made: "+entrypay.ErrorMessage(err))
	}
}

func (s *Server) dashCancel(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if !ds.user.Role.CanRefund() {
		s.dashError(w, r, http.StatusForbidden, "Your role does not allow cancelling payments.", nil)
		return
	}
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		if _, err := s.cfg.Dashboard.MerchantPayment(r.Context(), m.ID, id); entrypay.ErrorCodeOf(err) == entrypay.ENotFound {
			s.dashError(w, r, http.StatusNotFound, "There is no such payment.", nil)
			return
		}
		s.paymentPage(w, r, ds, m, http.StatusUnprocessableEntity, "", "Not cancelled: tick the box to confirm the cancel.")
		return
	}
	_, err := s.cfg.Dashboard.CancelAsUser(r.Context(), ds.user, id)
	switch code := entrypay.ErrorCodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/dashboard/payments/"+url.PathEscape(id)+"?cancelled=1", http.StatusSeeOther)
	case code == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, "There is no such payment.", nil)
	case errors.Is(err, entrypay.ErrForbidden):
		s.dashError(w, r, http.StatusForbidden, "Your role does not allow cancelling payments.", nil)
	case code == entrypay.EInternal:
		s.dashError(w, r, http.StatusInternalServerError, internalError, err)
	default:
		// Includes a wallet side that did not answer: the page says so; resending is safe.
		s.paymentPage(w, r, ds, m, http.StatusUnprocessableEntity, "", "Not cancelled: "+entrypay.ErrorMessage(err))
	}
}
