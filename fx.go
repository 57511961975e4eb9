package entrypay

import "time"

// Rate is a reference exchange rate from one source: Price units of Quote for one unit
// of Base, as a decimal string (never a float).
type Rate struct {
	Base  string `json:"base"`
	Quote string `json:"quote"`
	Price string `json:"price"`
	// Source names where the rate came from: "file", "admin", "ecb", …
	Source string `json:"source"`
	// AsOf is the time the source says the rate is for.
	AsOf      time.Time `json:"asOf"`
	CreatedAt time.Time `json:"createdAt"`
}

// Pair is "BASE/QUOTE", the form quotes carry.
func (r Rate) Pair() string { return r.Base + "/" + r.Quote }

// Pricing is what a merchant pays entrypay: a merchant discount rate on each payment,
// in basis points (1 bp = 0.01 %) of the settlement amount, plus a fixed fee in the
// settlement currency; whether refunds give the rate part back; and the spread taken on
// currency conversion, also in basis points.
type Pricing struct {
	MerchantID        string    `json:"merchantId"`
	DiscountRateBps   int64     `json:"discountRateBps"`
	FixedFee          Amount    `json:"fixedFee"`
	RefundFeeReturned bool      `json:"refundFeeReturned"`
	FXSpreadBps       int64     `json:"fxSpreadBps"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// FX does the decimal arithmetic of currency conversion. Package internal/fx implements it.
type FX interface {
	// Quote prices a conversion from one currency to another from the rates given
	// (direct, inverse or across a common currency), worsened for the merchant by
	// spreadBps, valid from now for the quote lifetime. Same currencies give price 1.
	Quote(rates []Rate, from, to string, spreadBps int64, now time.Time) (*Quote, error)
	// Convert converts a at the quote's price into the quote's second currency, rounding
	// half-even to that currency's minor units (IDR to whole rupiah).
	Convert(a Amount, q *Quote) (Amount, error)
	// Share returns a × part ÷ whole rounded half-even (IDR to 100): shares of running
	// totals add up to a exactly, so refunds never lose or make a minor unit.
	Share(a Amount, part, whole int64) (Amount, error)
	// Fee returns bps basis points of a, rounded half-even, plus fixed (in a's currency).
	Fee(a Amount, bps int64, fixed Amount) (Amount, error)
}
