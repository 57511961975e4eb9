package entrypay

import (
	"time"
)

// RiskOutcome is what the risk engine decides about a payment or refund.
type RiskOutcome string

const (
	// RiskAccept lets the payment or refund go on to the wallet side.
	RiskAccept RiskOutcome = "ACCEPT"
	// RiskReject refuses it: the merchant gets F/RISK_REJECT, the customer a clear message.
	RiskReject RiskOutcome = "REJECT"
	// RiskReview holds it in PROCESSING, unsent, until an operator releases or rejects it
	// (or it expires).
	RiskReview RiskOutcome = "REVIEW"
)

// ERiskReject is the result code of a payment or refund the risk engine refused.
const ERiskReject ErrorCode = "RISK_REJECT"

// Reason codes the gateway itself gives (rules give their own).
const (
	// ReasonEngineError: the engine failed at run time, so the payment failed closed.
	ReasonEngineError = "RISK_ENGINE_ERROR"
	// ReasonOperatorReject and ReasonReviewExpired end a held payment or refund.
	ReasonOperatorReject = "OPERATOR_REJECT"
	ReasonReviewExpired  = "REVIEW_EXPIRED"
)

// Risk actions a rule may take when its condition holds.
const (
	ActionReject = "reject" // refuse, whatever else fired
	ActionReview = "review" // hold for an operator, unless an allow rule fired
	ActionAllow  = "allow"  // accept, skipping review and score (an allow list)
	ActionScore  = "score"  // only add the rule's score
)

// RiskSignals is everything the risk engine sees about one payment or refund. The rule
// language names each field by its expr tag (merchant.age_days, velocity.ip.count_10m,
// …); decisions store the signals under the same names. Amounts are integer minor units;
// counts and sums of velocity windows include the payment being decided.
type RiskSignals struct {
	// Kind is "payment" or "refund"; Channel is "api" (the merchant's pay call) or "page"
	// (entrypay's hosted entry page). These sets are a promise: the engine refuses a rule
	// comparing them with any other value as one that can never fire.
	Kind    string `expr:"kind" json:"kind"`
	Channel string `expr:"channel" json:"channel"`
	// Amount is the payment's (or refund's) amount in Currency.
	Amount   int64  `expr:"amount" json:"amount"`
	Currency string `expr:"currency" json:"currency"`
	// SettlementAmount is Amount in the merchant's settlement currency at the payment's
	// quote (equal to Amount when no conversion is needed).
	SettlementAmount   int64  `expr:"settlement_amount" json:"settlement_amount"`
	SettlementCurrency string `expr:"settlement_currency" json:"settlement_currency"`
	// Hour (0–23) and Weekday (0 = Sunday … 6) are the local time at the store.
	Hour    int `expr:"hour" json:"hour"`
	Weekday int `expr:"weekday" json:"weekday"`

	Merchant RiskMerchant `expr:"merchant" json:"merchant"`
	Store    RiskStore    `expr:"store" json:"store"`
	Code     RiskCode     `expr:"code" json:"code"`
	Wallet   RiskWallet   `expr:"wallet" json:"wallet"`
	Client   RiskClient   `expr:"client" json:"client"`
	Velocity RiskVelocity `expr:"velocity" json:"velocity"`
	Refund   RiskRefund   `expr:"refund" json:"refund"`
}

// RiskMerchant is the merchant's side of the signals. Amounts are in the settlement
// currency. History counts payments not declined (refused by risk, failed or cancelled).
type RiskMerchant struct {
	ID      string `expr:"id" json:"id"`
	MCC     string `expr:"mcc" json:"mcc"`
	Region  string `expr:"region" json:"region"`
	Sandbox bool   `expr:"sandbox" json:"sandbox"`
	AgeDays int64  `expr:"age_days" json:"age_days"`
	// Count30d and Amount30d are the last 30 days before this payment; AvgAmount30d is
	// their quotient (0 without history).
	Count30d     int64 `expr:"count_30d" json:"count_30d"`
	Amount30d    int64 `expr:"amount_30d" json:"amount_30d"`
	AvgAmount30d int64 `expr:"avg_amount_30d" json:"avg_amount_30d"`
	// LimitPerPayment and LimitDaily come from the rule set's limits (0: none).
	LimitPerPayment int64 `expr:"limit_per_payment" json:"limit_per_payment"`
	LimitDaily      int64 `expr:"limit_daily" json:"limit_daily"`
}

// RiskStore is the store the payment is for ("" ID when the merchant named none).
type RiskStore struct {
	ID      string `expr:"id" json:"id"`
	MCC     string `expr:"mcc" json:"mcc"`
	AgeDays int64  `expr:"age_days" json:"age_days"`
}

// RiskCode is the entry code a hosted-page payment came through ("" Value otherwise).
type RiskCode struct {
	Value string `expr:"value" json:"value"`
	// Status is ACTIVE or DISABLED (a replaced code is DISABLED); "" without a code.
	Status string `expr:"status" json:"status"`
	// AgeHours is how long ago the code was issued; IsReplacement says it replaced an
	// earlier code of the store (a swapped sticker is a classic fraud).
	AgeHours      int64 `expr:"age_hours" json:"age_hours"`
	IsReplacement bool  `expr:"is_replacement" json:"is_replacement"`
}

// RiskWallet is the wallet the customer pays with, as the User-Agent names it.
type RiskWallet struct {
	// Name is the wallet code (ALIPAY_HK, KAKAOPAY, … or CONNECT_WALLET when the wallet
	// side will tell).
	Name     string `expr:"name" json:"name"`
	Currency string `expr:"currency" json:"currency"`
	// Amount is the payment in the wallet's currency at the reference rate; -1 when the
	// wallet or a rate is unknown.
	Amount int64 `expr:"amount" json:"amount"`
	// Min and Max are the wallet's own per-payment limits in its currency (0: none);
	// LimitDaily is the operator's daily limit for the wallet (rule set limits).
	Min        int64 `expr:"min" json:"min"`
	Max        int64 `expr:"max" json:"max"`
	LimitDaily int64 `expr:"limit_daily" json:"limit_daily"`
	// CustomerID is the wallet's id of the customer, when known (refunds; pay requests
	// that carry one).
	CustomerID string `expr:"customer_id" json:"customer_id"`
}

// RiskClient is the customer's device as the request describes it.
type RiskClient struct {
	IP        string `expr:"ip" json:"ip"`
	UserAgent string `expr:"user_agent" json:"user_agent"`
	// DeviceID is order.env.deviceTokenId, or the hosted page's device cookie.
	DeviceID string `expr:"device_id" json:"device_id"`
	CookieID string `expr:"cookie_id" json:"cookie_id"`
}

// RiskWindow counts payments (attempts, whatever their fate) and sums the amounts of
// those not declined over sliding windows. Amounts are in the settlement currency for
// merchant, store and code, in the wallet's currency for wallet, and in the payment's
// currency for ip and device.
type RiskWindow struct {
	Count10m  int64 `expr:"count_10m" json:"count_10m"`
	Count1h   int64 `expr:"count_1h" json:"count_1h"`
	Count24h  int64 `expr:"count_24h" json:"count_24h"`
	Amount1h  int64 `expr:"amount_1h" json:"amount_1h"`
	Amount24h int64 `expr:"amount_24h" json:"amount_24h"`
}

// RiskVelocity is a window per key the payment belongs to (zero when it has no such key).
type RiskVelocity struct {
	Merchant RiskWindow `expr:"merchant" json:"merchant"`
	Store    RiskWindow `expr:"store" json:"store"`
	Code     RiskWindow `expr:"code" json:"code"`
	Wallet   RiskWindow `expr:"wallet" json:"wallet"`
	IP       RiskWindow `expr:"ip" json:"ip"`
	Device   RiskWindow `expr:"device" json:"device"`
}

// RiskRefund describes a refund being decided (zero for payments). Amounts are in the
// settlement currency except PaymentAmount and RefundedBefore, in the payment's.
type RiskRefund struct {
	PaymentAmount  int64 `expr:"payment_amount" json:"payment_amount"`
	RefundedBefore int64 `expr:"refunded_before" json:"refunded_before"`
	// PaymentAgeHours is how long ago the payment succeeded.
	PaymentAgeHours int64 `expr:"payment_age_hours" json:"payment_age_hours"`
	// MerchantRefunds7d (including this one) and MerchantVolume7d are the merchant's
	// refunds and accepted payments of the last 7 days.
	MerchantRefunds7d int64 `expr:"merchant_refunds_7d" json:"merchant_refunds_7d"`
	MerchantVolume7d  int64 `expr:"merchant_volume_7d" json:"merchant_volume_7d"`
}

// FiredRule is one rule whose condition held.
type FiredRule struct {
	Name   string `json:"name"`
	Action string `json:"action"`
	Score  int    `json:"score"`
	Reason string `json:"reason"`
}

// RiskVerdict is what a rule set makes of a set of signals.
type RiskVerdict struct {
	Outcome RiskOutcome `json:"outcome"`
	Score   int         `json:"score"`
	// Reason is the reason code of the rule that decided (the first reject, allow or
	// review rule, or the highest-scoring one), "" when nothing fired.
	Reason string      `json:"reason"`
	Fired  []FiredRule `json:"fired"`
	// Version is the rule set's version; Engine the engine's.
	Version int64  `json:"version"`
	Engine  string `json:"engine"`
}

// RiskRules is a compiled rule set.
type RiskRules interface {
	// Evaluate decides about s. It fills in the limits the rule set sets (merchant and
	// wallet, replacing the wallet's own min and max where the set overrides them) before
	// the rules see s, so the caller stores the signals as the rules saw them; each rule
	// set therefore gets its own copy. An error means the rule set failed at run time: the
	// caller fails closed.
	Evaluate(s *RiskSignals) (*RiskVerdict, error)
	Version() int64
}

// RiskEngine compiles rule sets. Package internal/risk implements it.
type RiskEngine interface {
	// Compile checks a rule set's source and compiles it as the given version. A
	// refused source is an *Error (EInvalid) whose message names the line.
	Compile(source string, version int64) (RiskRules, error)
}

// RuleSetStatus says what a stored rule set is doing.
type RuleSetStatus string

const (
	RuleSetLive    RuleSetStatus = "LIVE"    // decides
	RuleSetShadow  RuleSetStatus = "SHADOW"  // evaluated and recorded beside the live set, never acts
	RuleSetRetired RuleSetStatus = "RETIRED" // replaced
)

// RuleSet is a stored version of the risk rules.
type RuleSet struct {
	Version   int64         `json:"version"`
	Status    RuleSetStatus `json:"status"`
	Source    string        `json:"source"`
	Comment   string        `json:"comment"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"updatedAt"`
}

// RiskDecision is the stored record of one decision: what was decided, by which rules,
// on what inputs, and (for a held payment or refund) what the operator did.
type RiskDecision struct {
	ID         string      `json:"id"`
	Kind       string      `json:"kind"` // "payment" or "refund"
	MerchantID string      `json:"merchantId"`
	PaymentID  string      `json:"paymentId"`
	RefundID   string      `json:"refundId,omitempty"`
	Outcome    RiskOutcome `json:"outcome"`
	Verdict    RiskVerdict `json:"verdict"`
	// Shadow is the shadow rule set's verdict on the same signals, when one was set.
	Shadow  *RiskVerdict `json:"shadow,omitempty"`
	Signals RiskSignals  `json:"signals"`
	// Review is PENDING while a REVIEW outcome waits, then RELEASED, REJECTED or EXPIRED.
	Review     string    `json:"review,omitempty"`
	ReviewedBy string    `json:"reviewedBy,omitempty"`
	ReviewedAt time.Time `json:"reviewedAt,omitzero"`
	CreatedAt  time.Time `json:"createdAt"`
}

// Review states of a held payment or refund.
const (
	ReviewPending  = "PENDING"
	ReviewReleased = "RELEASED"
	ReviewRejected = "REJECTED"
	ReviewExpired  = "EXPIRED"
)

// RiskCount is one bucket of a velocity counter: the payments of Key that began in the
// Span ("m" minute, "h" hour, "d" day; "all" for the running total, Start 0) starting at
// Start (Unix seconds). Declined payments — refused by risk, failed, cancelled or
// expired — stay in Count (an attempt is an attempt) and are subtracted from Amount
// through DeclinedAmount.
type RiskCount struct {
	Key            string
	Span           string
	Start          int64
	Count          int64
	Amount         int64
	DeclinedCount  int64
	DeclinedAmount int64
}

// RiskDecisionQuery selects decisions, newest first. Empty fields select all.
type RiskDecisionQuery struct {
	MerchantID string
	PaymentID  string
	Outcome    RiskOutcome
	Review     string
	// Shadowed selects decisions that carry a shadow verdict.
	Shadowed bool
	Since    time.Time
	Limit    int
}
