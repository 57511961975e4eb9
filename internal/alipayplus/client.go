// Package alipayplus is entrypay's connector to the Alipay+ acquirer protocol: a client
// for pay (Entry Code), inquiryPayment, cancelPayment and refund, and the handler for
// Alipay+'s inbound notifyPayment. It is configured by endpoint, client id and keys only:
// the built-in sandbox and a real Alipay+ endpoint are the same code path.
package alipayplus

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the Alipay+ base URL, e.g. https://open-sea-global.alipayplus.com, or
	// the sandbox's (http://127.0.0.1:8080/sandbox). API paths are appended to it.
	Endpoint string
	// ClientID is entrypay's client id at Alipay+.
	ClientID   string
	Key        *rsa.PrivateKey
	KeyVersion int
	// PeerKey is Alipay+'s public key: every answer and notification must verify with it.
	PeerKey *rsa.PublicKey
	// NotifyURL is where Alipay+ sends notifyPayment (entrypay's Handler).
	NotifyURL string
	// ResultURL gives the page the wallet sends the customer back to when the merchant
	// named none; nil leaves it out.
	ResultURL func(p *entrypay.Payment) string
	// HTTP is the client for calls; nil means one with a 15 s timeout.
	HTTP *http.Client
	Now  func() time.Time
}

// Client calls Alipay+. It implements entrypay.WalletSide.
type Client struct {
	cfg    Config
	caller *antomsig.Caller
}

// NewClient returns a Client.
func NewClient(cfg Config) *Client {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, caller: &antomsig.Caller{
		HTTP:        cfg.HTTP,
		BaseURL:     strings.TrimRight(cfg.Endpoint, "/"),
		ClientID:    cfg.ClientID,
		Signer:      antomsig.Signer{Key: cfg.Key, KeyVersion: cfg.KeyVersion},
		PeerKey:     cfg.PeerKey,
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
		Now:         cfg.Now,
	}}
}

// call posts req to path and decodes the verified answer into resp. Every failure to get a
// readable, signed answer wraps entrypay.ErrWalletNoAnswer.
func (c *Client) call(ctx context.Context, path string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	ans, err := c.caller.Post(ctx, path, body)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", entrypay.ErrWalletNoAnswer, path, err)
	}
	if err := json.Unmarshal(ans.Body, resp); err != nil {
		return fmt.Errorf("%w: %s: unreadable answer: %v", entrypay.ErrWalletNoAnswer, path, err)
	}
	return nil
}

// outcome turns a call's result into nil (S), an *entrypay.Error (F) or a no-answer error (U).
func outcome(path string, r Result) error {
	switch r.ResultStatus {
	case "S":
		return nil
	case "F":
		code := r.ResultCode
		if code == "" {
			code = string(entrypay.EProcessFail)
		}
		return &entrypay.Error{Code: entrypay.ErrorCode(code), Message: firstNonEmpty(r.ResultMessage, "refused by the wallet side")}
	}
	return fmt.Errorf("%w: %s answered %s/%s %s", entrypay.ErrWalletNoAnswer, path, r.ResultStatus, r.ResultCode, r.ResultMessage)
}

func amountOf(a entrypay.Amount) Amount {
	return Amount{Currency: a.Currency, Value: jsonwire.String(a.ValueString())}
}

func timeOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z07:00")
}

// Pay implements entrypay.WalletSide.
func (c *Client) Pay(ctx context.Context, p *entrypay.Payment, m *entrypay.Merchant) (entrypay.WalletPayment, error) {
	storeID := firstNonEmpty(p.Store.StoreID, firstNonEmpty(p.Store.ReferenceID, m.ID))
	orderAmount := p.OrderAmount
	if orderAmount == (entrypay.Amount{}) {
		// orderAmount is required by Alipay+; entrypay's default is the payment amount.
		orderAmount = p.Amount
	}
	redirect := p.RedirectURL
	if redirect == "" && c.cfg.ResultURL != nil {
		redirect = c.cfg.ResultURL(p)
	}
	req := PayRequest{
		PaymentRequestID:   p.ID,
		PaymentAmount:      amountOf(p.Amount),
		PaymentMethod:      PaymentMethod{PaymentMethodType: "CONNECT_WALLET"},
		PaymentFactor:      PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: "EntryCode"},
		PaymentExpiryTime:  timeOf(p.ExpiresAt),
		PaymentNotifyURL:   c.cfg.NotifyURL,
		PaymentRedirectURL: redirect,
		Order: Order{
			ReferenceOrderID: firstNonEmpty(p.ReferenceOrderID, p.ID),
			OrderDescription: p.OrderDescription,
			OrderAmount:      amountOf(orderAmount),
			Merchant: &Merchant{
				ReferenceMerchantID: m.ID,
				MerchantName:        m.Name,
				MerchantMCC:         m.MCC,
				MerchantAddress:     &Address{Region: m.Region},
				Store: &Store{
					ReferenceStoreID: storeID,
					StoreName:        p.Store.Name,
					StoreMCC:         p.Store.MCC,
				},
			},
			Env: &Env{TerminalType: "WAP", UserAgent: p.UserAgent, ClientIP: p.ClientIP},
		},
		SettlementStrategy: &SettlementStrategy{SettlementCurrency: p.SettlementCurrency},
	}
	var resp PayResponse
	if err := c.call(ctx, PathPay, req, &resp); err != nil {
		return entrypay.WalletPayment{}, err
	}
	if err := outcome(PathPay, resp.Result); err != nil {
		return entrypay.WalletPayment{}, err
	}
	if resp.PaymentURL == "" {
		return entrypay.WalletPayment{}, fmt.Errorf("%w: pay answered S without paymentUrl", entrypay.ErrWalletNoAnswer)
	}
	return entrypay.WalletPayment{
		WalletPaymentID: resp.PaymentID,
		CashierURL:      resp.PaymentURL,
		PspID:           resp.PspID,
		WalletBrand:     resp.WalletBrandName,
	}, nil
}

// InquirePayment implements entrypay.WalletSide.
func (c *Client) InquirePayment(ctx context.Context, p *entrypay.Payment) (entrypay.WalletResult, error) {
	var resp InquiryPaymentResponse
	if err := c.call(ctx, PathInquiryPayment, InquiryPaymentRequest{PaymentRequestID: p.ID}, &resp); err != nil {
		return entrypay.WalletResult{}, err
	}
	if err := outcome(PathInquiryPayment, resp.Result); err != nil {
		return entrypay.WalletResult{}, err
	}
	if resp.PaymentResult == nil {
		return entrypay.WalletResult{}, fmt.Errorf("%w: inquiry answered without paymentResult", entrypay.ErrWalletNoAnswer)
	}
	raw, _ := json.Marshal(resp)
	return resultOf(p.ID, *resp.PaymentResult, paymentFields{
		WalletPaymentID: resp.PaymentID, Amount: resp.PaymentAmount, PaymentTime: resp.PaymentTime,
		PspID: resp.PspID, CustomerID: resp.CustomerID, WalletBrand: resp.WalletBrandName, WalletType: resp.WalletType,
		Actual: resp.ActualPaymentAmount, Quote: resp.PaymentQuote,
	}, "inquiry "+string(raw))
}

type paymentFields struct {
	WalletPaymentID, PaymentTime, PspID, CustomerID, WalletBrand, WalletType string
	Amount, Actual                                                           *Amount
	Quote                                                                    *Quote
}

// resultOf converts what Alipay+ says about a payment. Anything it cannot read makes the
// whole answer unusable: a half-understood payment result is worse than none.
func resultOf(paymentID string, pr Result, f paymentFields, raw string) (entrypay.WalletResult, error) {
	res := entrypay.WalletResult{
		PaymentID:        paymentID,
		ResultCode:       pr.ResultCode,
		ResultMessage:    pr.ResultMessage,
		WalletPaymentID:  f.WalletPaymentID,
		PspID:            f.PspID,
		WalletBrand:      f.WalletBrand,
		WalletType:       f.WalletType,
		WalletCustomerID: f.CustomerID,
		Raw:              raw,
	}
	switch pr.ResultStatus {
	case "S":
		res.Status = entrypay.PaymentSuccess
	case "F":
		res.Status = entrypay.PaymentFail
	default:
		res.Status = entrypay.PaymentProcessing
	}
	bad := func(what string, err error) (entrypay.WalletResult, error) {
		return entrypay.WalletResult{}, fmt.Errorf("%w: %s: %v", entrypay.ErrWalletNoAnswer, what, err)
	}
	var err error
	if f.Amount != nil {
		if res.Amount, err = entrypay.ParseAmount("paymentAmount", string(f.Amount.Value), f.Amount.Currency); err != nil {
			return bad("paymentAmount", err)
		}
	}
	if f.Actual != nil {
		if res.CustomerAmount, err = entrypay.ParseAmount("actualPaymentAmount", string(f.Actual.Value), f.Actual.Currency); err != nil {
			return bad("actualPaymentAmount", err)
		}
	}
	if f.PaymentTime != "" {
		if res.PaidAt, err = time.Parse(time.RFC3339Nano, f.PaymentTime); err != nil {
			return bad("paymentTime", err)
		}
	}
	if f.Quote != nil && f.Quote.QuotePrice != "" {
		q := &entrypay.Quote{ID: f.Quote.QuoteID, Pair: f.Quote.QuoteCurrencyPair, Price: string(f.Quote.QuotePrice), Guaranteed: f.Quote.Guaranteed == "true"}
		if !validDecimal(q.Price) {
			return bad("paymentQuote.quotePrice", errors.New("not a decimal"))
		}
		if f.Quote.QuoteStartTime != "" {
			if q.Start, err = time.Parse(time.RFC3339Nano, f.Quote.QuoteStartTime); err != nil {
				return bad("paymentQuote.quoteStartTime", err)
			}
		}
		if f.Quote.QuoteExpiryTime != "" {
			if q.Expiry, err = time.Parse(time.RFC3339Nano, f.Quote.QuoteExpiryTime); err != nil {
				return bad("paymentQuote.quoteExpiryTime", err)
			}
		}
		res.Quote = q
	}
	return res, nil
}

// validDecimal accepts a plain positive decimal such as "56.12345678".
func validDecimal(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

// CancelPayment implements entrypay.WalletSide.
func (c *Client) CancelPayment(ctx context.Context, p *entrypay.Payment) error {
	var resp CancelPaymentResponse
	if err := c.call(ctx, PathCancelPayment, CancelPaymentRequest{PaymentRequestID: p.ID}, &resp); err != nil {
		return err
	}
	return outcome(PathCancelPayment, resp.Result)
}

// Refund implements entrypay.WalletSide.
func (c *Client) Refund(ctx context.Context, p *entrypay.Payment, r *entrypay.Refund) (entrypay.WalletRefund, error) {
	req := RefundRequest{
		RefundRequestID:  r.ID,
		PaymentRequestID: p.ID,
		PaymentID:        p.WalletPaymentID,
		RefundAmount:     amountOf(r.Amount),
		RefundReason:     r.Reason,
	}
	var resp RefundResponse
	if err := c.call(ctx, PathRefund, req, &resp); err != nil {
		return entrypay.WalletRefund{}, err
	}
	if err := outcome(PathRefund, resp.Result); err != nil {
		return entrypay.WalletRefund{}, err
	}
	out := entrypay.WalletRefund{WalletRefundID: resp.RefundID}
	if resp.RefundTime != "" {
		t, err := time.Parse(time.RFC3339Nano, resp.RefundTime)
		if err != nil {
			return entrypay.WalletRefund{}, fmt.Errorf("%w: refundTime: %v", entrypay.ErrWalletNoAnswer, err)
		}
		out.RefundedAt = t
	}
	return out, nil
}

// RegisterMerchant implements entrypay.WalletSide: the merchant is registered under
// entrypay's merchant and store ids (the ids its payments carry), idempotent by the
// registration's id.
func (c *Client) RegisterMerchant(ctx context.Context, r *entrypay.Registration, m *entrypay.Merchant, s *entrypay.Store) error {
	d := r.Details
	addr := func(a entrypay.Address) *Address {
		if a == (entrypay.Address{}) {
			return nil
		}
		return &Address{Region: a.Region, State: a.State, City: a.City, Address1: a.Address1, Address2: a.Address2, ZipCode: a.ZipCode}
	}
	req := RegistrationRequest{
		RegistrationRequestID: r.ID,
		ProductCodes:          d.ProductCodes,
		MerchantInfo: MerchantRegistrationInfo{
			ReferenceMerchantID: m.ID, MerchantDisplayName: firstNonEmpty(d.DisplayName, m.Name), MerchantMCC: m.MCC,
			MerchantAddress: addr(d.Address),
			RegistrationDetail: &RegistrationDetail{LegalName: d.LegalName, RegistrationType: d.RegistrationType, RegistrationNo: d.RegistrationNo,
				RegistrationAddress: addr(d.RegistrationAddress), BusinessType: d.BusinessType},
		},
		StoreInfo: &StoreRegistrationInfo{ReferenceStoreID: s.ID, StoreName: s.Name, StoreMCC: s.MCC, StoreAddress: addr(d.StoreAddress)},
	}
	for _, ct := range d.Contacts {
		req.MerchantInfo.RegistrationDetail.ContactInfo = append(req.MerchantInfo.RegistrationDetail.ContactInfo, ContactInfo{ContactNo: ct.No, ContactType: ct.Type})
	}
	for _, w := range d.Websites {
		req.MerchantInfo.Websites = append(req.MerchantInfo.Websites, WebSite{URL: w.URL})
	}
	var resp RegistrationResponse
	if err := c.call(ctx, PathRegistration, req, &resp); err != nil {
		return err
	}
	return outcome(PathRegistration, resp.Result)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
