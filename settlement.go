package entrypay

import "time"

// BatchStatus is where a settlement batch is in its life.
type BatchStatus string

// Settlement batch statuses.
const (
	// BatchOpen: the clearing day is still collecting entries.
	BatchOpen BatchStatus = "OPEN"
	// BatchClosed: the day is over, the figures and the payout are fixed.
	BatchClosed BatchStatus = "CLOSED"
	// BatchSettled: the payout reached the merchant's bank.
	BatchSettled BatchStatus = "SETTLED"
)

// SettlementBatch is one merchant's money in one settlement currency for one clearing
// day. Figures are minor units of Currency, signed from the merchant's point of view:
// payments positive, refunds, cancels and fees negative.
type SettlementBatch struct {
	ID           string      `json:"settlementBatchId"`
	MerchantID   string      `json:"merchantId"`
	Currency     string      `json:"currency"`
	ClearingDate string      `json:"clearingDate"` // YYYY-MM-DD in the clearing time zone
	ValueDate    string      `json:"valueDate"`    // when the payout is due: ClearingDate + N days
	Status       BatchStatus `json:"status"`
	Count        int         `json:"count"`
	Gross        int64       `json:"gross"`   // payments' settlement amounts
	Refunds      int64       `json:"refunds"` // refunds' settlement amounts (≤ 0)
	Cancels      int64       `json:"cancels"` // reversed payments (≤ 0)
	Fees         int64       `json:"fees"`    // fees charged net of fees returned (≤ 0 usually)
	Net          int64       `json:"net"`     // Gross + Refunds + Cancels + Fees
	// CarriedIn is what earlier batches left unpaid: negative when refunds outran payments.
	CarriedIn int64 `json:"carriedIn"`
	// Payout is what is paid to the merchant: Net + CarriedIn when positive, else 0.
	Payout int64 `json:"payout"`
	// CarriedOut is the negative remainder carried to the next batch.
	CarriedOut int64     `json:"carriedOut"`
	CreatedAt  time.Time `json:"createdAt"`
	ClosedAt   time.Time `json:"closedAt"`
	SettledAt  time.Time `json:"settledAt"`
}

// Clearing says which clearing day an instant belongs to: days end at Cutoff (time of
// day) in Location. Alipay+ clears 00:00–23:59:59 UTC+8, the default.
type Clearing struct {
	Location *time.Location
	Cutoff   time.Duration
	// ValueDays is the N of T+N: how many days after the clearing day the payout is due.
	ValueDays int
}

// DefaultClearing is Alipay+'s cycle: days in UTC+8 ending at midnight, paid T+1.
var DefaultClearing = Clearing{Location: time.FixedZone("UTC+8", 8*3600), Cutoff: 0, ValueDays: 1}

// Date is the clearing day of t, as YYYY-MM-DD.
func (c Clearing) Date(t time.Time) string {
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	if c.Cutoff > 0 {
		// A day ending at the cut-off: what comes after it belongs to the next day.
		local = local.Add(24*time.Hour - c.Cutoff)
	}
	return local.Format(time.DateOnly)
}

// ValueDate is the payout date of a clearing date.
func (c Clearing) ValueDate(clearingDate string) (string, error) {
	d, err := time.Parse(time.DateOnly, clearingDate)
	if err != nil {
		return "", Errorf(EInvalid, "clearing date %q is not YYYY-MM-DD", clip(clearingDate))
	}
	return d.AddDate(0, 0, c.ValueDays).Format(time.DateOnly), nil
}

// End is the instant the clearing day ends: no entry of that day can come after it.
func (c Clearing) End(clearingDate string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, clearingDate)
	if err != nil {
		return time.Time{}, Errorf(EInvalid, "clearing date %q is not YYYY-MM-DD", clip(clearingDate))
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	end := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	if c.Cutoff > 0 {
		end = end.Add(c.Cutoff - 24*time.Hour)
	}
	return end, nil
}

// BatchID is the settlement batch of a merchant, currency and clearing day. It is
// derived, so that every transaction of the day finds the same batch without a lookup.
func BatchID(merchantID, currency, clearingDate string) string {
	return "stl_" + clearingDate[:4] + clearingDate[5:7] + clearingDate[8:10] + "_" + currency + "_" + merchantID
}
