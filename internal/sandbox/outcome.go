package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/entrypay/entrypay/internal/alipayplus"
)

// Outcomes the customer (or a test standing in for one) can choose.
const (
	OutcomeSuccess            = "SUCCESS"
	OutcomeBalanceNotEnough   = "USER_BALANCE_NOT_ENOUGH"
	OutcomeVerificationFailed = "USER_PAYMENT_VERIFICATION_FAILED"
	OutcomeUserCancel         = "USER_CANCEL"
	OutcomeNoNotify           = "NO_NOTIFY" // paid, but Alipay+ never notifies the acquirer
)

var outcomes = []string{OutcomeSuccess, OutcomeBalanceNotEnough, OutcomeVerificationFailed, OutcomeUserCancel, OutcomeNoNotify}

// ErrUnknownPayment is returned by Finish for a cashier token that names no payment.
var ErrUnknownPayment = errors.New("unknown payment")

// resultCodeOf is the result code an outcome leads to, to tell a repeated confirm from a
// conflicting one.
func resultCodeOf(outcome string) string {
	switch outcome {
	case OutcomeSuccess, OutcomeNoNotify:
		return "SUCCESS"
	case OutcomeUserCancel:
		return "ORDER_IS_CLOSED"
	}
	return outcome
}

// Finished is the state of a payment after an outcome was applied.
type Finished struct {
	PaymentID           string             `json:"paymentId"`
	PaymentRequestID    string             `json:"paymentRequestId"`
	PaymentStatus       string             `json:"paymentStatus"` // SUCCESS, FAIL or PROCESSING
	ResultCode          string             `json:"resultCode"`
	ResultMessage       string             `json:"resultMessage,omitempty"`
	PaymentAmount       alipayplus.Amount  `json:"paymentAmount"`
	ActualPaymentAmount *alipayplus.Amount `json:"actualPaymentAmount,omitempty"`
	Notified            bool               `json:"notified"`
	NotifyError         string             `json:"notifyError,omitempty"`
	// Changed is false when the payment was already final, cancelled or expired, so the
	// outcome was not applied.
	Changed bool `json:"changed"`
}

// Finish applies outcome to the payment whose cashier token is token, as if the customer
// chose it in the wallet, and makes the first notification attempt before returning. A
// payment that is already final, cancelled or expired is not changed.
func (s *Sandbox) Finish(ctx context.Context, token, outcome string) (Finished, error) {
	if !slices.Contains(outcomes, outcome) {
		return Finished{}, fmt.Errorf("outcome: must be one of %s", strings.Join(outcomes, ", "))
	}
	s.mu.Lock()
	p, ok := s.byToken[token]
	if !ok {
		s.mu.Unlock()
		return Finished{}, ErrUnknownPayment
	}
	changed := s.applyLocked(p, outcome)
	notify := changed && p.note.inFlight
	s.mu.Unlock()

	if notify {
		_ = s.attempt(ctx, p)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	res := s.resultLocked(p, s.now())
	fin := Finished{
		PaymentID:        p.id,
		PaymentRequestID: p.requestID,
		PaymentStatus:    "PROCESSING",
		ResultCode:       res.ResultCode,
		ResultMessage:    res.ResultMessage,
		PaymentAmount:    p.reqAmount(),
		Notified:         p.note.delivered,
		NotifyError:      p.note.lastErr,
		Changed:          changed,
	}
	switch res.ResultStatus {
	case "S":
		fin.PaymentStatus = "SUCCESS"
		charge := p.chargeAmount()
		fin.ActualPaymentAmount = &charge
	case "F":
		fin.PaymentStatus = "FAIL"
	}
	return fin, nil
}

// applyLocked changes p by outcome if the customer can still act on it, and reports
// whether it did. A notification attempt is then marked in flight for the caller to make.
func (s *Sandbox) applyLocked(p *payment, outcome string) bool {
	now := s.now()
	if p.status != statusPending || !p.cancelAt.IsZero() || !now.Before(p.expires) {
		return false
	}
	c := s.customers[p.wallet.Code]
	switch outcome {
	case OutcomeSuccess, OutcomeNoNotify:
		if c.balance < p.charge {
			p.status, p.resultCode = statusFailed, OutcomeBalanceNotEnough
			p.resultMsg = fmt.Sprintf("the customer's balance of %s is lower than the charge of %s",
				amountText(c.balance, p.wallet.Currency), amountText(p.charge, p.wallet.Currency))
			break
		}
		c.balance -= p.charge
		p.status, p.resultCode, p.resultMsg = statusPaid, "SUCCESS", "success"
		p.paidAt = now
		s.recordPaidLocked(p)
	case OutcomeBalanceNotEnough:
		p.status, p.resultCode, p.resultMsg = statusFailed, outcome, "the customer's balance is not enough (simulated)"
	case OutcomeVerificationFailed:
		p.status, p.resultCode, p.resultMsg = statusFailed, outcome, "the customer failed the payment verification (simulated)"
	case OutcomeUserCancel:
		p.status, p.resultCode, p.resultMsg = statusFailed, "ORDER_IS_CLOSED", "user cancelled the payment"
	}
	s.log.Info("sandbox: customer acted", "paymentId", p.id, "outcome", outcome, "result", p.resultCode)
	if outcome != OutcomeNoNotify {
		p.note.body = s.notifyBodyLocked(p)
		p.note.inFlight = true
	}
	return true
}

// tokenFromURL accepts a cashier URL, its path, or a bare token.
func (s *Sandbox) tokenFromURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	path := u.Path
	if i := strings.LastIndex(path, "/cashier/"); i >= 0 {
		path = path[i+len("/cashier/"):]
	}
	return strings.Trim(path, "/")
}

// confirmAPI serves POST /api/v1/confirm, the automation stand-in for the customer.
func (s *Sandbox) confirmAPI(w http.ResponseWriter, r *http.Request) {
	var req struct {
		PaymentURL string `json:"paymentUrl"`
		Outcome    string `json:"outcome"`
	}
	if err := decodeJSONBody(w, r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if req.PaymentURL == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "paymentUrl: is required"})
		return
	}
	if req.Outcome == "" {
		req.Outcome = OutcomeSuccess
	}
	fin, err := s.Finish(r.Context(), s.tokenFromURL(req.PaymentURL), req.Outcome)
	switch {
	case errors.Is(err, ErrUnknownPayment):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no payment has this paymentUrl"})
		return
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	status := http.StatusOK
	if !fin.Changed && (fin.PaymentStatus == "PROCESSING" || fin.ResultCode != resultCodeOf(req.Outcome) || s.closedByAcquirer(fin.PaymentID)) {
		// A final state never changes; say so, and show it.
		status = http.StatusConflict
	}
	writeJSON(w, status, fin)
}

// closedByAcquirer reports whether the payment was cancelled or expired rather than decided
// by the customer: confirming it again is a conflict whatever the outcome.
func (s *Sandbox) closedByAcquirer(paymentID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.byID[paymentID]
	return p != nil && p.status == statusPending
}
