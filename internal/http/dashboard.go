package http

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// Dashboard is what the merchant dashboard needs from the gateway.
type Dashboard interface {
	Login(ctx context.Context, email, password string) (string, error)
	Logout(ctx context.Context, token string) error
	SessionUser(ctx context.Context, token string) (*entrypay.User, *entrypay.Session, error)
	LinkUser(ctx context.Context, token string) (*entrypay.User, string, error)
	UseLink(ctx context.Context, token, password string) (string, error)
	Merchant(ctx context.Context, id string) (*entrypay.Merchant, error)
	MerchantTotals(ctx context.Context, merchantID string, from, to time.Time) ([]entrypay.PaymentTotal, error)
	MerchantPayments(ctx context.Context, f entrypay.PaymentFilter) ([]*entrypay.Payment, error)
	MerchantPayment(ctx context.Context, merchantID, id string) (*entrypay.PaymentDetail, error)
	RefundAsUser(ctx context.Context, u *entrypay.User, in entrypay.RefundInput) (*entrypay.Refund, error)
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
	Email   string
	Purpose string
	Action  string

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

	// Payment detail.
	Detail    *entrypay.PaymentDetail
	CanRefund bool
	Nonce     string
	Refunded  entrypay.Amount
}

type totalRow struct {
	Currency string
	Count    int
	Volume   string
}

type listFilter struct {
	Status, From, To, Query string
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
			s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
			token, err := s.cfg.Dashboard.Login(r.Context(), email, r.PostFormValue("password"))
			switch {
			case errors.Is(err, entrypay.ErrLoginFailed):
				p.Error = "The email or password is incorrect, or the account is temporarily locked."
				s.dashRender(w, r, http.StatusUnauthorized, "login", p)
				return
			case err != nil:
				s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
			s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
				s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
				return
			}
			s.setCookie(w, sessionCookie, token, 0)
			http.Redirect(w, r, "/dashboard/", http.StatusSeeOther)
		})
}

func (s *Server) dashLogout(w http.ResponseWriter, r *http.Request, ds dashSession) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.Dashboard.Logout(r.Context(), c.Value); err != nil {
			s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
			return
		}
	}
	s.setCookie(w, sessionCookie, "", -1)
	http.Redirect(w, r, "/dashboard/login", http.StatusSeeOther)
}

func (s *Server) dashHome(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	day := s.cfg.Now().UTC().Truncate(24 * time.Hour)
	totals, err := s.cfg.Dashboard.MerchantTotals(r.Context(), m.ID, day, day.Add(24*time.Hour))
	if err != nil {
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
		return
	}
	p := dashPage{Title: m.Name + " — Dashboard", User: ds.user, Merchant: m, CSRF: ds.session.CSRFToken, Today: day.Format(time.DateOnly)}
	for _, t := range totals {
		p.Totals = append(p.Totals, totalRow{Currency: t.Currency, Count: t.Count, Volume: entrypay.Amount{Value: t.Value, Currency: t.Currency}.String()})
	}
	s.dashRender(w, r, http.StatusOK, "home", p)
}

var paymentStatuses = []entrypay.PaymentStatus{entrypay.PaymentProcessing, entrypay.PaymentSuccess, entrypay.PaymentFail, entrypay.PaymentCancelled}

func (s *Server) dashPayments(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	q := r.URL.Query()
	p := dashPage{Title: "Payments — " + m.Name, User: ds.user, Merchant: m, CSRF: ds.session.CSRFToken, Statuses: paymentStatuses}
	var f entrypay.PaymentFilter
	var problems []string
	p.Filter, f, problems = paymentFilter(q, m.ID)
	f.Limit = dashPageSize + 1
	p.CSVURL = "/dashboard/payments.csv"
	if enc := filterQuery(p.Filter).Encode(); enc != "" {
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
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
		return
	}
	pageURL := func(n int) string {
		v := filterQuery(p.Filter)
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return "/dashboard/payments"
		}
		return "/dashboard/payments?" + v.Encode()
	}
	if len(list) > dashPageSize {
		list = list[:dashPageSize]
		p.NextURL = pageURL(p.Page + 1)
	}
	if p.Page > 1 {
		p.PrevURL = pageURL(p.Page - 1)
	}
	p.Payments = list
	s.dashRender(w, r, status, "payments", p)
}

// paymentFilter reads the payments list's filters from a query, always scoped to the
// merchant; problems names the fields that could not be read (they are then left out).
func paymentFilter(q url.Values, merchantID string) (listFilter, entrypay.PaymentFilter, []string) {
	lf := listFilter{Status: q.Get("status"), From: q.Get("from"), To: q.Get("to"), Query: strings.TrimSpace(q.Get("q"))}
	f := entrypay.PaymentFilter{MerchantID: merchantID}
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
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			problems = append(problems, field+" must be a date as YYYY-MM-DD")
		}
		return t
	}
	f.From = day("from", lf.From)
	if to := day("to", lf.To); !to.IsZero() {
		f.To = to.Add(24 * time.Hour) // the whole day named
	}
	// One search box for either id: entrypay's ids have a prefix merchants' rarely do.
	if v := lf.Query; v != "" {
		if strings.HasPrefix(v, "pay_") {
			f.ID = v
		} else {
			f.RequestID = v
		}
	}
	return lf, f, problems
}

// filterQuery is the query string that selects lf again.
func filterQuery(lf listFilter) url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"status": lf.Status, "from": lf.From, "to": lf.To, "q": lf.Query} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// csvExportMax bounds one export; a merchant with more narrows the dates.
const csvExportMax = 100_000

// dashPaymentsCSV exports the payments the list's filters select, all pages, as CSV.
func (s *Server) dashPaymentsCSV(w http.ResponseWriter, r *http.Request, ds dashSession) {
	m := s.merchantOf(w, r, ds)
	if m == nil {
		return
	}
	_, f, problems := paymentFilter(r.URL.Query(), m.ID)
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
			s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
	_ = cw.Write([]string{"paymentId", "paymentRequestId", "createdAt", "status", "resultCode", "amount", "currency", "wallet", "store", "paidAt"})
	for _, p := range rows {
		d, _ := entrypay.Digits(p.Amount.Currency)
		paid := ""
		if !p.PaidAt.IsZero() {
			paid = p.PaidAt.UTC().Format(time.RFC3339)
		}
		_ = cw.Write([]string{p.ID, csvCell(p.RequestID), p.CreatedAt.UTC().Format(time.RFC3339), string(p.Status), p.ResultCode,
			entrypay.FormatMinor(p.Amount.Value, d), p.Amount.Currency, p.Wallet, csvCell(p.Store.Name), paid})
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
	switch {
	case entrypay.ErrorCodeOf(err) == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, "There is no such payment.", nil)
		return
	case err != nil:
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
	switch {
	case entrypay.ErrorCodeOf(err) == entrypay.ENotFound:
		s.dashError(w, r, http.StatusNotFound, "There is no such payment.", nil)
		return
	case err != nil:
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
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
		s.dashError(w, r, http.StatusInternalServerError, "Something went wrong; it has been logged.", err)
	default:
		s.paymentPage(w, r, ds, m, http.StatusUnprocessableEntity, "", "Refund not made: "+entrypay.ErrorMessage(err))
	}
}
