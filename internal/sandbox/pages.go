package sandbox

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"time"
)

//go:embed templates/pages.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/pages.html"))

// cashierView is what the cashier page shows. Every field is text; html/template escapes it.
type cashierView struct {
	Title        string
	WalletName   string
	MerchantName string
	StoreName    string
	Description  string
	Amount       string
	Charge       string
	Rate         string
	Balance      string
	CustomerID   string
	PaymentID    string
	Action       string
	Expires      string

	Open          bool
	Success       bool
	ResultTitle   string
	ResultCode    string
	ResultMessage string
	NotifyText    string
	RedirectURL   string
	RefreshURL    string
}

// cashierActions maps the cashier form's action values to outcomes.
var cashierActions = map[string]string{
	"confirm":           OutcomeSuccess,
	"cancel":            OutcomeUserCancel,
	"fail_balance":      OutcomeBalanceNotEnough,
	"fail_verification": OutcomeVerificationFailed,
	"pay_no_notify":     OutcomeNoNotify,
}

func (s *Sandbox) cashierPage(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	s.mu.Lock()
	p, ok := s.byToken[token]
	var v cashierView
	if ok {
		v = s.cashierViewLocked(p)
	}
	s.mu.Unlock()
	if !ok {
		s.render(w, http.StatusNotFound, "notfound", "The sandbox knows no payment at this address. It may have been created before the sandbox restarted.")
		return
	}
	s.render(w, http.StatusOK, "cashier", v)
}

func (s *Sandbox) cashierViewLocked(p *payment) cashierView {
	now := s.now()
	v := cashierView{
		Title:        p.wallet.Name + " — sandbox cashier",
		WalletName:   p.wallet.Name,
		MerchantName: "the merchant",
		Description:  p.req.Order.OrderDescription,
		Amount:       amountText(p.amount, p.currency),
		Charge:       amountText(p.charge, p.wallet.Currency),
		Rate:         "1 " + p.currency + " = " + string(p.quote.QuotePrice) + " " + p.wallet.Currency,
		Balance:      amountText(s.customers[p.wallet.Code].balance, p.wallet.Currency),
		CustomerID:   s.customers[p.wallet.Code].id,
		PaymentID:    p.id,
		Action:       s.cashierPath(p.token),
		Expires:      p.expires.Format(time.RFC1123),
	}
	if m := p.req.Order.Merchant; m != nil {
		if m.MerchantName != "" {
			v.MerchantName = m.MerchantName
		}
		if m.Store != nil {
			v.StoreName = m.Store.StoreName
		}
	}
	res := s.resultLocked(p, now)
	if res.ResultStatus == "U" {
		v.Open = true
		return v
	}
	v.Success = res.ResultStatus == "S"
	v.ResultCode = res.ResultCode
	v.ResultMessage = res.ResultMessage
	v.ResultTitle = "Payment failed"
	if v.Success {
		v.ResultTitle = "Paid"
		v.ResultMessage = "You paid " + v.Charge + " to " + v.MerchantName + "."
	} else if res.ResultCode == "ORDER_IS_CLOSED" {
		v.ResultTitle = "Payment closed"
	}
	switch {
	case p.note.delivered:
		v.NotifyText = "The acquirer has been notified."
	case p.note.pending || p.note.inFlight:
		v.NotifyText = "Notifying the acquirer failed (" + p.note.lastErr + "); it will be retried."
	case p.note.lastErr != "":
		v.NotifyText = "Notifying the acquirer failed: " + p.note.lastErr
	case p.status == statusPaid && p.note.attempts == 0 && p.cancelAt.IsZero():
		v.NotifyText = "The acquirer was not notified (simulated); it must inquire."
	}
	if p.req.PaymentRedirectURL != "" {
		v.RedirectURL = p.req.PaymentRedirectURL
		v.RefreshURL = p.req.PaymentRedirectURL
	}
	return v
}

func (s *Sandbox) cashierAction(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "notfound", "The form could not be read.")
		return
	}
	outcome, ok := cashierActions[r.PostForm.Get("action")]
	if !ok {
		s.render(w, http.StatusBadRequest, "notfound", "Unknown action; use confirm, cancel, fail_balance, fail_verification or pay_no_notify.")
		return
	}
	if _, err := s.Finish(r.Context(), token, outcome); err != nil {
		s.render(w, http.StatusNotFound, "notfound", "The sandbox knows no payment at this address.")
		return
	}
	http.Redirect(w, r, s.cashierPath(token), http.StatusSeeOther)
}

type indexView struct {
	Wallets  []indexWallet
	Payments []indexPayment
}

type indexWallet struct {
	Code, Name, Currency, Min, CustomerID, Balance string
}

type indexPayment struct {
	Created, PaymentID, RequestID, Amount, Wallet, Status, Link string
}

// recentPayments is how many payments the index lists.
const recentPayments = 50

func (s *Sandbox) indexPage(w http.ResponseWriter, r *http.Request) {
	var v indexView
	s.mu.Lock()
	now := s.now()
	for _, wl := range s.table.Wallets {
		c := s.customers[wl.Code]
		v.Wallets = append(v.Wallets, indexWallet{
			Code: wl.Code, Name: wl.Name, Currency: wl.Currency,
			Min:        amountText(wl.MinAmount, wl.Currency),
			CustomerID: c.id,
			Balance:    amountText(c.balance, wl.Currency),
		})
	}
	for i := len(s.payments) - 1; i >= 0 && len(v.Payments) < recentPayments; i-- {
		p := s.payments[i]
		res := s.resultLocked(p, now)
		v.Payments = append(v.Payments, indexPayment{
			Created:   p.created.Format("2006-01-02 15:04:05"),
			PaymentID: p.id,
			RequestID: p.requestID,
			Amount:    amountText(p.amount, p.currency),
			Wallet:    p.wallet.Name,
			Status:    res.ResultStatus + "/" + res.ResultCode,
			Link:      s.cashierPath(p.token),
		})
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "index", v)
}

// render executes a page into a buffer first, so that a template error becomes a plain 500
// rather than half a page.
func (s *Sandbox) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("sandbox: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
