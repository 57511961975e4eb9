package sandbox

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bojanz/currency"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
	"github.com/entrypay/entrypay/internal/wallets"
)

// Names of the APIs, as fault injection names them.
const (
	apiPay     = "pay"
	apiInquiry = "inquiryPayment"
	apiCancel  = "cancelPayment"
	apiRefund  = "refund"
	apiNotify  = "notify"
	// apiRegistration is the merchant registration API.
	apiRegistration = "registration"
)

// stallLimit is how long a timeout fault holds an answer back at most.
const stallLimit = 30 * time.Second

func success() alipayplus.Result {
	return alipayplus.Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"}
}

func fail(code, msg string) alipayplus.Result {
	return alipayplus.Result{ResultCode: code, ResultStatus: "F", ResultMessage: msg}
}

// resultOnly is the answer when there is nothing to say but the result.
type resultOnly struct {
	Result alipayplus.Result `json:"result"`
}

// unknownClientError marks a key lookup failure, so that it is answered CLIENT_INVALID
// rather than INVALID_SIGNATURE.
type unknownClientError struct{ err error }

func (e *unknownClientError) Error() string { return "unknown client: " + e.err.Error() }
func (e *unknownClientError) Unwrap() error { return e.err }

func (s *Sandbox) lookup(ctx context.Context, clientID string, version int) (*rsa.PublicKey, error) {
	k, err := s.cfg.Acquirers(ctx, clientID, version)
	if err != nil {
		return nil, &unknownClientError{err}
	}
	if k == nil {
		return nil, &unknownClientError{errors.New("no key")}
	}
	return k, nil
}

// api wraps one acquirer API: fault injection, signature check, decoding errors and the
// signed answer. fn returns the answer to marshal; it never fails, every problem is a result.
func (s *Sandbox) api(name string, fn func(ctx context.Context, clientID string, body []byte) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.takeFault(name)
		switch f.Mode {
		case modeHTTP500:
			http.Error(w, "sandbox fault injection: internal server error", http.StatusInternalServerError)
			return
		case modeGarbage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("<html><body>502 Bad Gateway (sandbox fault injection: not JSON)</body></html>"))
			return
		}
		signed, err := antomsig.ReadSigned(r, maxBody, s.lookup)
		if err != nil {
			s.refuse(w, r, err)
			return
		}
		var answer any
		if f.Mode == modeUnknown {
			// Nothing is done: the acquirer must resend with the same request id.
			answer = resultOnly{alipayplus.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U", ResultMessage: "sandbox fault injection: unknown exception"}}
		} else {
			answer = fn(r.Context(), signed.ClientID, signed.Body)
		}
		body, err := json.Marshal(answer)
		if err != nil {
			// The answers are plain structs of strings; this cannot happen.
			s.log.Error("sandbox: marshal answer", "api", name, "err", err)
			body = []byte(`{"result":{"resultCode":"UNKNOWN_EXCEPTION","resultStatus":"U","resultMessage":"internal error"}}`)
		}
		s.log.Info("sandbox: api", "api", name, "client", signed.ClientID, "fault", f.Mode)
		switch f.Mode {
		case modeTimeout:
			// The work is done but the answer is held back: the acquirer must find out by
			// resending (idempotency) or by inquiring.
			s.wait(r.Context(), stallLimit)
			if r.Context().Err() != nil {
				return
			}
		case modeDelay:
			s.wait(r.Context(), time.Duration(f.DelayMs)*time.Millisecond)
		case modeBadSig:
			s.writeBadSignature(w, r, signed.ClientID, body)
			return
		}
		antomsig.WriteSigned(w, r, signed.ClientID, &s.signer, s.now(), body)
	})
}

// noInterface answers a POST to an acquirer API the sandbox does not have.
// Like every answer to an authenticated request, it is signed.
func (s *Sandbox) noInterface(w http.ResponseWriter, r *http.Request) {
	signed, err := antomsig.ReadSigned(r, maxBody, s.lookup)
	if err != nil {
		s.refuse(w, r, err)
		return
	}
	body, _ := json.Marshal(resultOnly{fail("NO_INTERFACE_DEF", "the sandbox has no API at "+r.URL.Path)})
	antomsig.WriteSigned(w, r, signed.ClientID, &s.signer, s.now(), body)
}

// refuse answers a request that could not be authenticated. Such answers are unsigned,
// except CLIENT_INVALID, which is signed so that a misconfigured acquirer can read it.
func (s *Sandbox) refuse(w http.ResponseWriter, r *http.Request, err error) {
	clientID := r.Header.Get("Client-Id")
	var res alipayplus.Result
	var signer *antomsig.Signer
	var uc *unknownClientError
	switch {
	case clientID == "":
		res = fail("CLIENT_INVALID", "Client-Id header is missing")
	case errors.As(err, &uc):
		res = fail("CLIENT_INVALID", fmt.Sprintf("client %q is not a known acquirer", clientID))
		signer = &s.signer
	case errors.Is(err, antomsig.ErrInvalidSignature):
		res = fail("INVALID_SIGNATURE", "the request signature is invalid: "+err.Error())
	default:
		res = fail("PARAM_ILLEGAL", err.Error())
	}
	s.log.Info("sandbox: refused request", "path", r.URL.Path, "client", clientID, "code", res.ResultCode, "err", err)
	body, _ := json.Marshal(resultOnly{res})
	antomsig.WriteSigned(w, r, clientID, signer, s.now(), body)
}

// writeBadSignature writes body like WriteSigned but with a signature over other content.
func (s *Sandbox) writeBadSignature(w http.ResponseWriter, r *http.Request, clientID string, body []byte) {
	now := s.now()
	rt := now.Format(antomsig.ResponseTimeLayout)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("Client-Id", clientID)
	h.Set("Response-Time", rt)
	wrong := append([]byte("sandbox fault injection "), body...)
	if sig, err := s.signer.HeaderFor(http.MethodPost, r.URL.RequestURI(), clientID, rt, wrong); err == nil {
		h.Set("Signature", sig)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// parseAmount checks an Amount and returns its value in minor units. The message names
// the field.
func parseAmount(field string, a alipayplus.Amount) (int64, string) {
	if a.Currency == "" {
		return 0, field + ".currency: is required"
	}
	if _, ok := currency.GetDigits(a.Currency); !ok {
		return 0, fmt.Sprintf("%s.currency: %q is not an ISO 4217 currency code", field, a.Currency)
	}
	v := string(a.Value)
	if v == "" {
		return 0, field + ".value: is required"
	}
	if len(v) > 18 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, fmt.Sprintf("%s.value: %q must be a positive integer in minor units", field, v)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Sprintf("%s.value: %q must be a positive integer in minor units", field, v)
	}
	if a.Currency == "IDR" && n%100 != 0 {
		return 0, fmt.Sprintf("%s.value: an IDR value must end in 00, got %q", field, v)
	}
	return n, ""
}

func checkURL(field, raw string, required bool) string {
	if raw == "" {
		if required {
			return field + ": is required"
		}
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return field + ": must be an absolute http or https URL"
	}
	return ""
}

func minorAmount(minor int64, code string) alipayplus.Amount {
	return alipayplus.Amount{Currency: code, Value: jsonwire.String(strconv.FormatInt(minor, 10))}
}

func (p *payment) reqAmount() alipayplus.Amount    { return minorAmount(p.amount, p.currency) }
func (p *payment) chargeAmount() alipayplus.Amount { return minorAmount(p.charge, p.wallet.Currency) }

func (s *Sandbox) cashierURL(p *payment) string {
	return s.cfg.PublicURL + s.cashierPath(p.token)
}

func (s *Sandbox) cashierPath(token string) string {
	return s.cfg.BasePath + "/cashier/" + token
}

func (s *Sandbox) payFail(code, msg string) alipayplus.PayResponse {
	return alipayplus.PayResponse{Result: fail(code, msg)}
}

// pay creates a payment waiting for the customer, or returns the one already created for
// the same paymentRequestId.
func (s *Sandbox) pay(_ context.Context, clientID string, body []byte) any {
	var req alipayplus.PayRequest
	if err := jsonwire.Decode(body, &req); err != nil {
		return s.payFail("PARAM_ILLEGAL", err.Error())
	}
	if msg := validatePay(&req); msg != "" {
		return s.payFail("PARAM_ILLEGAL", msg)
	}
	amount, msg := parseAmount("paymentAmount", req.PaymentAmount)
	if msg != "" {
		return s.payFail("PARAM_ILLEGAL", msg)
	}
	now := s.now()
	expires := now.Add(defaultExpiry)
	if req.PaymentExpiryTime != "" {
		t, err := time.Parse(time.RFC3339, req.PaymentExpiryTime)
		if err != nil {
			return s.payFail("PARAM_ILLEGAL", "paymentExpiryTime: must be an ISO 8601 date-time with offset")
		}
		if !t.After(now) {
			return s.payFail("PARAM_ILLEGAL", "paymentExpiryTime: is not in the future")
		}
		expires = t
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// Idempotency comes before any business rule: a resend must get the first answer even if
	// the world (rates, balances, faults) has changed since.
	if p, ok := s.byRequest[key(clientID, req.PaymentRequestID)]; ok {
		if p.amount != amount || p.currency != req.PaymentAmount.Currency {
			return s.payFail("REPEAT_REQ_INCONSISTENT", fmt.Sprintf(
				"paymentRequestId %q was already used with paymentAmount %s %d", p.requestID, p.currency, p.amount))
		}
		return s.payAnswer(p)
	}

	code, ok := s.table.Detect(req.Order.Env.UserAgent)
	if !ok {
		return s.payFail("NO_PAY_OPTIONS", "order.env.userAgent carries no Alipay+ wallet marker, so no wallet can pay")
	}
	if code == wallets.Generic {
		// A wallet that only says "Alipay+" is, in the sandbox, Alipay.
		code = "ALIPAY_CN"
	}
	w, ok := s.table.Wallet(code)
	if !ok {
		return s.payFail("NO_PAY_OPTIONS", fmt.Sprintf("wallet %s is not available in the sandbox", code))
	}
	rate, err := s.rates.rate(req.PaymentAmount.Currency, w.Currency)
	if err != nil {
		return s.payFail("CURRENCY_NOT_SUPPORT", fmt.Sprintf("%s cannot pay in %s: %v", w.Name, req.PaymentAmount.Currency, err))
	}
	charge, err := convertMinor(amount, req.PaymentAmount.Currency, w.Currency, rate)
	if err != nil {
		return s.payFail("PAYMENT_AMOUNT_EXCEED_LIMIT", "paymentAmount is too large to convert: "+err.Error())
	}
	if charge < w.MinAmount {
		return s.payFail("PAYMENT_AMOUNT_EXCEED_LIMIT", fmt.Sprintf(
			"the charge of %s is below %s's minimum of %s",
			amountText(charge, w.Currency), w.Name, amountText(w.MinAmount, w.Currency)))
	}

	p := &payment{
		clientID:  clientID,
		requestID: req.PaymentRequestID,
		token:     randomToken(),
		req:       req,
		amount:    amount,
		currency:  req.PaymentAmount.Currency,
		wallet:    w,
		charge:    charge,
		rate:      rate,
		created:   now,
		expires:   expires,
	}
	for {
		p.id = newID(now, "11")
		if _, dup := s.byID[p.id]; !dup {
			break
		}
	}
	p.quote = alipayplus.Quote{
		QuoteID:           newID(now, "51"),
		QuoteCurrencyPair: p.currency + "/" + w.Currency,
		QuotePrice:        jsonwire.String(quotePrice(rate)),
		QuoteStartTime:    formatTime(now),
		QuoteExpiryTime:   formatTime(now.Add(quoteLifetime)),
		Guaranteed:        "true",
	}
	s.payments = append(s.payments, p)
	s.byID[p.id] = p
	s.byRequest[key(clientID, p.requestID)] = p
	s.byToken[p.token] = p
	s.log.Info("sandbox: payment created", "paymentId", p.id, "paymentRequestId", p.requestID,
		"client", clientID, "wallet", w.Code, "amount", p.amount, "currency", p.currency, "charge", charge)
	return s.payAnswer(p)
}

func validatePay(req *alipayplus.PayRequest) string {
	switch {
	case req.PaymentRequestID == "":
		return "paymentRequestId: is required"
	case len(req.PaymentRequestID) > 64:
		return "paymentRequestId: must be at most 64 characters"
	case req.PaymentFactor.InStorePaymentScenario != "EntryCode":
		return fmt.Sprintf("paymentFactor.inStorePaymentScenario: must be EntryCode, got %q", req.PaymentFactor.InStorePaymentScenario)
	case req.Order.Env == nil || strings.TrimSpace(req.Order.Env.UserAgent) == "":
		return "order.env.userAgent: is required for an entry code payment"
	}
	if msg := checkURL("paymentNotifyUrl", req.PaymentNotifyURL, true); msg != "" {
		return msg
	}
	return checkURL("paymentRedirectUrl", req.PaymentRedirectURL, false)
}

func (s *Sandbox) payAnswer(p *payment) alipayplus.PayResponse {
	amt := p.reqAmount()
	return alipayplus.PayResponse{
		Result:            success(),
		PaymentRequestID:  p.requestID,
		PaymentID:         p.id,
		PaymentURL:        s.cashierURL(p),
		PaymentAmount:     &amt,
		PaymentCreateTime: formatTime(p.created),
		PspID:             p.wallet.PspID,
		WalletBrandName:   p.wallet.Name,
	}
}

// findLocked finds the caller's payment by either id; both, when given, must name it.
func (s *Sandbox) findLocked(clientID, requestID, paymentID string) (*payment, *alipayplus.Result) {
	if requestID == "" && paymentID == "" {
		r := fail("PARAM_ILLEGAL", "paymentRequestId or paymentId: one is required")
		return nil, &r
	}
	var p *payment
	if paymentID != "" {
		p = s.byID[paymentID]
		// Acquirers are isolated: another acquirer's payment does not exist for this one.
		if p != nil && p.clientID != clientID {
			p = nil
		}
	}
	if requestID != "" {
		q := s.byRequest[key(clientID, requestID)]
		if paymentID != "" && q != p {
			p = nil
		} else {
			p = q
		}
	}
	if p == nil {
		r := fail("ORDER_NOT_EXIST", "no such payment")
		return nil, &r
	}
	return p, nil
}

// resultLocked is the payment's outcome as the acquirer learns it.
func (s *Sandbox) resultLocked(p *payment, now time.Time) alipayplus.Result {
	switch {
	case p.status == statusFailed:
		return fail(p.resultCode, p.resultMsg)
	case !p.cancelAt.IsZero() && p.status == statusPaid:
		return fail("ORDER_IS_CLOSED", "the payment was cancelled by the acquirer and reversed to the customer")
	case !p.cancelAt.IsZero():
		return fail("ORDER_IS_CLOSED", "the payment was cancelled by the acquirer")
	case p.status == statusPaid:
		return success()
	case !now.Before(p.expires):
		return fail("ORDER_IS_CLOSED", "the payment expired before the customer confirmed it")
	}
	return alipayplus.Result{ResultCode: "PAYMENT_IN_PROCESS", ResultStatus: "U", ResultMessage: "waiting for the customer to confirm in the wallet"}
}

func (s *Sandbox) inquiry(_ context.Context, clientID string, body []byte) any {
	var req alipayplus.InquiryPaymentRequest
	if err := jsonwire.Decode(body, &req); err != nil {
		return resultOnly{fail("PARAM_ILLEGAL", err.Error())}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, bad := s.findLocked(clientID, req.PaymentRequestID, req.PaymentID)
	if bad != nil {
		return resultOnly{*bad}
	}
	res := s.resultLocked(p, s.now())
	amt := p.reqAmount()
	quote := p.quote
	ans := alipayplus.InquiryPaymentResponse{
		Result:           success(),
		PaymentResult:    &res,
		PaymentRequestID: p.requestID,
		PaymentID:        p.id,
		PaymentAmount:    &amt,
		PspID:            p.wallet.PspID,
		CustomerID:       s.customers[p.wallet.Code].id,
		WalletBrandName:  p.wallet.Name,
		PaymentQuote:     &quote,
		WalletType:       p.wallet.Code,
	}
	if p.status == statusPaid {
		charge := p.chargeAmount()
		ans.ActualPaymentAmount = &charge
		ans.PaymentTime = formatTime(p.paidAt)
	}
	return ans
}

func (s *Sandbox) cancel(_ context.Context, clientID string, body []byte) any {
	var req alipayplus.CancelPaymentRequest
	if err := jsonwire.Decode(body, &req); err != nil {
		return resultOnly{fail("PARAM_ILLEGAL", err.Error())}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, bad := s.findLocked(clientID, req.PaymentRequestID, req.PaymentID)
	if bad != nil {
		return resultOnly{*bad}
	}
	if p.cancelAt.IsZero() {
		p.cancelAt = s.now()
		if p.status == statusPaid {
			// Reversal: whatever refunds have not yet given back goes back now.
			s.customers[p.wallet.Code].balance += p.charge - p.credited
			p.credited = p.charge
			s.recordReversalLocked(p)
		}
		// The cancel result overrides any outcome not yet delivered.
		p.note.pending = false
		delete(s.retries, p)
		s.log.Info("sandbox: payment cancelled", "paymentId", p.id, "wasPaid", p.status == statusPaid)
	}
	return alipayplus.CancelPaymentResponse{
		Result:           success(),
		PaymentRequestID: p.requestID,
		PaymentID:        p.id,
		CancelTime:       formatTime(p.cancelAt),
	}
}

func (s *Sandbox) refund(_ context.Context, clientID string, body []byte) any {
	var req alipayplus.RefundRequest
	if err := jsonwire.Decode(body, &req); err != nil {
		return alipayplus.RefundResponse{Result: fail("PARAM_ILLEGAL", err.Error())}
	}
	refusal := func(code, msg string) any { return alipayplus.RefundResponse{Result: fail(code, msg)} }
	switch {
	case req.RefundRequestID == "":
		return refusal("PARAM_ILLEGAL", "refundRequestId: is required")
	case len(req.RefundRequestID) > 64:
		return refusal("PARAM_ILLEGAL", "refundRequestId: must be at most 64 characters")
	}
	amount, msg := parseAmount("refundAmount", req.RefundAmount)
	if msg != "" {
		return refusal("PARAM_ILLEGAL", msg)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if rf, ok := s.refunds[key(clientID, req.RefundRequestID)]; ok {
		p := s.byID[rf.paymentID]
		same := rf.amount == amount && rf.currency == req.RefundAmount.Currency &&
			(req.PaymentID == "" || req.PaymentID == p.id) &&
			(req.PaymentRequestID == "" || req.PaymentRequestID == p.requestID)
		if !same {
			return refusal("REPEAT_REQ_INCONSISTENT", fmt.Sprintf(
				"refundRequestId %q was already used for %s %d of payment %s", rf.requestID, rf.currency, rf.amount, p.id))
		}
		return refundAnswer(rf)
	}
	p, bad := s.findLocked(clientID, req.PaymentRequestID, req.PaymentID)
	if bad != nil {
		return alipayplus.RefundResponse{Result: *bad}
	}
	if req.RefundAmount.Currency != p.currency {
		return refusal("CURRENCY_NOT_SUPPORT", fmt.Sprintf("refundAmount.currency must be the payment currency %s", p.currency))
	}
	if p.status != statusPaid || !p.cancelAt.IsZero() {
		return refusal("ORDER_STATUS_INVALID", "only a paid payment that was not cancelled can be refunded")
	}
	if p.refunded+amount > p.amount {
		return refusal("REFUND_AMOUNT_EXCEED", fmt.Sprintf(
			"refunds would total %s, more than the payment's %s",
			amountText(p.refunded+amount, p.currency), amountText(p.amount, p.currency)))
	}
	credit, err := convertMinor(amount, p.currency, p.wallet.Currency, p.rate)
	if err != nil {
		credit = 0
	}
	left := p.charge - p.credited
	if p.refunded+amount == p.amount || credit > left {
		// The last refund gives back exactly what is left, so rounding never loses or
		// invents a minor unit for the customer.
		credit = left
	}
	p.refunded += amount
	p.credited += credit
	s.customers[p.wallet.Code].balance += credit
	now := s.now()
	rf := &refund{
		clientID:  clientID,
		requestID: req.RefundRequestID,
		id:        newID(now, "21"),
		paymentID: p.id,
		amount:    amount,
		currency:  p.currency,
		at:        now,
		pspID:     p.wallet.PspID,
	}
	s.refunds[key(clientID, rf.requestID)] = rf
	s.recordRefundLocked(p, rf)
	s.log.Info("sandbox: refund", "paymentId", p.id, "refundId", rf.id, "amount", amount, "credit", credit)
	return refundAnswer(rf)
}

func refundAnswer(rf *refund) alipayplus.RefundResponse {
	amt := minorAmount(rf.amount, rf.currency)
	return alipayplus.RefundResponse{
		Result:          success(),
		RefundRequestID: rf.requestID,
		RefundID:        rf.id,
		RefundTime:      formatTime(rf.at),
		RefundAmount:    &amt,
		PspID:           rf.pspID,
	}
}
