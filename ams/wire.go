// Package ams is the wire format of the Antom merchant API ("AMS") for Entry Code Payment,
// as entrypay speaks it: request and response bodies of pay, inquiryPayment, cancel,
// refund and inquiryRefund, the notifyPayment message, and the result codes with their
// statuses. Merchants' code and entrypay's server share these types.
//
// Conventions: every scalar is written as a JSON string and read from a string, number or
// boolean, except Quote.QuotePrice (a JSON number) and Quote.Guaranteed (a JSON boolean),
// which the official SDKs parse as such. Empty optional fields are omitted.
package ams

import (
	"encoding/json"

	"github.com/entrypay/entrypay/internal/jsonwire"
)

// API paths, relative to the host.
const (
	PathPay            = "/ams/api/v1/payments/pay"
	PathInquiryPayment = "/ams/api/v1/payments/inquiryPayment"
	PathCancel         = "/ams/api/v1/payments/cancel"
	PathRefund         = "/ams/api/v1/payments/refund"
	PathInquiryRefund  = "/ams/api/v1/payments/inquiryRefund"
	// SandboxPrefix replaces "/ams/api" for SANDBOX_ client ids.
	SandboxPrefix = "/ams/sandbox/api"
	LivePrefix    = "/ams/api"
)

// String is a scalar read leniently (string, number or boolean) and written as a string.
type String = jsonwire.String

// Result is the outcome of a call.
type Result struct {
	ResultCode    string `json:"resultCode"`
	ResultStatus  string `json:"resultStatus"`
	ResultMessage string `json:"resultMessage,omitempty"`
}

// Amount is a value in minor units of an ISO 4217 currency.
type Amount struct {
	Currency String `json:"currency"`
	Value    String `json:"value"`
}

// Quote is an exchange rate. QuotePrice is a JSON number.
type Quote struct {
	QuoteID           string      `json:"quoteId,omitempty"`
	QuoteCurrencyPair string      `json:"quoteCurrencyPair,omitempty"`
	QuotePrice        json.Number `json:"quotePrice,omitempty"`
	QuoteStartTime    string      `json:"quoteStartTime,omitempty"`
	QuoteExpiryTime   string      `json:"quoteExpiryTime,omitempty"`
	Guaranteed        bool        `json:"guaranteed"`
}

// PspCustomerInfo tells which wallet, and which wallet user, paid.
type PspCustomerInfo struct {
	PspName           string `json:"pspName,omitempty"`
	PspCustomerID     string `json:"pspCustomerId,omitempty"`
	DisplayCustomerID string `json:"displayCustomerId,omitempty"`
}

// RedirectActionForm says where to send the customer.
type RedirectActionForm struct {
	Method      string `json:"method"`
	RedirectURL string `json:"redirectUrl"`
	Parameters  string `json:"parameters,omitempty"`
}

// --- requests ------------------------------------------------------------------------

// Store is order.merchant.store. Both spellings of the MCC key are accepted.
type Store struct {
	ReferenceStoreID String          `json:"referenceStoreId"`
	StoreName        String          `json:"storeName"`
	StoreMCC         String          `json:"storeMCC"`
	StoreMcc         String          `json:"storeMcc"`
	StoreDisplayName String          `json:"storeDisplayName"`
	StoreTerminalID  String          `json:"storeTerminalId"`
	StoreOperatorID  String          `json:"storeOperatorId"`
	StorePhoneNo     String          `json:"storePhoneNo"`
	StoreAddress     json.RawMessage `json:"storeAddress"`
}

// Merchant is order.merchant.
type Merchant struct {
	ReferenceMerchantID  String          `json:"referenceMerchantId"`
	MerchantMCC          String          `json:"merchantMCC"`
	MerchantName         String          `json:"merchantName"`
	MerchantDisplayName  String          `json:"merchantDisplayName"`
	MerchantAddress      json.RawMessage `json:"merchantAddress"`
	MerchantRegisterDate String          `json:"merchantRegisterDate"`
	MerchantType         String          `json:"merchantType"`
	Store                *Store          `json:"store"`
}

// Env is order.env; UserAgent identifies the wallet.
type Env struct {
	TerminalType             String          `json:"terminalType"`
	OsType                   String          `json:"osType"`
	UserAgent                String          `json:"userAgent"`
	DeviceTokenID            String          `json:"deviceTokenId"`
	ClientIP                 String          `json:"clientIp"`
	CookieID                 String          `json:"cookieId"`
	ExtendInfo               String          `json:"extendInfo"`
	StoreTerminalID          String          `json:"storeTerminalId"`
	StoreTerminalRequestTime String          `json:"storeTerminalRequestTime"`
	BrowserInfo              json.RawMessage `json:"browserInfo"`
	ColorDepth               String          `json:"colorDepth"`
	ScreenHeight             String          `json:"screenHeight"`
	ScreenWidth              String          `json:"screenWidth"`
	TimeZoneOffset           String          `json:"timeZoneOffset"`
	DeviceBrand              String          `json:"deviceBrand"`
	DeviceModel              String          `json:"deviceModel"`
	DeviceLanguage           String          `json:"deviceLanguage"`
	DeviceID                 String          `json:"deviceId"`
	OsVersion                String          `json:"osVersion"`
}

// Order describes what is paid for.
type Order struct {
	ReferenceOrderID String          `json:"referenceOrderId"`
	OrderDescription String          `json:"orderDescription"`
	OrderAmount      *Amount         `json:"orderAmount"`
	Merchant         *Merchant       `json:"merchant"`
	Env              *Env            `json:"env"`
	Goods            json.RawMessage `json:"goods"`
	Shipping         json.RawMessage `json:"shipping"`
	Buyer            json.RawMessage `json:"buyer"`
	ExtendInfo       json.RawMessage `json:"extendInfo"`
}

// PaymentMethod is CONNECT_WALLET for entry codes.
type PaymentMethod struct {
	PaymentMethodType           String          `json:"paymentMethodType"`
	PaymentMethodID             String          `json:"paymentMethodId"`
	Funding                     String          `json:"funding"`
	CustomerID                  String          `json:"customerId"`
	ExtendInfo                  json.RawMessage `json:"extendInfo"`
	RequireIssuerAuthentication String          `json:"requireIssuerAuthentication"`
	PaymentMethodMetaData       json.RawMessage `json:"paymentMethodMetaData"`
}

// PaymentFactor carries inStorePaymentScenario=EntryCode.
type PaymentFactor struct {
	InStorePaymentScenario String `json:"inStorePaymentScenario"`
	IsPaymentEvaluation    String `json:"isPaymentEvaluation"`
	PresentmentMode        String `json:"presentmentMode"`
	CaptureMode            String `json:"captureMode"`
	IsAuthorization        String `json:"isAuthorization"`
	IsInStorePayment       String `json:"isInStorePayment"`
}

// SettlementStrategy names the currency the merchant is settled in.
type SettlementStrategy struct {
	SettlementCurrency String `json:"settlementCurrency"`
}

// PayRequest is the body of pay (Entry Code Payment). Fields the official SDKs may send
// but Entry Code does not use are accepted and ignored (the json.RawMessage ones).
type PayRequest struct {
	ProductCode        String              `json:"productCode"`
	PaymentRequestID   String              `json:"paymentRequestId"`
	Order              *Order              `json:"order"`
	PaymentAmount      *Amount             `json:"paymentAmount"`
	PaymentMethod      *PaymentMethod      `json:"paymentMethod"`
	PaymentExpiryTime  String              `json:"paymentExpiryTime"`
	PaymentRedirectURL String              `json:"paymentRedirectUrl"`
	PaymentNotifyURL   String              `json:"paymentNotifyUrl"`
	PaymentFactor      *PaymentFactor      `json:"paymentFactor"`
	SettlementStrategy *SettlementStrategy `json:"settlementStrategy"`
	MerchantRegion     String              `json:"merchantRegion"`
	UserRegion         String              `json:"userRegion"`
	AppID              String              `json:"appId"`
	MerchantAccountID  String              `json:"merchantAccountId"`
	IsAuthorization    String              `json:"isAuthorization"`
	DualOfflinePayment String              `json:"dualOfflinePayment"`
	SubscriptionID     String              `json:"subscriptionId"`
	TaxCalculationID   String              `json:"taxCalculationId"`
	Env                json.RawMessage     `json:"env"`
	Merchant           json.RawMessage     `json:"merchant"`
	ExtendInfo         json.RawMessage     `json:"extendInfo"`
	Metadata           json.RawMessage     `json:"metadata"`
	CustomizedInfo     json.RawMessage     `json:"customizedInfo"`
	PaymentQuote       json.RawMessage     `json:"paymentQuote"`
	AgreementInfo      json.RawMessage     `json:"agreementInfo"`
	SubscriptionInfo   json.RawMessage     `json:"subscriptionInfo"`
	ProcessingAmount   json.RawMessage     `json:"processingAmount"`
	CreditPayPlan      json.RawMessage     `json:"creditPayPlan"`
	PayToMethod        json.RawMessage     `json:"payToMethod"`
	VerificationData   json.RawMessage     `json:"paymentVerificationData"`
}

// PaymentQueryRequest is the body of inquiryPayment and cancel: one of the two ids.
type PaymentQueryRequest struct {
	PaymentRequestID  String `json:"paymentRequestId"`
	PaymentID         String `json:"paymentId"`
	MerchantAccountID String `json:"merchantAccountId"`
}

// RefundRequest is the body of refund.
type RefundRequest struct {
	RefundRequestID   String  `json:"refundRequestId"`
	PaymentID         String  `json:"paymentId"`
	ReferenceRefundID String  `json:"referenceRefundId"`
	RefundAmount      *Amount `json:"refundAmount"`
	RefundReason      String  `json:"refundReason"`
	IsAsyncRefund     String  `json:"isAsyncRefund"`
	RefundRequestTime String  `json:"refundRequestTime"`
	MerchantAccountID String  `json:"merchantAccountId"`
	RefundNotifyURL   String  `json:"refundNotifyUrl"`
}

// RefundQueryRequest is the body of inquiryRefund: one of the two ids.
type RefundQueryRequest struct {
	RefundRequestID   String `json:"refundRequestId"`
	RefundID          String `json:"refundId"`
	MerchantAccountID String `json:"merchantAccountId"`
}

// --- responses -----------------------------------------------------------------------

// ResultOnly is the body of a failed call.
type ResultOnly struct {
	Result Result `json:"result"`
}

// PayResponse answers pay. On S the payment is created, not paid: send the customer to
// RedirectActionForm.RedirectURL.
type PayResponse struct {
	Result                Result              `json:"result"`
	PaymentRequestID      string              `json:"paymentRequestId,omitempty"`
	PaymentID             string              `json:"paymentId,omitempty"`
	PaymentAmount         *Amount             `json:"paymentAmount,omitempty"`
	PaymentCreateTime     string              `json:"paymentCreateTime,omitempty"`
	PaymentExpiryTime     string              `json:"paymentExpiryTime,omitempty"`
	RedirectActionForm    *RedirectActionForm `json:"redirectActionForm,omitempty"`
	GrossSettlementAmount *Amount             `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote              `json:"settlementQuote,omitempty"`
}

// Transaction is a refund or cancel listed in an inquiryPayment answer.
type Transaction struct {
	TransactionResult    Result  `json:"transactionResult"`
	TransactionID        string  `json:"transactionId"`
	TransactionType      string  `json:"transactionType"`
	TransactionStatus    string  `json:"transactionStatus"`
	TransactionAmount    *Amount `json:"transactionAmount,omitempty"`
	TransactionRequestID string  `json:"transactionRequestId,omitempty"`
	TransactionTime      string  `json:"transactionTime,omitempty"`
}

// InquiryPaymentResponse answers inquiryPayment. Result is the outcome of the call;
// PaymentStatus that of the payment.
type InquiryPaymentResponse struct {
	Result                Result           `json:"result"`
	PaymentStatus         string           `json:"paymentStatus,omitempty"`
	PaymentResultCode     string           `json:"paymentResultCode,omitempty"`
	PaymentResultMessage  string           `json:"paymentResultMessage,omitempty"`
	PaymentRequestID      string           `json:"paymentRequestId,omitempty"`
	PaymentID             string           `json:"paymentId,omitempty"`
	PaymentAmount         *Amount          `json:"paymentAmount,omitempty"`
	PaymentCreateTime     string           `json:"paymentCreateTime,omitempty"`
	PaymentTime           string           `json:"paymentTime,omitempty"`
	PaymentMethodType     string           `json:"paymentMethodType,omitempty"`
	PspCustomerInfo       *PspCustomerInfo `json:"pspCustomerInfo,omitempty"`
	ActualPaymentAmount   *Amount          `json:"actualPaymentAmount,omitempty"`
	PaymentQuote          *Quote           `json:"paymentQuote,omitempty"`
	GrossSettlementAmount *Amount          `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote           `json:"settlementQuote,omitempty"`
	Transactions          []Transaction    `json:"transactions,omitempty"`
}

// CancelResponse answers cancel.
type CancelResponse struct {
	Result           Result `json:"result"`
	PaymentID        string `json:"paymentId,omitempty"`
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	CancelTime       string `json:"cancelTime,omitempty"`
}

// RefundResponse answers refund.
type RefundResponse struct {
	Result                Result  `json:"result"`
	RefundRequestID       string  `json:"refundRequestId,omitempty"`
	RefundID              string  `json:"refundId,omitempty"`
	PaymentID             string  `json:"paymentId,omitempty"`
	RefundAmount          *Amount `json:"refundAmount,omitempty"`
	RefundTime            string  `json:"refundTime,omitempty"`
	GrossSettlementAmount *Amount `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote  `json:"settlementQuote,omitempty"`
}

// InquiryRefundResponse answers inquiryRefund.
type InquiryRefundResponse struct {
	Result                Result  `json:"result"`
	RefundID              string  `json:"refundId,omitempty"`
	RefundRequestID       string  `json:"refundRequestId,omitempty"`
	RefundAmount          *Amount `json:"refundAmount,omitempty"`
	RefundTime            string  `json:"refundTime,omitempty"`
	RefundStatus          string  `json:"refundStatus,omitempty"`
	GrossSettlementAmount *Amount `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote  `json:"settlementQuote,omitempty"`
}

// NotifyPaymentRequest is the notification entrypay sends to a merchant when a payment is
// final.
type NotifyPaymentRequest struct {
	NotifyType            string           `json:"notifyType"`
	Result                Result           `json:"result"`
	PaymentRequestID      string           `json:"paymentRequestId"`
	PaymentID             string           `json:"paymentId"`
	PaymentAmount         *Amount          `json:"paymentAmount"`
	PaymentCreateTime     string           `json:"paymentCreateTime,omitempty"`
	PaymentTime           string           `json:"paymentTime,omitempty"`
	PaymentMethodType     string           `json:"paymentMethodType,omitempty"`
	PspCustomerInfo       *PspCustomerInfo `json:"pspCustomerInfo,omitempty"`
	ActualPaymentAmount   *Amount          `json:"actualPaymentAmount,omitempty"`
	PaymentQuote          *Quote           `json:"paymentQuote,omitempty"`
	GrossSettlementAmount *Amount          `json:"grossSettlementAmount,omitempty"`
	SettlementQuote       *Quote           `json:"settlementQuote,omitempty"`
}

// NotifyTypePaymentResult is the notifyType of payment results.
const NotifyTypePaymentResult = "PAYMENT_RESULT"

// AckBody is the exact body a merchant answers a notification with.
const AckBody = `{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`

// --- reports (entrypay's extension of the API) -----------------------------------------

// Report API paths: entrypay serves a merchant's reports through the same signed API.
const (
	PathSettlementBatches = "/ams/api/v1/reports/settlementBatches"
	PathTransactionItems  = "/ams/api/v1/reports/transactionItems"
	PathSettlementItems   = "/ams/api/v1/reports/settlementItems"
	PathSettlementSummary = "/ams/api/v1/reports/settlementSummary"
)

// ReportRequest asks for a report: the transaction details of a clearing day, or the
// settlement details or summary of a batch, or the batches of a day.
type ReportRequest struct {
	TransactionDate   String `json:"transactionDate"`
	SettlementBatchID String `json:"settlementBatchId"`
	ClearingDate      String `json:"clearingDate"`
}

// ReportResponse carries one report file, in Antom's CSV format.
type ReportResponse struct {
	Result      Result `json:"result"`
	FileName    string `json:"fileName,omitempty"`
	FileContent string `json:"fileContent,omitempty"`
}

// SettlementBatch is one settlement batch as the report API lists it. Amounts are signed
// minor units of the settlement currency.
type SettlementBatch struct {
	SettlementBatchID  string  `json:"settlementBatchId"`
	SettlementCurrency string  `json:"settlementCurrency"`
	ClearingDate       string  `json:"clearingDate"`
	ValueDate          string  `json:"valueDate"`
	Status             string  `json:"status"`
	TransactionCount   string  `json:"transactionCount"`
	GrossAmount        *Amount `json:"grossAmount"`
	RefundAmount       *Amount `json:"refundAmount"`
	CancelAmount       *Amount `json:"cancelAmount"`
	FeeAmount          *Amount `json:"feeAmount"`
	NetAmount          *Amount `json:"netAmount"`
	CarriedInAmount    *Amount `json:"carriedInAmount"`
	PayoutAmount       *Amount `json:"payoutAmount"`
	CarriedOutAmount   *Amount `json:"carriedOutAmount"`
}

// SettlementBatchesResponse lists a merchant's settlement batches.
type SettlementBatchesResponse struct {
	Result            Result            `json:"result"`
	SettlementBatches []SettlementBatch `json:"settlementBatches"`
}
