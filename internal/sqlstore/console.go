package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/entrypay/entrypay"
)

// Merchants lists every merchant, by name then id.
func (t *tx) Merchants(ctx context.Context) ([]*entrypay.Merchant, error) {
	out, err := queryAll(ctx, t, scanMerchant, selectMerchantSQL+" ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: merchants: %w", err)
	}
	return out, nil
}

// MerchantForUpdate returns the merchant with the given id, its row locked until the
// transaction ends.
func (t *tx) MerchantForUpdate(ctx context.Context, id string) (*entrypay.Merchant, error) {
	m, err := scanMerchant(t.queryRow(ctx, selectMerchantSQL+" WHERE id = $1"+t.lock(true), id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: merchant %s for update: %w", id, notFound(err))
	}
	return m, nil
}

// SettlementVolume sums the settlement amounts in currency of a merchant's PROCESSING
// and SUCCESS payments created in [from, to).
func (t *tx) SettlementVolume(ctx context.Context, merchantID, currency string, from, to time.Time) (int64, error) {
	var sum int64
	err := t.queryRow(ctx, "SELECT CAST(COALESCE(SUM(settlement_amount_value), 0) AS BIGINT) FROM payments"+
		" WHERE merchant_id = $1 AND created_at >= $2 AND created_at < $3 AND settlement_amount_currency = $4 AND status IN ($5, $6)",
		merchantID, micros(from), micros(to), currency, string(entrypay.PaymentProcessing), string(entrypay.PaymentSuccess)).Scan(&sum)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: settlement volume of merchant %s: %w", merchantID, err)
	}
	return sum, nil
}

// WalletStats counts payments per network, wallet and status created in [from, to), and
// the unknown-outcome wallet calls recorded in it.
func (t *tx) WalletStats(ctx context.Context, from, to time.Time) (_ []entrypay.WalletStats, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("sqlstore: wallet stats: %w", err)
		}
	}()
	type key struct{ network, wallet string }
	byKey := map[key]*entrypay.WalletStats{}
	var order []key
	get := func(k key) *entrypay.WalletStats {
		s, ok := byKey[k]
		if !ok {
			s = &entrypay.WalletStats{Network: k.network, Wallet: k.wallet}
			byKey[k] = s
			order = append(order, k)
		}
		return s
	}
	rows, err := t.query(ctx, "SELECT network, wallet, status, COUNT(*) FROM payments WHERE created_at >= $1 AND created_at < $2"+
		" GROUP BY network, wallet, status", micros(from), micros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var status string
		var n int
		if err := rows.Scan(&k.network, &k.wallet, &status, &n); err != nil {
			return nil, err
		}
		s := get(k)
		switch entrypay.PaymentStatus(status) {
		case entrypay.PaymentProcessing:
			s.Processing += n
		case entrypay.PaymentSuccess:
			s.Success += n
		case entrypay.PaymentFail:
			s.Fail += n
		case entrypay.PaymentCancelled:
			s.Cancelled += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	rows, err = t.query(ctx, "SELECT p.network, p.wallet, COUNT(*) FROM payment_events e JOIN payments p ON p.id = e.payment_id"+
		" WHERE e.kind = $1 AND e.at >= $2 AND e.at < $3 GROUP BY p.network, p.wallet", entrypay.EventWalletNoAnswer, micros(from), micros(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var n int
		if err := rows.Scan(&k.network, &k.wallet, &n); err != nil {
			return nil, err
		}
		get(k).NoAnswer += n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]entrypay.WalletStats, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	sortStats(out)
	return out, nil
}

func sortStats(s []entrypay.WalletStats) {
	slices.SortFunc(s, func(a, b entrypay.WalletStats) int {
		return cmp.Or(cmp.Compare(a.Network, b.Network), cmp.Compare(a.Wallet, b.Wallet))
	})
}

// RateSets returns the newest limit sets of rates (rates stored with one created_at),
// newest first, each set's rates in the order they were stored.
func (t *tx) RateSets(ctx context.Context, limit int) ([]entrypay.RateSet, error) {
	if limit <= 0 {
		return nil, nil
	}
	out, err := queryAll(ctx, t, func(r scanner) (*entrypay.Rate, error) {
		var rate entrypay.Rate
		return &rate, r.Scan(&rate.Base, &rate.Quote, &rate.Price, &rate.Source, timeCol{&rate.AsOf}, timeCol{&rate.CreatedAt})
	}, `SELECT base, quote, price, source, as_of, created_at FROM fx_rates
		WHERE created_at IN (SELECT DISTINCT created_at FROM fx_rates ORDER BY created_at DESC LIMIT $1)
		ORDER BY created_at DESC, seq`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rate sets: %w", err)
	}
	var sets []entrypay.RateSet
	for _, r := range out {
		if n := len(sets); n == 0 || !sets[n-1].CreatedAt.Equal(r.CreatedAt) {
			sets = append(sets, entrypay.RateSet{CreatedAt: r.CreatedAt})
		}
		sets[len(sets)-1].Rates = append(sets[len(sets)-1].Rates, *r)
	}
	return sets, nil
}
