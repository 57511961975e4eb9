package ams

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entrypay/entrypay/internal/antomsig"
)

// ErrNoAnswer reports a call after which the caller cannot know what entrypay did: a
// transport error or timeout, an HTTP status other than 200, or an answer that is
// unreadable, unsigned or whose signature does not verify with Config.GatewayKey. Test for
// it with errors.Is. The Client has already resent the call Config.MaxAttempts times; what
// remains is to inquire (InquiryPayment, InquiryRefund) or to send the same request again
// later.
var ErrNoAnswer = antomsig.ErrNoAnswer

// ResultError is the error of a call that entrypay answered with resultStatus F (refused:
// do not resend it as it is) or U (unknown, still so after Config.MaxAttempts attempts:
// inquire, or resend later with the same request id). Find it with errors.As; the typed
// response is returned alongside it.
type ResultError struct {
	Result Result
}

func (e *ResultError) Error() string {
	s := e.Result.ResultStatus + " " + e.Result.ResultCode
	if e.Result.ResultMessage != "" {
		s += ": " + e.Result.ResultMessage
	}
	return s
}

// Config configures a Client.
type Config struct {
	// BaseURL is entrypay's (or Antom's) scheme and host, e.g. https://pay.example.com.
	// API paths are appended to it.
	BaseURL string
	// ClientID is the merchant's client id, printed by `entrypay merchant create`.
	ClientID string
	// PrivateKey signs every request; KeyVersion names it (0 means 1).
	PrivateKey *rsa.PrivateKey
	KeyVersion int
	// GatewayKey is entrypay's public key (`entrypay keys gateway-public`). Every answer
	// and every notification must verify with it.
	GatewayKey *rsa.PublicKey
	// HTTP sends the calls; nil means a client with a 15 s timeout.
	HTTP *http.Client
	// MaxAttempts is how many times a call is sent before the Client gives up on a U
	// answer or on no answer; 0 means 3. Every attempt sends the same body, and so the
	// same paymentRequestId or refundRequestId: that is what makes resending safe.
	MaxAttempts int
	// Backoff says how long to wait after the given failed attempt (1, 2, …) before the
	// next one; nil means 500 ms times the attempt number.
	Backoff func(attempt int) time.Duration
	// Sandbox sends calls to the /ams/sandbox/api paths. They are used anyway when
	// ClientID starts with SANDBOX_, as the official SDKs do.
	Sandbox bool
}

// Client calls entrypay (or Antom) as one merchant: it signs each request with the
// merchant's key, verifies each answer with the gateway's key, resends calls whose outcome
// is unknown, and verifies the notifications entrypay sends (ParseNotification,
// NotificationHandler). A Client is safe for concurrent use.
type Client struct {
	baseURL     string
	clientID    string
	signer      antomsig.Signer
	gatewayKey  *rsa.PublicKey
	http        *http.Client
	maxAttempts int
	backoff     func(int) time.Duration
	sandbox     bool
	// agentToken, when set, goes into every request's Agent-Token header: a partner's
	// (ISV's) client acting for the merchant that gave it the token.
	agentToken string
}

// ForMerchant returns a Client that acts for the merchant whose Agent-Token this is: a
// partner (ISV) signs with its own client id and key, and the token says for whom. The
// receiver is unchanged, so one partner Client serves many merchants.
func (c *Client) ForMerchant(agentToken string) *Client {
	cc := *c
	cc.agentToken = agentToken
	return &cc
}

// NewClient checks cfg and returns a Client.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		return nil, errors.New("ams: Config.BaseURL is required")
	case err != nil:
		return nil, fmt.Errorf("ams: Config.BaseURL: %w", err)
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("ams: Config.BaseURL %q: want http(s)://host", cfg.BaseURL)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("ams: Config.BaseURL %q has a query or fragment", cfg.BaseURL)
	case cfg.ClientID == "":
		return nil, errors.New("ams: Config.ClientID is required")
	case cfg.PrivateKey == nil:
		return nil, errors.New("ams: Config.PrivateKey is required")
	case cfg.GatewayKey == nil:
		return nil, errors.New("ams: Config.GatewayKey is required: answers cannot be trusted without it")
	case cfg.KeyVersion < 0:
		return nil, fmt.Errorf("ams: Config.KeyVersion %d is negative", cfg.KeyVersion)
	case cfg.MaxAttempts < 0:
		return nil, fmt.Errorf("ams: Config.MaxAttempts %d is negative", cfg.MaxAttempts)
	}
	c := &Client{
		baseURL:     strings.TrimRight(cfg.BaseURL, "/"),
		clientID:    cfg.ClientID,
		signer:      antomsig.Signer{Key: cfg.PrivateKey, KeyVersion: cfg.KeyVersion},
		gatewayKey:  cfg.GatewayKey,
		http:        cfg.HTTP,
		maxAttempts: cfg.MaxAttempts,
		backoff:     cfg.Backoff,
		sandbox:     cfg.Sandbox || strings.HasPrefix(cfg.ClientID, "SANDBOX_"),
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 15 * time.Second}
	}
	if c.maxAttempts == 0 {
		c.maxAttempts = 3
	}
	if c.backoff == nil {
		c.backoff = func(attempt int) time.Duration { return time.Duration(attempt) * 500 * time.Millisecond }
	}
	return c, nil
}

// ParsePrivateKey reads an RSA private key in PEM (PKCS#8 or PKCS#1) or as Antom-style
// base64 PKCS#8 DER, the form `entrypay merchant create --generate-key` writes.
func ParsePrivateKey(data []byte) (*rsa.PrivateKey, error) {
	return antomsig.ParsePrivateKey(data)
}

// ParsePublicKey reads an RSA public key in PEM or as base64 X.509 DER, the forms
// `entrypay keys gateway-public` prints.
func ParsePublicKey(data []byte) (*rsa.PublicKey, error) {
	return antomsig.ParsePublicKey(data)
}

// NewEntryCodePayment returns the smallest complete Entry Code pay request: requestID is
// the merchant's paymentRequestId (its idempotency key, at most 64 characters), amount is
// in minor units ({Currency: "HKD", Value: "1250"} is HKD 12.50), userAgent is the
// User-Agent of the customer's in-wallet browser, which tells entrypay the wallet, and
// notifyURL receives the result (see NotificationHandler). Set further fields
// (PaymentRedirectURL, Order.ReferenceOrderID, Order.Merchant.Store, PaymentExpiryTime, …)
// on the result as needed.
func NewEntryCodePayment(requestID string, amount Amount, userAgent, notifyURL string) *PayRequest {
	return &PayRequest{
		ProductCode:      "IN_STORE_PAYMENT",
		PaymentRequestID: String(requestID),
		PaymentAmount:    &amount,
		PaymentMethod:    &PaymentMethod{PaymentMethodType: "CONNECT_WALLET"},
		PaymentFactor:    &PaymentFactor{InStorePaymentScenario: "EntryCode"},
		PaymentNotifyURL: String(notifyURL),
		Order:            &Order{Env: &Env{UserAgent: String(userAgent)}},
	}
}

// Pay creates an Entry Code payment. resultStatus S means the order was created, not that
// it was paid: send the customer's browser to resp.RedirectActionForm.RedirectURL, the
// wallet's cashier, and wait for the notification (NotificationHandler) or ask with
// InquiryPayment. F (a *ResultError, e.g. NO_PAY_OPTIONS when the User-Agent names no
// wallet) means no payment was created under this paymentRequestId. A U or no answer that
// persists through Config.MaxAttempts leaves the payment unknown: inquire, and cancel it
// if it stays unknown.
func (c *Client) Pay(ctx context.Context, req *PayRequest) (*PayResponse, error) {
	if req == nil || req.PaymentRequestID == "" {
		return nil, errors.New("ams pay: paymentRequestId is required: it makes resending safe")
	}
	return call[PayResponse](ctx, c, PathPay, req)
}

// InquiryPayment asks for a payment by entrypay's paymentID or by the merchant's
// paymentRequestID (give one or both; paymentID wins). The call's Result says whether the
// inquiry worked; PaymentStatus (PROCESSING, SUCCESS, FAIL, CANCELLED) is the payment's.
func (c *Client) InquiryPayment(ctx context.Context, paymentID, paymentRequestID string) (*InquiryPaymentResponse, error) {
	if paymentID == "" && paymentRequestID == "" {
		return nil, errors.New("ams inquiryPayment: give a paymentId or a paymentRequestId")
	}
	return call[InquiryPaymentResponse](ctx, c, PathInquiryPayment, PaymentQueryRequest{PaymentID: String(paymentID), PaymentRequestID: String(paymentRequestID)})
}

// Cancel cancels a payment, by paymentID or paymentRequestID: an unpaid one is closed, a
// paid one (within 24 hours) is reversed. Repeating it answers the same.
func (c *Client) Cancel(ctx context.Context, paymentID, paymentRequestID string) (*CancelResponse, error) {
	if paymentID == "" && paymentRequestID == "" {
		return nil, errors.New("ams cancel: give a paymentId or a paymentRequestId")
	}
	return call[CancelResponse](ctx, c, PathCancel, PaymentQueryRequest{PaymentID: String(paymentID), PaymentRequestID: String(paymentRequestID)})
}

// Refund refunds part or all of a paid payment. req.RefundRequestID is the idempotency
// key: after an unknown outcome resend with the same one, or call InquiryRefund.
func (c *Client) Refund(ctx context.Context, req *RefundRequest) (*RefundResponse, error) {
	if req == nil || req.RefundRequestID == "" {
		return nil, errors.New("ams refund: refundRequestId is required: it makes resending safe")
	}
	return call[RefundResponse](ctx, c, PathRefund, req)
}

// InquiryRefund asks for a refund by entrypay's refundID or the merchant's refundRequestID
// (give one or both; refundID wins). RefundStatus is PROCESSING, SUCCESS or FAIL.
func (c *Client) InquiryRefund(ctx context.Context, refundID, refundRequestID string) (*InquiryRefundResponse, error) {
	if refundID == "" && refundRequestID == "" {
		return nil, errors.New("ams inquiryRefund: give a refundId or a refundRequestId")
	}
	return call[InquiryRefundResponse](ctx, c, PathInquiryRefund, RefundQueryRequest{RefundID: String(refundID), RefundRequestID: String(refundRequestID)})
}

// call sends req to the API at path (a live path; the sandbox prefix replaces it for
// sandbox clients) until it gets an S or F answer or has tried c.maxAttempts times, and
// decodes the last answer into T. The body is encoded once, so every attempt carries the
// same bytes and idempotency key; only Request-Time and Signature are new.
func call[T any](ctx context.Context, c *Client, path string, req any) (*T, error) {
	api := path[strings.LastIndexByte(path, '/')+1:]
	body, err := encodeRequest(req)
	if err != nil {
		return nil, fmt.Errorf("ams %s: encode request: %w", api, err)
	}
	if c.sandbox {
		path = SandboxPrefix + strings.TrimPrefix(path, LivePrefix)
	}
	var resp *T
	for attempt := 1; ; attempt++ {
		resp, err = attemptCall[T](ctx, c, path, body)
		if err == nil || !retryable(err) || attempt >= c.maxAttempts {
			break
		}
		if werr := c.wait(ctx, attempt); werr != nil {
			err = fmt.Errorf("%w (gave up after attempt %d: %w)", err, attempt, werr)
			break
		}
	}
	if err != nil {
		return resp, fmt.Errorf("ams %s: %w", api, err)
	}
	return resp, nil
}

// attemptCall sends body once and reads the answer: nil for S, *ResultError for F and U,
// an error wrapping ErrNoAnswer when there is no answer to trust.
func attemptCall[T any](ctx context.Context, c *Client, path string, body []byte) (*T, error) {
	data, signed, err := c.post(ctx, path, body)
	if err != nil {
		return nil, err
	}
	var ro ResultOnly
	resp := new(T)
	if err := json.Unmarshal(data, &ro); err != nil {
		return nil, fmt.Errorf("%w: answer is not JSON: %v", ErrNoAnswer, err)
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return nil, fmt.Errorf("%w: unreadable answer: %v", ErrNoAnswer, err)
	}
	res := ro.Result
	if !signed {
		// entrypay, like Antom, does not sign the answer to a request whose signature it
		// could not verify; that answer, and only that one, is believed unsigned. It can
		// only make the call fail, never succeed.
		if res.ResultStatus == StatusFail && (res.ResultCode == "INVALID_SIGNATURE" || res.ResultCode == "SIGNATURE_INVALID") {
			return resp, &ResultError{Result: res}
		}
		return nil, fmt.Errorf("%w: answer (%s %s) carries no signature", ErrNoAnswer, res.ResultStatus, res.ResultCode)
	}
	switch res.ResultStatus {
	case StatusSuccess:
		return resp, nil
	case StatusFail, StatusUnknown:
		return resp, &ResultError{Result: res}
	}
	return nil, fmt.Errorf("%w: answer has resultStatus %q", ErrNoAnswer, res.ResultStatus)
}

// retryable reports whether the outcome of a call is unknown: worth sending again.
func retryable(err error) bool {
	var re *ResultError
	if errors.As(err, &re) {
		return re.Result.ResultStatus == StatusUnknown
	}
	return errors.Is(err, ErrNoAnswer)
}

// wait sleeps for the backoff after attempt, or until ctx is done.
func (c *Client) wait(ctx context.Context, attempt int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := c.backoff(attempt)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// post signs body for path and sends it. It returns the body of a 200 answer and whether
// the answer was signed; a signature that is present must verify with the gateway key.
func (c *Client) post(ctx context.Context, path string, body []byte) (data []byte, signed bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("build request: %w", err)
	}
	// The URI as sent is the URI signed, including any path prefix of BaseURL.
	uri := req.URL.RequestURI()
	ts := antomsig.FormatMillis(time.Now())
	sig, err := c.signer.HeaderFor(http.MethodPost, uri, c.clientID, ts, body)
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Client-Id", c.clientID)
	req.Header.Set("Request-Time", ts)
	req.Header.Set("Signature", sig)
	if c.agentToken != "" {
		// Not part of the signed content (Antom's rule): the signature covers the body,
		// and the token only means something with the partner's signature.
		req.Header.Set("Agent-Token", c.agentToken)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNoAnswer, err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, antomsig.MaxResponseBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("%w: read answer: %w", ErrNoAnswer, err)
	}
	if len(data) > antomsig.MaxResponseBytes {
		return nil, false, fmt.Errorf("%w: answer larger than %d bytes", ErrNoAnswer, antomsig.MaxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("%w: HTTP %d", ErrNoAnswer, resp.StatusCode)
	}
	header := resp.Header.Get("Signature")
	if header == "" {
		return data, false, nil
	}
	if err := antomsig.VerifyHeader(c.gatewayKey, header, http.MethodPost, uri, resp.Header.Get("Client-Id"), resp.Header.Get("Response-Time"), data); err != nil {
		return nil, false, fmt.Errorf("%w: answer signature: %w", ErrNoAnswer, err)
	}
	return data, true, nil
}

// encodeRequest writes req as JSON without the members that are empty strings, nulls or
// objects left empty, as the official SDKs do (omitempty): the wire types list every field
// the server reads, and Antom refuses some empty ones.
func encodeRequest(req any) ([]byte, error) {
	full, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(prune(v))
}

// prune drops empty members from the objects in v; it returns nil when v itself is empty.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, m := range x {
			if p := prune(m); p == nil {
				delete(x, k)
			} else {
				x[k] = p
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	case []any:
		for i, e := range x {
			if p := prune(e); p != nil {
				x[i] = p
			}
		}
		return x
	case string:
		if x == "" {
			return nil
		}
	}
	return v
}
