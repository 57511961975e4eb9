package entrypay

import (
	"context"
	"sort"
	"time"
)

// OverviewDays is how many days the overview's daily series covers, today included.
const OverviewDays = 30

// overviewBucket divides the time the overview reads: every time zone's midnight falls
// on a quarter hour, so local days are whole buckets.
const overviewBucket = 15 * time.Minute

// Overview is a merchant's figures as its dashboard's first page shows them, in the
// merchant's time zone.
type Overview struct {
	Location *time.Location
	Today    time.Time // local midnight that starts today
	Month    time.Time // local midnight that starts this month
	// TodayTotals and MonthTotals are the successful payments per currency.
	TodayTotals, MonthTotals []PaymentTotal
	// TodayRate and MonthRate are the success rates of the payments created then.
	TodayRate, MonthRate SuccessRate
	// ByWallet and ByStore split this month's payments.
	ByWallet, ByStore []OverviewSplit
	// Days are the last OverviewDays local days, oldest first.
	Days []OverviewDay
}

// SuccessRate counts the payments that ended: succeeded, or failed or were cancelled or
// closed unpaid. Payments still processing count in neither.
type SuccessRate struct {
	Succeeded, Ended int
}

// Permille is the success rate in thousandths, or -1 when no payment ended.
func (r SuccessRate) Permille() int {
	if r.Ended == 0 {
		return -1
	}
	return r.Succeeded * 1000 / r.Ended
}

// OverviewSplit is one wallet's or store's part of a period.
type OverviewSplit struct {
	Key, Name string
	Rate      SuccessRate
	Totals    []PaymentTotal // successful, per currency
}

// OverviewDay is one local day's successful payments per currency.
type OverviewDay struct {
	Date   time.Time // local midnight
	Totals []PaymentTotal
}

// MerchantOverview computes a merchant's overview at now, with days in loc.
func (g *Gateway) MerchantOverview(ctx context.Context, merchantID string, loc *time.Location, now time.Time) (*Overview, error) {
	if loc == nil {
		loc = time.UTC
	}
	local := now.In(loc)
	o := &Overview{
		Location: loc,
		Today:    startOfDay(now, loc),
		Month:    time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc),
	}
	first := o.Today.AddDate(0, 0, -(OverviewDays - 1))
	from := first
	if o.Month.Before(from) {
		from = o.Month
	}
	var buckets []PaymentBucket
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		buckets, err = tx.PaymentBuckets(ctx, merchantID, from, o.Today.AddDate(0, 0, 1), overviewBucket)
		return err
	})
	if err != nil {
		return nil, err
	}
	days := map[time.Time]map[string]*PaymentTotal{}
	var today, month totalsByCurrency
	wallets, stores := map[string]*splitAcc{}, map[string]*splitAcc{}
	for _, b := range buckets {
		day := startOfDay(b.Start, loc)
		ok := b.Status == PaymentSuccess
		if !day.Before(first) && ok {
			if days[day] == nil {
				days[day] = map[string]*PaymentTotal{}
			}
			addTotal(days[day], b)
		}
		if !day.Before(o.Today) {
			today.add(b)
			o.TodayRate.add(b)
		}
		if !day.Before(o.Month) {
			month.add(b)
			o.MonthRate.add(b)
			accOf(wallets, b.Wallet, b.Wallet).add(b)
			accOf(stores, b.StoreID, b.StoreName).add(b)
		}
	}
	o.TodayTotals, o.MonthTotals = today.list(), month.list()
	o.ByWallet, o.ByStore = splits(wallets), splits(stores)
	for d := first; !d.After(o.Today); d = d.AddDate(0, 0, 1) {
		o.Days = append(o.Days, OverviewDay{Date: d, Totals: sortedTotals(days[d])})
	}
	return o, nil
}

// startOfDay is the midnight in loc that starts t's day there.
func startOfDay(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

func (r *SuccessRate) add(b PaymentBucket) {
	if b.Status == PaymentProcessing {
		return
	}
	r.Ended += b.Count
	if b.Status == PaymentSuccess {
		r.Succeeded += b.Count
	}
}

// totalsByCurrency sums successful payments per currency.
type totalsByCurrency map[string]*PaymentTotal

func (m *totalsByCurrency) add(b PaymentBucket) {
	if b.Status != PaymentSuccess {
		return
	}
	if *m == nil {
		*m = totalsByCurrency{}
	}
	addTotal(*m, b)
}

func (m totalsByCurrency) list() []PaymentTotal { return sortedTotals(m) }

func addTotal(m map[string]*PaymentTotal, b PaymentBucket) {
	t := m[b.Currency]
	if t == nil {
		t = &PaymentTotal{Currency: b.Currency}
		m[b.Currency] = t
	}
	t.Count += b.Count
	t.Value += b.Value
}

func sortedTotals(m map[string]*PaymentTotal) []PaymentTotal {
	out := make([]PaymentTotal, 0, len(m))
	for _, t := range m {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

type splitAcc struct {
	key, name string
	rate      SuccessRate
	totals    totalsByCurrency
}

func accOf(m map[string]*splitAcc, key, name string) *splitAcc {
	a := m[key]
	if a == nil {
		a = &splitAcc{key: key, name: name}
		m[key] = a
	}
	return a
}

func (a *splitAcc) add(b PaymentBucket) {
	a.rate.add(b)
	a.totals.add(b)
}

// splits lists the accumulated splits, most payments ended first, then by key.
func splits(m map[string]*splitAcc) []OverviewSplit {
	out := make([]OverviewSplit, 0, len(m))
	for _, a := range m {
		out = append(out, OverviewSplit{Key: a.key, Name: a.name, Rate: a.rate, Totals: a.totals.list()})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Rate.Ended != out[j].Rate.Ended {
			return out[i].Rate.Ended > out[j].Rate.Ended
		}
		return out[i].Key < out[j].Key
	})
	return out
}
