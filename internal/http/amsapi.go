package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// amsCall is one authenticated merchant API request.
type amsCall struct {
	api string
	// merchant is whom the call acts for: the signing client, or the merchant whose
	// Agent-Token a partner's call carries.
	merchant *entrypay.Merchant
	// partner is the signing partner (ISV) when the call is one's; scopes are what its
	// Agent-Token allows (nil without a token).
	partner *entrypay.Merchant
	scopes  []entrypay.Scope
	// origin says who makes the call (Payment.Origin, Refund.Origin).
	origin string
	// token is the Agent-Token the call carried (nil without one).
	token *entrypay.AgentToken
	body  []byte
}

// need refuses a partner's call outside its token's scopes (ACCESS_DENIED); a merchant's
// own calls may do everything.
func (c amsCall) need(scope entrypay.Scope) error {
	if c.partner == nil || slices.Contains(c.scopes, scope) {
		return nil
	}
	return entrypay.Errorf(entrypay.EAccessDenied, "the Agent-Token of partner %s does not allow %s for merchant %s", c.partner.ClientID, scope, c.merchant.ID)
}

// amsAPIs maps each API name to its handler. An API answers a response body (any value
// that marshals to JSON with a result) or an error that ams.ResultOf translates.
func (s *Server) amsAPIs() map[string]func(ctx context.Context, c amsCall) (any, error) {
	apis := map[string]func(ctx context.Context, c amsCall) (any, error){
		"payments/pay":            s.amsPay,
		"payments/inquiryPayment": s.amsInquiryPayment,
		"payments/cancel":         s.amsCancel,
		"payments/refund":         s.amsRefund,
		"payments/inquiryRefund":  s.amsInquiryRefund,
	}
	if s.cfg.Reports != nil {
		apis["reports/settlementBatches"] = s.amsSettlementBatches
		apis["reports/transactionItems"] = s.amsTransactionItems
		apis["reports/settlementItems"] = s.amsSettlementItems
		apis["reports/settlementSummary"] = s.amsSettlementSummary
	}
	// Merchant registration (partners).
	s.registrationAPIs(apis)

	// Entry codes and branding (merchants, and partners for them).
	if s.cfg.Codes != nil {
		apis["codes/createStore"] = s.amsCreateStore
		apis["codes/listStores"] = s.amsListStores
		apis["codes/createCode"] = s.amsCreateCode
		apis["codes/listCodes"] = s.amsListCodes
		apis["codes/disableCode"] = s.amsDisableCode
		apis["codes/enableCode"] = s.amsEnableCode
		apis["codes/replaceCode"] = s.amsReplaceCode
		apis["codes/codeImage"] = s.amsCodeImage
		apis["codes/getBranding"] = s.amsGetBranding
		apis["codes/setBranding"] = s.amsSetBranding
	}
	if s.cfg.Reports != nil {
		apis["reports/partnerMerchants"] = s.amsPartnerMerchants
	}

	return apis
}

// handleAMS authenticates and dispatches every /ams/ request. The checks run in the order
// a merchant would debug them: path, method, media type, body, headers, client, key,
// signature, clock, rate; each failure has its own result code and a message naming
// the header or field.
func (s *Server) handleAMS() http.Handler {
	apis := s.amsAPIs()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		clientID := r.Header.Get("Client-Id")
		fail := func(api string, code entrypay.ErrorCode, format string, args ...any) {
			s.answerAMS(w, r, api, clientID, true, nil, entrypay.Errorf(code, format, args...))
		}

		api, sandboxPath, ok := amsAPIName(r.URL.Path)
		if _, known := apis[api]; !ok || !known {
			fail("unknown", entrypay.ENoInterface, "no API is defined at %s", clipString(r.URL.Path, 100))
			return
		}
		start := time.Now()
		defer func() { s.metrics.apiSeconds.WithLabelValues(api).Observe(time.Since(start).Seconds()) }()
		if r.Method != http.MethodPost {
			fail(api, entrypay.EMethodNotSupported, "%s takes POST, not %s", api, clipString(r.Method, 10))
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, params, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
				fail(api, entrypay.EMediaType, "Content-Type %q is not accepted; send application/json; charset=UTF-8", clipString(ct, 60))
				return
			}
		}
		limit := s.bodyLimit(api)
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			fail(api, entrypay.EInvalid, "request body could not be read")
			return
		}
		if int64(len(body)) > limit {
			fail(api, entrypay.EInvalid, "request body is larger than %d bytes", limit)
			return
		}
		if clientID == "" {
			fail(api, entrypay.EInvalid, "Client-Id header is required")
			return
		}
		reqTime := r.Header.Get("Request-Time")
		if reqTime == "" {
			fail(api, entrypay.EInvalid, "Request-Time header is required")
			return
		}
		sentAt, err := antomsig.ParseTime(reqTime)
		if err != nil {
			fail(api, entrypay.EInvalid, "Request-Time header %q: %v", clipString(reqTime, 40), err)
			return
		}
		agentToken := r.Header.Get("Agent-Token")
		if len(agentToken) > entrypay.MaxAgentTokenLength {
			// The token is never echoed: it would reach the partner's logs and ours.
			fail(api, entrypay.EInvalid, "Agent-Token header is longer than %d characters", entrypay.MaxAgentTokenLength)
			return
		}
		sig, err := antomsig.ParseHeader(r.Header.Get("Signature"))
		if err != nil {
			s.answerAMS(w, r, api, clientID, false, nil, entrypay.Errorf(entrypay.ESignatureInvalid, "%v", err))
			return
		}
		m, key, err := s.cfg.Payments.Client(ctx, clientID, sig.KeyVersion)
		if err != nil {
			s.answerAMS(w, r, api, clientID, true, nil, err)
			return
		}
		pub, err := antomsig.ParsePublicKey([]byte(key.PublicKey))
		if err != nil {
			s.logFrom(ctx).ErrorContext(ctx, "stored merchant key does not parse", "client_id", clientID, "err", err)
			fail(api, entrypay.EKeyNotFound, "the registered key of client %q is unusable", clientID)
			return
		}
		// The URI as sent is what was signed: /ams/sandbox/api/... for sandbox paths.
		content := antomsig.Content(r.Method, r.URL.RequestURI(), clientID, reqTime, body)
		if err := antomsig.Verify(pub, content, sig.Signature); err != nil {
			s.answerAMS(w, r, api, clientID, false, nil, entrypay.Errorf(entrypay.ESignatureInvalid,
				"signature does not verify with key version %d of client %s over POST %s", key.KeyVersion, clientID, r.URL.RequestURI()))
			return
		}
		if m.Disabled {
			s.answerAMS(w, r, api, clientID, true, nil, entrypay.Errorf(entrypay.EMerchantStatus,
				"client %s is disabled: its calls are refused; contact entrypay", clientID))
			return
		}
		if sandboxPath && !m.Sandbox() {
			fail(api, entrypay.EClientInvalid, "%s is for SANDBOX_ client ids; use %s", ams.SandboxPrefix, ams.LivePrefix)
			return
		}
		now := s.cfg.Now()
		if skew := now.Sub(sentAt); skew > s.cfg.MaxSkew || skew < -s.cfg.MaxSkew {
			fail(api, entrypay.EInvalid, "Request-Time header is %s away from the server clock (%s); at most %s is allowed",
				skew.Round(time.Second), now.UTC().Format(time.RFC3339), s.cfg.MaxSkew)
			return
		}
		if !s.limiter(clientID).Allow() {
			fail(api, entrypay.ERateLimited, "too many requests from client %s; retry later", clientID)
			return
		}
		c, err := s.agentCall(ctx, api, m, agentToken)
		if err != nil {
			s.logCall(ctx, api, clientID, key, nil, err)
			s.answerAMS(w, r, api, clientID, true, nil, err)
			return
		}
		c.body, c.origin = body, callOrigin(clientID, key, c.token)
		resp, err := apis[api](ctx, c)
		s.logCall(ctx, api, clientID, key, c.token, err)
		if c.token != nil {
			s.auditPartnerCall(ctx, c, key, body, resp, err)
		}
		s.answerAMS(w, r, api, clientID, true, resp, err)
	})
}

// partnerOwnAPIs are the APIs a partner calls for itself, without an Agent-Token:
// registering merchants, and listing the merchants that authorized it.
var partnerOwnAPIs = map[string]bool{
	"merchants/registration":              true,
	"merchants/inquiryRegistrationStatus": true,
	"merchants/inquiryRegistrationInfo":   true,
	"reports/partnerMerchants":            true,
}

// agentCall decides whom an authenticated call of client m acts for. A merchant's own
// call acts for it and may not carry an Agent-Token. A partner's call with a token acts
// for the token's merchant within its scopes; without one it may only call the
// partner's own APIs (registration), where both merchant and partner are the partner.
func (s *Server) agentCall(ctx context.Context, api string, m *entrypay.Merchant, agentToken string) (amsCall, error) {
	c := amsCall{api: api, merchant: m}
	switch {
	case !m.IsPartner() && agentToken != "":
		return c, entrypay.Errorf(entrypay.EAccessDenied, "Agent-Token is for partners: client %s is a merchant; send its own calls without one", m.ClientID)
	case !m.IsPartner():
		return c, nil
	case agentToken == "":
		if !partnerOwnAPIs[api] {
			return c, entrypay.Errorf(entrypay.EAccessDenied, "client %s is a partner: %s acts for a merchant and needs the merchant's Agent-Token header", m.ClientID, api)
		}
		c.partner = m
		return c, nil
	}
	merchant, tok, err := s.cfg.Payments.AgentAct(ctx, m, agentToken)
	if err != nil {
		return c, err
	}
	c.merchant, c.partner, c.scopes, c.token = merchant, m, tok.Scopes, tok
	return c, nil
}

// callOrigin says who makes a call, as payments and refunds record it: the client and
// its key version (with the key's label, which tells a system integrator's key from the
// merchant's own), and a partner's Agent-Token by reference and label.
func callOrigin(clientID string, key *entrypay.MerchantKey, tok *entrypay.AgentToken) string {
	var b strings.Builder
	if tok != nil {
		b.WriteString("partner ")
	} else {
		b.WriteString("client ")
	}
	fmt.Fprintf(&b, "%s key %d", clientID, key.KeyVersion)
	if key.Label != "" {
		fmt.Fprintf(&b, " (%s)", key.Label)
	}
	if tok != nil {
		fmt.Fprintf(&b, ", Agent-Token %s", entrypay.AgentTokenRef(tok.Token))
		if tok.Label != "" {
			fmt.Fprintf(&b, " (%s)", tok.Label)
		}
	}
	return b.String()
}

// logCall writes the API call's structured log line: the key version and its label say
// which of a merchant's integrations (its own, a system integrator's) made it. Partners'
// calls are also audited (auditPartnerCall); merchants' own are only logged, because an
// audit row is a write transaction and the API's busiest calls would each pay for one.
func (s *Server) logCall(ctx context.Context, api, clientID string, key *entrypay.MerchantKey, tok *entrypay.AgentToken, err error) {
	attrs := []any{"api", api, "client_id", clientID, "key_version", key.KeyVersion, "key_label", key.Label,
		"result_code", ams.ResultOf(err).ResultCode}
	if tok != nil {
		attrs = append(attrs, "merchant_id", tok.MerchantID, "agent_token", entrypay.AgentTokenRef(tok.Token), "agent_token_label", tok.Label)
	}
	s.logFrom(ctx).InfoContext(ctx, "api call", attrs...)
}

// callSubject is what an API call was about: the refund or payment id, else the request
// id, from the answer or the request.
type callSubject struct {
	RefundID         string `json:"refundId"`
	PaymentID        string `json:"paymentId"`
	RefundRequestID  string `json:"refundRequestId"`
	PaymentRequestID string `json:"paymentRequestId"`
}

func subjectOf(body []byte, resp any) string {
	var q, a callSubject
	_ = json.Unmarshal(body, &q)
	if resp != nil {
		if data, err := json.Marshal(resp); err == nil {
			_ = json.Unmarshal(data, &a)
		}
	}
	for _, v := range []string{a.RefundID, q.RefundID, a.PaymentID, q.PaymentID, q.RefundRequestID, q.PaymentRequestID} {
		if v != "" {
			return clipString(v, 64)
		}
	}
	return ""
}

// auditPartnerCall records a call made with an Agent-Token as the partner's, in its own
// transaction before the answer is sent. A failure to record is logged, not answered:
// the call's effect is already committed.
func (s *Server) auditPartnerCall(ctx context.Context, c amsCall, key *entrypay.MerchantKey, body []byte, resp any, callErr error) {
	err := s.cfg.Payments.RecordPartnerCall(ctx, entrypay.PartnerCall{
		PartnerClientID: c.partner.ClientID, MerchantID: c.merchant.ID, API: c.api, Subject: subjectOf(body, resp),
		KeyVersion: key.KeyVersion, KeyLabel: key.Label, TokenLabel: c.token.Label, TokenRef: entrypay.AgentTokenRef(c.token.Token),
		ResultCode: ams.ResultOf(callErr).ResultCode,
	})
	if err != nil {
		s.logFrom(ctx).ErrorContext(ctx, "audit partner call", "api", c.api, "client_id", c.partner.ClientID, "err", err)
	}
}

// amsAPIName splits /ams/api/v1/<group>/<api> and /ams/sandbox/api/v1/<group>/<api>
// into "<group>/<api>".
func amsAPIName(path string) (api string, sandbox, ok bool) {
	const live = ams.LivePrefix + "/v1/"
	const sbox = ams.SandboxPrefix + "/v1/"
	switch {
	case strings.HasPrefix(path, live):
		api = strings.TrimPrefix(path, live)
	case strings.HasPrefix(path, sbox):
		api, sandbox = strings.TrimPrefix(path, sbox), true
	default:
		return "", false, false
	}
	return api, sandbox, strings.Count(api, "/") == 1
}

// answerAMS writes the JSON answer with HTTP 200. A failed call answers only its result.
// Internal errors are logged with the request id and shown as U/UNKNOWN_EXCEPTION.
func (s *Server) answerAMS(w http.ResponseWriter, r *http.Request, api, clientID string, signed bool, resp any, err error) {
	ctx := r.Context()
	if err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.EInternal {
			s.logFrom(ctx).ErrorContext(ctx, "merchant API call failed", "api", api, "client_id", clientID, "err", err)
		}
		resp = ams.ResultOnly{Result: ams.ResultOf(err)}
	}
	body, mErr := json.Marshal(resp)
	if mErr != nil {
		s.logFrom(ctx).ErrorContext(ctx, "encode answer", "api", api, "err", mErr)
		body, _ = json.Marshal(ams.ResultOnly{Result: ams.ResultOf(mErr)})
	}
	code := ams.ResultOf(err).ResultCode
	s.metrics.results.WithLabelValues(api, code).Inc()
	var signer *antomsig.Signer
	if signed {
		signer = &antomsig.Signer{Key: s.cfg.Key, KeyVersion: s.cfg.KeyVersion}
	}
	antomsig.WriteSigned(w, r, clientID, signer, s.cfg.Now(), body)
}

// decode reads the body of an API into v; every problem is PARAM_ILLEGAL naming the field.
func decode(body []byte, v any) error {
	if err := jsonwire.Decode(body, v); err != nil {
		return &entrypay.Error{Code: entrypay.EInvalid, Message: err.Error()}
	}
	return nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// field checks a string field's presence and length.
func field(name string, v ams.String, required bool, max int) (string, error) {
	s := string(v)
	if s == "" {
		if required {
			return "", entrypay.Errorf(entrypay.EInvalid, "%s is required", name)
		}
		return "", nil
	}
	if len(s) > max {
		return "", entrypay.Errorf(entrypay.EInvalid, "%s is longer than %d characters", name, max)
	}
	return s, nil
}

func amount(name string, a *ams.Amount) (entrypay.Amount, error) {
	if a == nil {
		return entrypay.Amount{}, entrypay.Errorf(entrypay.EInvalid, "%s is required", name)
	}
	return entrypay.ParseAmount(name, string(a.Value), string(a.Currency))
}

func (s *Server) amsPay(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopePayments); err != nil {
		return nil, err
	}
	var req ams.PayRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	in, err := payInput(&req)
	if err != nil {
		return nil, err
	}
	in.Origin = c.origin
	p, err := s.cfg.Payments.Pay(ctx, c.merchant, in)
	if err != nil {
		return nil, err
	}
	resp := ams.PayResponseOf(p)
	if resp.RedirectActionForm == nil && p.RiskReview != "" {
		// Held for risk review: the customer waits on entrypay's page, which sends them on
		// to the wallet's cashier once an operator releases the payment.
		resp.RedirectActionForm = &ams.RedirectActionForm{Method: "GET", RedirectURL: s.holdURL(p, "")}
	}
	return resp, nil
}

// payInput checks an Entry Code pay request field by field.
func payInput(req *ams.PayRequest) (entrypay.PayInput, error) {
	var in entrypay.PayInput
	var err error
	if pc, _ := field("productCode", req.ProductCode, true, 64); pc != "IN_STORE_PAYMENT" {
		return in, entrypay.Errorf(entrypay.EInvalid, "productCode must be IN_STORE_PAYMENT, not %q", clipString(pc, 40))
	}
	if in.RequestID, err = field("paymentRequestId", req.PaymentRequestID, true, 64); err != nil {
		return in, err
	}
	if in.Amount, err = amount("paymentAmount", req.PaymentAmount); err != nil {
		return in, err
	}
	if req.PaymentMethod == nil {
		return in, entrypay.Errorf(entrypay.EInvalid, "paymentMethod is required")
	}
	if t := string(req.PaymentMethod.PaymentMethodType); t != "CONNECT_WALLET" {
		return in, entrypay.Errorf(entrypay.EInvalid, "paymentMethod.paymentMethodType must be CONNECT_WALLET, not %q", clipString(t, 40))
	}
	if req.PaymentFactor == nil {
		return in, entrypay.Errorf(entrypay.EInvalid, "paymentFactor is required")
	}
	if sc := string(req.PaymentFactor.InStorePaymentScenario); sc != "EntryCode" {
		return in, entrypay.Errorf(entrypay.EInvalid, "paymentFactor.inStorePaymentScenario must be EntryCode, not %q", clipString(sc, 40))
	}
	if req.Order == nil {
		return in, entrypay.Errorf(entrypay.EInvalid, "order is required")
	}
	o := req.Order
	if o.Env == nil {
		return in, entrypay.Errorf(entrypay.EInvalid, "order.env is required")
	}
	if in.UserAgent, err = field("order.env.userAgent", o.Env.UserAgent, true, 2048); err != nil {
		return in, err
	}
	if in.ClientIP, err = field("order.env.clientIp", o.Env.ClientIP, false, 64); err != nil {
		return in, err
	}
	if in.DeviceID, err = field("order.env.deviceTokenId", o.Env.DeviceTokenID, false, 64); err != nil {
		return in, err
	}
	if in.CookieID, err = field("order.env.cookieId", o.Env.CookieID, false, 64); err != nil {
		return in, err
	}
	if in.CustomerID, err = field("paymentMethod.customerId", req.PaymentMethod.CustomerID, false, 64); err != nil {
		return in, err
	}
	if in.ReferenceOrderID, err = field("order.referenceOrderId", o.ReferenceOrderID, false, 64); err != nil {
		return in, err
	}
	if in.OrderDescription, err = field("order.orderDescription", o.OrderDescription, false, 256); err != nil {
		return in, err
	}
	if o.OrderAmount != nil {
		if in.OrderAmount, err = amount("order.orderAmount", o.OrderAmount); err != nil {
			return in, err
		}
	}
	if o.Merchant != nil && o.Merchant.Store != nil {
		st := o.Merchant.Store
		if in.Store.ReferenceID, err = field("order.merchant.store.referenceStoreId", st.ReferenceStoreID, true, 64); err != nil {
			return in, err
		}
		if in.Store.Name, err = field("order.merchant.store.storeName", st.StoreName, false, 256); err != nil {
			return in, err
		}
		mcc := st.StoreMCC
		if mcc == "" {
			mcc = st.StoreMcc
		}
		if in.Store.MCC, err = field("order.merchant.store.storeMCC", mcc, false, 32); err != nil {
			return in, err
		}
	}
	if in.NotifyURL, err = field("paymentNotifyUrl", req.PaymentNotifyURL, false, 2048); err != nil {
		return in, err
	}
	if in.RedirectURL, err = field("paymentRedirectUrl", req.PaymentRedirectURL, false, 2048); err != nil {
		return in, err
	}
	if exp := string(req.PaymentExpiryTime); exp != "" {
		t, err := time.Parse(time.RFC3339Nano, exp)
		if err != nil {
			return in, entrypay.Errorf(entrypay.EInvalid, "paymentExpiryTime %q is not an ISO 8601 date-time with offset", clipString(exp, 40))
		}
		in.ExpiresAt = t
	}
	if req.SettlementStrategy != nil {
		if in.SettlementCurrency, err = field("settlementStrategy.settlementCurrency", req.SettlementStrategy.SettlementCurrency, false, 3); err != nil {
			return in, err
		}
	}
	return in, nil
}

func paymentRef(body []byte) (entrypay.PaymentRef, error) {
	var req ams.PaymentQueryRequest
	if err := decode(body, &req); err != nil {
		return entrypay.PaymentRef{}, err
	}
	id, err := field("paymentId", req.PaymentID, false, 64)
	if err != nil {
		return entrypay.PaymentRef{}, err
	}
	rid, err := field("paymentRequestId", req.PaymentRequestID, false, 64)
	if err != nil {
		return entrypay.PaymentRef{}, err
	}
	if id == "" && rid == "" {
		return entrypay.PaymentRef{}, entrypay.Errorf(entrypay.EInvalid, "paymentId or paymentRequestId is required")
	}
	return entrypay.PaymentRef{ID: id, RequestID: rid}, nil
}

func (s *Server) amsInquiryPayment(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopePayments); err != nil {
		return nil, err
	}
	ref, err := paymentRef(c.body)
	if err != nil {
		return nil, err
	}
	p, refunds, err := s.cfg.Payments.Payment(ctx, c.merchant, ref)
	if err != nil {
		return nil, err
	}
	return ams.InquiryPaymentResponseOf(p, refunds), nil
}

func (s *Server) amsCancel(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopePayments); err != nil {
		return nil, err
	}
	ref, err := paymentRef(c.body)
	if err != nil {
		return nil, err
	}
	p, err := s.cfg.Payments.Cancel(ctx, c.merchant, ref)
	if err != nil {
		return nil, err
	}
	return ams.CancelResponseOf(p), nil
}

func (s *Server) amsRefund(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopeRefunds); err != nil {
		return nil, err
	}
	var req ams.RefundRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	var in entrypay.RefundInput
	var err error
	if in.RequestID, err = field("refundRequestId", req.RefundRequestID, true, 64); err != nil {
		return nil, err
	}
	if in.PaymentID, err = field("paymentId", req.PaymentID, true, 64); err != nil {
		return nil, err
	}
	if in.ReferenceRefundID, err = field("referenceRefundId", req.ReferenceRefundID, false, 64); err != nil {
		return nil, err
	}
	if in.Reason, err = field("refundReason", req.RefundReason, false, 256); err != nil {
		return nil, err
	}
	if in.Amount, err = amount("refundAmount", req.RefundAmount); err != nil {
		return nil, err
	}
	in.Origin = c.origin
	rf, err := s.cfg.Payments.Refund(ctx, c.merchant, in)
	if err != nil {
		return nil, err
	}
	q, err := s.settlementQuote(ctx, c.merchant, rf)
	if err != nil {
		return nil, err
	}
	return ams.RefundResponseOf(rf, q), nil
}

func (s *Server) amsInquiryRefund(ctx context.Context, c amsCall) (any, error) {
	if err := c.need(entrypay.ScopeRefunds); err != nil {
		return nil, err
	}
	var req ams.RefundQueryRequest
	if err := decode(c.body, &req); err != nil {
		return nil, err
	}
	id, err := field("refundId", req.RefundID, false, 64)
	if err != nil {
		return nil, err
	}
	rid, err := field("refundRequestId", req.RefundRequestID, false, 64)
	if err != nil {
		return nil, err
	}
	if id == "" && rid == "" {
		return nil, entrypay.Errorf(entrypay.EInvalid, "refundId or refundRequestId is required")
	}
	rf, err := s.cfg.Payments.RefundOf(ctx, c.merchant, entrypay.RefundRef{ID: id, RequestID: rid})
	if err != nil {
		return nil, err
	}
	q, err := s.settlementQuote(ctx, c.merchant, rf)
	if err != nil {
		return nil, err
	}
	return ams.InquiryRefundResponseOf(rf, q), nil
}

// settlementQuote is the quote of a refund's payment when its settlement is converted.
func (s *Server) settlementQuote(ctx context.Context, m *entrypay.Merchant, rf *entrypay.Refund) (*entrypay.Quote, error) {
	if rf.SettlementAmount.Currency == "" || rf.SettlementAmount.Currency == rf.Amount.Currency {
		return nil, nil
	}
	p, _, err := s.cfg.Payments.Payment(ctx, m, entrypay.PaymentRef{ID: rf.PaymentID})
	if err != nil {
		return nil, err
	}
	return p.SettlementQuote, nil
}
