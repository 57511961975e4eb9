package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
)

// Order states, as the shop sees them.
const (
	stateCreating  = "CREATING"         // pay sent, no answer yet
	stateAwaiting  = "AWAITING_PAYMENT" // pay answered S: the customer is at the wallet's cashier
	statePaid      = "PAID"             // entrypay said SUCCESS (notification or inquiry)
	stateFailed    = "FAILED"           // the wallet refused, or the payment expired
	stateCancelled = "CANCELLED"        // cancelled at entrypay
	stateRefused   = "REFUSED"          // pay answered F: no payment was created
	stateUnknown   = "UNKNOWN"          // pay got U or no answer: ask entrypay
)

// payTimeout bounds one pay call, resends included.
const payTimeout = time.Minute

// recentOrders is how many orders the amount page lists.
const recentOrders = 20

type shopConfig struct {
	Name      string
	Currency  string
	Digits    int    // minor-unit digits of Currency
	PublicURL string // no trailing slash
	Client    *ams.Client
	Log       *slog.Logger
}

// order is one attempt of a customer to pay. Its ID is the paymentRequestId.
type order struct {
	ID         string
	Amount     entrypay.Amount
	State      string
	PaymentID  string
	CashierURL string
	Wallet     string
	Note       string // the last thing entrypay said about it
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// shop keeps its orders in memory: a real one keeps them in its database, and records
// each order before it calls pay.
type shop struct {
	cfg shopConfig

	mu       sync.Mutex
	orders   map[string]*order
	ids      []string        // in creation order
	notified map[string]bool // paymentIds whose notification has been applied
}

func newShop(cfg shopConfig) *shop {
	return &shop{cfg: cfg, orders: map[string]*order{}, notified: map[string]bool{}}
}

// routes is the shop's whole HTTP surface.
func (s *shop) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.handleIndex())
	mux.Handle("POST /pay", s.handlePay())
	mux.Handle("POST /notify", s.cfg.Client.NotificationHandler(s.recordNotification))
	mux.Handle("GET /orders/{id}", s.handleOrder())
	mux.Handle("POST /orders/{id}/inquiry", s.handleInquiry())
	// Cross-site form posts from browsers are refused. entrypay's notifications carry
	// neither Origin nor Sec-Fetch-Site, so they pass; their signature protects them.
	return http.NewCrossOriginProtection().Handler(mux)
}

func (s *shop) handleIndex() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.renderIndex(w, r, http.StatusOK, "")
	})
}

// handlePay creates the payment and sends the customer's browser to the wallet's cashier.
func (s *shop) handlePay() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value, err := minorUnits(r.FormValue("amount"), s.cfg.Digits)
		if err != nil {
			s.renderIndex(w, r, http.StatusUnprocessableEntity, err.Error())
			return
		}
		o, err := s.newOrder(entrypay.Amount{Value: value, Currency: s.cfg.Currency})
		if err != nil {
			s.cfg.Log.ErrorContext(r.Context(), "new order", "err", err)
			s.renderIndex(w, r, http.StatusInternalServerError, "the order could not be created")
			return
		}
		req := ams.NewEntryCodePayment(o.ID,
			ams.Amount{Currency: ams.String(o.Amount.Currency), Value: ams.String(strconv.FormatInt(o.Amount.Value, 10))},
			r.UserAgent(), s.cfg.PublicURL+"/notify")
		req.PaymentRedirectURL = ams.String(s.cfg.PublicURL + "/orders/" + o.ID)
		req.Order.ReferenceOrderID = ams.String(o.ID)
		req.Order.OrderDescription = ams.String(s.cfg.Name)
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			req.Order.Env.ClientIP = ams.String(host)
		}

		// The call outlives an impatient browser: once sent, its answer must be recorded.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), payTimeout)
		defer cancel()
		resp, err := s.cfg.Client.Pay(ctx, req)
		var re *ams.ResultError
		switch {
		case err == nil && resp.RedirectActionForm != nil && resp.RedirectActionForm.RedirectURL != "" &&
			(resp.RedirectActionForm.Method == "" || strings.EqualFold(resp.RedirectActionForm.Method, http.MethodGet)):
			// S: the order exists at entrypay but is not paid. The cashier takes over.
			cashier := resp.RedirectActionForm.RedirectURL
			s.update(o.ID, func(o *order) {
				o.State, o.PaymentID, o.CashierURL = stateAwaiting, resp.PaymentID, cashier
				o.Note = "order created; the customer was sent to the wallet's cashier"
			})
			http.Redirect(w, r, cashier, http.StatusSeeOther)
		case err == nil:
			s.update(o.ID, func(o *order) {
				o.State, o.PaymentID = stateUnknown, resp.PaymentID
				o.Note = "pay answered S without a GET redirectActionForm"
			})
			s.renderIndex(w, r, http.StatusBadGateway, "entrypay gave no cashier address for order "+o.ID)
		case errors.As(err, &re) && re.Result.ResultStatus == ams.StatusFail:
			s.update(o.ID, func(o *order) { o.State, o.Note = stateRefused, resultText(re.Result) })
			s.renderIndex(w, r, http.StatusUnprocessableEntity, "entrypay refused the payment: "+resultText(re.Result))
		default:
			// U after every resend, or no answer: the payment may exist. Ask later.
			s.cfg.Log.WarnContext(r.Context(), "pay outcome unknown", "order", o.ID, "err", err)
			s.update(o.ID, func(o *order) { o.State, o.Note = stateUnknown, err.Error() })
			s.renderIndex(w, r, http.StatusBadGateway, "no answer from entrypay: order "+o.ID+" is unknown, check it on its page")
		}
	})
}

// recordNotification applies a verified notifyPayment to its order. entrypay resends
// until acknowledged, so a payment already applied is acknowledged again and skipped.
func (s *shop) recordNotification(ctx context.Context, n *ams.NotifyPaymentRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.notified[n.PaymentID] {
		return nil
	}
	o := s.orders[n.PaymentRequestID]
	if o == nil {
		// Not ours, or from before a restart of this in-memory shop: acknowledge, or it
		// would come back for a day.
		s.cfg.Log.WarnContext(ctx, "notification for an unknown order", "order", n.PaymentRequestID, "payment", n.PaymentID)
		return nil
	}
	if a := n.PaymentAmount; a == nil || string(a.Currency) != o.Amount.Currency || string(a.Value) != strconv.FormatInt(o.Amount.Value, 10) {
		s.cfg.Log.ErrorContext(ctx, "notification amount differs from the order's", "order", o.ID, "payment", n.PaymentID, "amount", a)
		o.Note = "notification with another amount; ignored"
		return nil
	}
	switch n.Result.ResultStatus {
	case ams.StatusSuccess:
		o.State, o.Note = statePaid, "paid"
		if n.PaymentTime != "" {
			o.Note = "paid at " + n.PaymentTime
		}
	case ams.StatusFail:
		o.State, o.Note = stateFailed, resultText(n.Result)
	default:
		o.Note = "notification with result " + resultText(n.Result)
		return nil
	}
	o.PaymentID = n.PaymentID
	if n.PspCustomerInfo != nil {
		o.Wallet = n.PspCustomerInfo.PspName
	}
	o.UpdatedAt = time.Now()
	s.notified[n.PaymentID] = true
	s.cfg.Log.InfoContext(ctx, "payment result", "order", o.ID, "payment", n.PaymentID, "state", o.State)
	return nil
}

func (s *shop) handleOrder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, ok := s.order(r.PathValue("id"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.render(w, http.StatusOK, orderPage, orderData{Shop: s.cfg.Name, Order: view(o)})
	})
}

// handleInquiry asks entrypay for the order's payment and records what it says.
func (s *shop) handleInquiry() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, ok := s.order(r.PathValue("id"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		resp, err := s.cfg.Client.InquiryPayment(r.Context(), o.PaymentID, o.ID)
		s.update(o.ID, func(o *order) {
			if err != nil {
				o.Note = "inquiry: " + err.Error()
				return
			}
			if o.PaymentID == "" {
				o.PaymentID = resp.PaymentID
			}
			if resp.PspCustomerInfo != nil && resp.PspCustomerInfo.PspName != "" {
				o.Wallet = resp.PspCustomerInfo.PspName
			}
			o.Note = "entrypay says " + resp.PaymentStatus
			if resp.PaymentResultCode != "" {
				o.Note += " (" + resp.PaymentResultCode + ")"
			}
			switch resp.PaymentStatus {
			case "SUCCESS":
				o.State = statePaid
			case "FAIL":
				o.State = stateFailed
			case "CANCELLED":
				o.State = stateCancelled
			case "PROCESSING":
				if o.State == stateUnknown || o.State == stateCreating {
					o.State = stateAwaiting
				}
			}
		})
		http.Redirect(w, r, "/orders/"+o.ID, http.StatusSeeOther)
	})
}

func (s *shop) newOrder(a entrypay.Amount) (order, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return order{}, err
	}
	now := time.Now()
	o := &order{
		ID:     "ord-" + now.UTC().Format("060102-150405") + "-" + hex.EncodeToString(b[:]),
		Amount: a, State: stateCreating, CreatedAt: now, UpdatedAt: now,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
	s.ids = append(s.ids, o.ID)
	return *o, nil
}

func (s *shop) update(id string, change func(o *order)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.orders[id]; o != nil {
		change(o)
		o.UpdatedAt = time.Now()
	}
}

func (s *shop) order(id string) (order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return order{}, false
	}
	return *o, true
}

func (s *shop) recent() []orderView {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []orderView
	for _, id := range slices.Backward(s.ids) {
		if len(out) == recentOrders {
			break
		}
		out = append(out, view(*s.orders[id]))
	}
	return out
}

// resultText is a result as a person reads it.
func resultText(r ams.Result) string {
	if r.ResultMessage == "" {
		return r.ResultCode
	}
	return r.ResultCode + ": " + r.ResultMessage
}

// minorUnits reads an amount typed in major units ("12.5" HKD) as minor units (1250). It
// refuses signs, exponents, more decimals than the currency has, and zero.
func minorUnits(s string, digits int) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, dot := strings.Cut(s, ".")
	switch {
	case s == "":
		return 0, errors.New("enter an amount")
	case !allDigits(whole) || whole == "" || (dot && (frac == "" || !allDigits(frac))):
		return 0, fmt.Errorf("%q is not an amount: write it like 12.50", s)
	case len(frac) > digits:
		if digits == 0 {
			return 0, fmt.Errorf("%q: this currency has no decimals", s)
		}
		return 0, fmt.Errorf("%q: at most %d decimals", s, digits)
	}
	minor := strings.TrimLeft(whole+frac+strings.Repeat("0", digits-len(frac)), "0")
	if minor == "" {
		return 0, errors.New("the amount must be more than zero")
	}
	if len(minor) > 16 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return strconv.ParseInt(minor, 10, 64)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// --- pages ---------------------------------------------------------------------------

type orderView struct {
	order
	AmountText string
	Open       bool // still waiting for the customer
}

func view(o order) orderView {
	return orderView{order: o, AmountText: o.Amount.String(), Open: o.State == stateAwaiting}
}

type indexData struct {
	Shop      string
	Currency  string
	Step      string // the input's step, e.g. 0.01
	UserAgent string
	Error     string
	Orders    []orderView
}

type orderData struct {
	Shop  string
	Order orderView
}

func (s *shop) renderIndex(w http.ResponseWriter, r *http.Request, status int, errText string) {
	step := "1"
	if s.cfg.Digits > 0 {
		step = "0." + strings.Repeat("0", s.cfg.Digits-1) + "1"
	}
	s.render(w, status, indexPage, indexData{
		Shop: s.cfg.Name, Currency: s.cfg.Currency, Step: step,
		UserAgent: r.UserAgent(), Error: errText, Orders: s.recent(),
	})
}

func (s *shop) render(w http.ResponseWriter, status int, t *template.Template, data any) {
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		s.cfg.Log.Error("render page", "page", t.Name(), "err", err)
		http.Error(w, "page could not be shown", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

const pageHead = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{block "refresh" .}}{{end}}
<title>{{.Shop}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:1rem auto;padding:0 1rem;color:#222}
input,button{font-size:1.2rem;padding:.4rem .6rem}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem;border-bottom:1px solid #ddd}
.state{font-weight:bold}.small{font-size:.8rem;color:#666;word-break:break-all}
</style></head><body>
`

var indexPage = template.Must(template.New("index").Parse(pageHead + `<h1>{{.Shop}}</h1>
{{with .Error}}<p class="error" id="error">{{.}}</p>{{end}}
<form method="post" action="/pay">
<label>Amount ({{.Currency}})<br>
<input name="amount" inputmode="decimal" type="number" min="{{.Step}}" step="{{.Step}}" required autofocus></label>
<button type="submit">Pay</button>
</form>
<p class="small">Your browser: {{.UserAgent}}<br>Pay from your wallet app's browser (AlipayHK, GCash, …): its User-Agent tells entrypay the wallet.</p>
{{with .Orders}}<h2>Recent orders</h2>
<table><tr><th>Order</th><th>Amount</th><th>State</th></tr>
{{range .}}<tr><td><a href="/orders/{{.ID}}">{{.ID}}</a></td><td>{{.AmountText}}</td><td class="state">{{.State}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

var orderPage = template.Must(template.New("order").Parse(pageHead + `{{define "refresh"}}{{if .Order.Open}}<meta http-equiv="refresh" content="5">{{end}}{{end}}
<h1>{{.Shop}}</h1>
<p><a href="/">New payment</a></p>
<h2>Order {{.Order.ID}}</h2>
<table>
<tr><th>Amount</th><td>{{.Order.AmountText}}</td></tr>
<tr><th>State</th><td class="state" id="state">{{.Order.State}}</td></tr>
{{with .Order.PaymentID}}<tr><th>entrypay payment</th><td>{{.}}</td></tr>{{end}}
{{with .Order.Wallet}}<tr><th>Wallet</th><td>{{.}}</td></tr>{{end}}
{{with .Order.Note}}<tr><th>Last word</th><td>{{.}}</td></tr>{{end}}
<tr><th>Created</th><td>{{.Order.CreatedAt.Format "2006-01-02 15:04:05"}}</td></tr>
<tr><th>Updated</th><td>{{.Order.UpdatedAt.Format "2006-01-02 15:04:05"}}</td></tr>
</table>
{{if and .Order.Open .Order.CashierURL}}<p><a href="{{.Order.CashierURL}}">Continue at the wallet's cashier</a></p>{{end}}
<form method="post" action="/orders/{{.Order.ID}}/inquiry"><button type="submit">Ask entrypay (inquiryPayment)</button></form>
</body></html>
`))
