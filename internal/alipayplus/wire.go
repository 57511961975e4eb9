package alipayplus

import "github.com/entrypay/entrypay/internal/jsonwire"

// Paths of the Alipay+ acquirer APIs, relative to the endpoint's base URL.
const (
	PathPay            = "/aps/api/v1/payments/pay"
	PathInquiryPayment = "/aps/api/v1/payments/inquiryPayment"
	PathCancelPayment  = "/aps/api/v1/payments/cancelPayment"
	PathRefund         = "/aps/api/v1/payments/refund"
	PathRegistration   = "/aps/api/v1/merchants/registration"
)

// The wire types below follow the Alipay+ acquirer API: every scalar a JSON string,
// optional fields omitted rather than empty. Fields marked "extension" are not in the
// public Alipay+ material; entrypay's sandbox sends them so that the merchant can be told
// what the customer was charged.

// Result is the outcome of a call (result) or of a payment (paymentResult).
type Result struct {
	ResultCode    string `json:"resultCode"`
	ResultStatus  string `json:"resultStatus"`
	ResultMessage string `json:"resultMessage,omitempty"`
}

// Amount is a value in minor units and its ISO 4217 currency.
type Amount struct {
	Currency string          `json:"currency"`
	Value    jsonwire.String `json:"value"`
}

// Quote is an exchange rate used for a payment.
type Quote struct {
	QuoteID           string          `json:"quoteId,omitempty"`
	QuoteCurrencyPair string          `json:"quoteCurrencyPair,omitempty"`
	QuotePrice        jsonwire.String `json:"quotePrice,omitempty"`
	QuoteStartTime    string          `json:"quoteStartTime,omitempty"`
	QuoteExpiryTime   string          `json:"quoteExpiryTime,omitempty"`
	Guaranteed        jsonwire.String `json:"guaranteed,omitempty"`
}

// PaymentMethod names the method; for entry codes it is CONNECT_WALLET.
type PaymentMethod struct {
	PaymentMethodType string `json:"paymentMethodType"`
}

// PaymentFactor marks an in-store entry-code payment.
type PaymentFactor struct {
	IsInStorePayment       jsonwire.String `json:"isInStorePayment,omitempty"`
	InStorePaymentScenario string          `json:"inStorePaymentScenario,omitempty"`
}

// Address is a merchant or store address.
type Address struct {
	Region   string `json:"region,omitempty"`
	State    string `json:"state,omitempty"`
	City     string `json:"city,omitempty"`
	Address1 string `json:"address1,omitempty"`
	Address2 string `json:"address2,omitempty"`
	ZipCode  string `json:"zipCode,omitempty"`
}

// Store is the shop where the code is shown.
type Store struct {
	ReferenceStoreID string   `json:"referenceStoreId"`
	StoreName        string   `json:"storeName"`
	StoreMCC         string   `json:"storeMCC,omitempty"`
	StoreDisplayName string   `json:"storeDisplayName,omitempty"`
	StoreAddress     *Address `json:"storeAddress,omitempty"`
}

// Merchant is the acquirer's merchant.
type Merchant struct {
	ReferenceMerchantID string   `json:"referenceMerchantId"`
	MerchantName        string   `json:"merchantName"`
	MerchantDisplayName string   `json:"merchantDisplayName,omitempty"`
	MerchantMCC         string   `json:"merchantMCC,omitempty"`
	MerchantAddress     *Address `json:"merchantAddress,omitempty"`
	Store               *Store   `json:"store,omitempty"`
}

// Env describes the customer's device; userAgent identifies the wallet.
type Env struct {
	TerminalType string `json:"terminalType,omitempty"`
	OsType       string `json:"osType,omitempty"`
	UserAgent    string `json:"userAgent,omitempty"`
	ClientIP     string `json:"clientIp,omitempty"`
}

// Order describes what is paid for.
type Order struct {
	ReferenceOrderID string    `json:"referenceOrderId"`
	OrderDescription string    `json:"orderDescription"`
	OrderAmount      Amount    `json:"orderAmount"`
	Merchant         *Merchant `json:"merchant,omitempty"`
	Env              *Env      `json:"env,omitempty"`
}

// SettlementStrategy names the currency the acquirer is settled in.
type SettlementStrategy struct {
	SettlementCurrency string `json:"settlementCurrency,omitempty"`
}

// PayRequest is the body of pay (Merchant-presented Mode, Entry Code).
type PayRequest struct {
	PaymentRequestID   string              `json:"paymentRequestId"`
	PaymentAmount      Amount              `json:"paymentAmount"`
	PaymentMethod      PaymentMethod       `json:"paymentMethod"`
	PaymentFactor      PaymentFactor       `json:"paymentFactor"`
	PaymentExpiryTime  string              `json:"paymentExpiryTime,omitempty"`
	PaymentNotifyURL   string              `json:"paymentNotifyUrl,omitempty"`
	PaymentRedirectURL string              `json:"paymentRedirectUrl,omitempty"`
	Order              Order               `json:"order"`
	SettlementStrategy *SettlementStrategy `json:"settlementStrategy,omitempty"`
}

// PayResponse is the answer to pay. On S, PaymentURL is the wallet cashier to send the
// customer to; the payment is not yet paid.
type PayResponse struct {
	Result            Result  `json:"result"`
	PaymentRequestID  string  `json:"paymentRequestId,omitempty"`
	PaymentID         string  `json:"paymentId,omitempty"`
	PaymentURL        string  `json:"paymentUrl,omitempty"`
	PaymentAmount     *Amount `json:"paymentAmount,omitempty"`
	PaymentCreateTime string  `json:"paymentCreateTime,omitempty"`
	PspID             string  `json:"pspId,omitempty"`
	WalletBrandName   string  `json:"walletBrandName,omitempty"`
}

// NotifyPaymentRequest is what Alipay+ sends to the acquirer when a payment is final.
type NotifyPaymentRequest struct {
	PaymentResult    Result  `json:"paymentResult"`
	PaymentRequestID string  `json:"paymentRequestId"`
	PaymentID        string  `json:"paymentId,omitempty"`
	AcquirerID       string  `json:"acquirerId,omitempty"`
	PspID            string  `json:"pspId,omitempty"`
	CustomerID       string  `json:"customerId,omitempty"`
	PaymentAmount    *Amount `json:"paymentAmount,omitempty"`
	PaymentTime      string  `json:"paymentTime,omitempty"`
	WalletBrandName  string  `json:"walletBrandName,omitempty"`
	SettlementAmount *Amount `json:"settlementAmount,omitempty"`
	SettlementQuote  *Quote  `json:"settlementQuote,omitempty"`
	// ActualPaymentAmount is what the customer was charged in the wallet's currency (extension).
	ActualPaymentAmount *Amount `json:"actualPaymentAmount,omitempty"`
	// PaymentQuote is the rate from the payment currency to the wallet's currency (extension).
	PaymentQuote *Quote `json:"paymentQuote,omitempty"`
	// WalletType is the wallet's enum code, e.g. GCASH (extension).
	WalletType string `json:"walletType,omitempty"`
}

// NotifyPaymentResponse acknowledges a notification.
type NotifyPaymentResponse struct {
	Result Result `json:"result"`
}

// InquiryPaymentRequest asks for a payment by the acquirer's or Alipay+'s id.
type InquiryPaymentRequest struct {
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
}

// InquiryPaymentResponse carries the call outcome (Result) and, when found, the payment
// outcome (PaymentResult: S paid, F failed or closed, U still in process).
type InquiryPaymentResponse struct {
	Result              Result  `json:"result"`
	PaymentResult       *Result `json:"paymentResult,omitempty"`
	PaymentRequestID    string  `json:"paymentRequestId,omitempty"`
	PaymentID           string  `json:"paymentId,omitempty"`
	PaymentAmount       *Amount `json:"paymentAmount,omitempty"`
	PaymentTime         string  `json:"paymentTime,omitempty"`
	PspID               string  `json:"pspId,omitempty"`
	CustomerID          string  `json:"customerId,omitempty"`
	WalletBrandName     string  `json:"walletBrandName,omitempty"`
	ActualPaymentAmount *Amount `json:"actualPaymentAmount,omitempty"`
	PaymentQuote        *Quote  `json:"paymentQuote,omitempty"`
	WalletType          string  `json:"walletType,omitempty"`
}

// CancelPaymentRequest closes an unpaid payment or reverses a paid one.
type CancelPaymentRequest struct {
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
}

// CancelPaymentResponse answers cancelPayment.
type CancelPaymentResponse struct {
	Result           Result `json:"result"`
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
	CancelTime       string `json:"cancelTime,omitempty"`
}

// RefundRequest refunds part or all of a paid payment.
type RefundRequest struct {
	RefundRequestID  string `json:"refundRequestId"`
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
	RefundAmount     Amount `json:"refundAmount"`
	RefundReason     string `json:"refundReason,omitempty"`
}

// RefundResponse answers refund.
type RefundResponse struct {
	Result          Result  `json:"result"`
	RefundRequestID string  `json:"refundRequestId,omitempty"`
	RefundID        string  `json:"refundId,omitempty"`
	RefundTime      string  `json:"refundTime,omitempty"`
	RefundAmount    *Amount `json:"refundAmount,omitempty"`
	PspID           string  `json:"pspId,omitempty"`
}

// RegistrationRequest is the body of registration: an acquirer registers a merchant and
// its store with the wallet networks.
type RegistrationRequest struct {
	RegistrationRequestID string                   `json:"registrationRequestId"`
	ProductCodes          []string                 `json:"productCodes"`
	MerchantInfo          MerchantRegistrationInfo `json:"merchantInfo"`
	StoreInfo             *StoreRegistrationInfo   `json:"storeInfo,omitempty"`
}

// MerchantRegistrationInfo is the merchant being registered.
type MerchantRegistrationInfo struct {
	ReferenceMerchantID string              `json:"referenceMerchantId"`
	MerchantDisplayName string              `json:"merchantDisplayName"`
	MerchantMCC         string              `json:"merchantMCC"`
	MerchantAddress     *Address            `json:"merchantAddress,omitempty"`
	RegistrationDetail  *RegistrationDetail `json:"registrationDetail,omitempty"`
	Websites            []WebSite           `json:"websites,omitempty"`
}

// RegistrationDetail is the merchant's legal registration.
type RegistrationDetail struct {
	LegalName           string        `json:"legalName"`
	RegistrationType    string        `json:"registrationType"`
	RegistrationNo      string        `json:"registrationNo"`
	RegistrationAddress *Address      `json:"registrationAddress,omitempty"`
	BusinessType        string        `json:"businessType"`
	ContactInfo         []ContactInfo `json:"contactInfo,omitempty"`
}

// ContactInfo is one way to reach the merchant.
type ContactInfo struct {
	ContactNo   string `json:"contactNo"`
	ContactType string `json:"contactType"`
}

// WebSite is one of the merchant's sites.
type WebSite struct {
	URL string `json:"url"`
}

// StoreRegistrationInfo is the store being registered.
type StoreRegistrationInfo struct {
	ReferenceStoreID string   `json:"referenceStoreId"`
	StoreName        string   `json:"storeName"`
	StoreMCC         string   `json:"storeMCC"`
	StoreAddress     *Address `json:"storeAddress,omitempty"`
}

// RegistrationResponse answers registration: S means accepted.
type RegistrationResponse struct {
	Result Result `json:"result"`
}
