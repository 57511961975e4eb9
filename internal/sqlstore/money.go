package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

var rateCols = []string{"base", "quote", "price", "source", "as_of", "created_at"}

var insertRateSQL = insertSQL("fx_rates", rateCols, "")

// InsertRates adds rates; the newest of a pair is the one in force.
func (t *tx) InsertRates(ctx context.Context, rates []entrypay.Rate) error {
	for _, r := range rates {
		if _, err := t.exec(ctx, insertRateSQL, r.Base, r.Quote, r.Price, r.Source, micros(r.AsOf), micros(r.CreatedAt)); err != nil {
			return fmt.Errorf("sqlstore: insert rate %s/%s: %w", r.Base, r.Quote, err)
		}
	}
	return nil
}

// LatestRates returns the newest rate of each pair: latest as_of, then latest insert.
func (t *tx) LatestRates(ctx context.Context) ([]entrypay.Rate, error) {
	out, err := queryAll(ctx, t, func(r scanner) (*entrypay.Rate, error) {
		var rate entrypay.Rate
		return &rate, r.Scan(&rate.Base, &rate.Quote, &rate.Price, &rate.Source, timeCol{&rate.AsOf}, timeCol{&rate.CreatedAt})
	}, `SELECT r.base, r.quote, r.price, r.source, r.as_of, r.created_at FROM fx_rates r
		WHERE r.seq = (SELECT s.seq FROM fx_rates s WHERE s.base = r.base AND s.quote = r.quote ORDER BY s.as_of DESC, s.seq DESC LIMIT 1)
		ORDER BY r.base, r.quote`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: latest rates: %w", err)
	}
	rates := make([]entrypay.Rate, len(out))
	for i, r := range out {
		rates[i] = *r
	}
	return rates, nil
}

var pricingCols = []string{"merchant_id", "discount_rate_bps", "fixed_fee_value", "fixed_fee_currency", "refund_fee_returned", "fx_spread_bps", "updated_at"}

var (
	selectPricingSQL = selectSQL("merchant_pricing", pricingCols)
	upsertPricingSQL = insertSQL("merchant_pricing", pricingCols, "ON CONFLICT (merchant_id) DO UPDATE SET "+setExcluded(pricingCols[1:]))
)

// setExcluded is the SET list of an upsert that takes every column from the new row.
func setExcluded(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = excluded." + c
	}
	return strings.Join(parts, ", ")
}

// Pricing returns a merchant's pricing.
func (t *tx) Pricing(ctx context.Context, merchantID string) (*entrypay.Pricing, error) {
	var p entrypay.Pricing
	err := t.queryRow(ctx, selectPricingSQL+" WHERE merchant_id = $1", merchantID).Scan(
		&p.MerchantID, &p.DiscountRateBps, &p.FixedFee.Value, &p.FixedFee.Currency, &p.RefundFeeReturned, &p.FXSpreadBps, timeCol{&p.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: pricing of %s: %w", merchantID, notFound(err))
	}
	return &p, nil
}

// PutPricing stores a merchant's pricing, replacing what was there.
func (t *tx) PutPricing(ctx context.Context, p *entrypay.Pricing) error {
	_, err := t.exec(ctx, upsertPricingSQL, p.MerchantID, p.DiscountRateBps, p.FixedFee.Value, p.FixedFee.Currency, p.RefundFeeReturned, p.FXSpreadBps, micros(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put pricing of %s: %w", p.MerchantID, err)
	}
	return nil
}

var batchCols = []string{
	"id", "merchant_id", "currency", "clearing_date", "value_date", "status",
	"count", "gross", "refunds", "cancels", "fees", "net", "carried_in", "payout", "carried_out",
	"created_at", "closed_at", "settled_at",
}

func batchArgs(b *entrypay.SettlementBatch) []any {
	return []any{
		b.ID, b.MerchantID, b.Currency, b.ClearingDate, b.ValueDate, string(b.Status),
		b.Count, b.Gross, b.Refunds, b.Cancels, b.Fees, b.Net, b.CarriedIn, b.Payout, b.CarriedOut,
		micros(b.CreatedAt), micros(b.ClosedAt), micros(b.SettledAt),
	}
}

func scanBatch(r scanner) (*entrypay.SettlementBatch, error) {
	var b entrypay.SettlementBatch
	err := r.Scan(&b.ID, &b.MerchantID, &b.Currency, &b.ClearingDate, &b.ValueDate, (*string)(&b.Status),
		&b.Count, &b.Gross, &b.Refunds, &b.Cancels, &b.Fees, &b.Net, &b.CarriedIn, &b.Payout, &b.CarriedOut,
		timeCol{&b.CreatedAt}, timeCol{&b.ClosedAt}, timeCol{&b.SettledAt})
	return &b, err
}

var (
	selectBatchSQL = selectSQL("settlement_batches", batchCols)
	insertBatchSQL = insertSQL("settlement_batches", batchCols, "ON CONFLICT DO NOTHING")
	updateBatchSQL = updateSQL("settlement_batches", batchCols)
)

// EnsureBatch inserts b unless its id exists. It takes no lock on an existing batch, so
// the payments of one merchant do not queue behind each other here.
func (t *tx) EnsureBatch(ctx context.Context, b *entrypay.SettlementBatch) error {
	if _, err := t.exec(ctx, insertBatchSQL, batchArgs(b)...); err != nil {
		return fmt.Errorf("sqlstore: ensure batch %s: %w", b.ID, err)
	}
	return nil
}

// Batch returns a settlement batch.
func (t *tx) Batch(ctx context.Context, id string, forUpdate bool) (*entrypay.SettlementBatch, error) {
	b, err := scanBatch(t.queryRow(ctx, selectBatchSQL+" WHERE id = $1"+t.lock(forUpdate), id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: batch %s: %w", id, notFound(err))
	}
	return b, nil
}

// Batches lists batches, by clearing day and merchant when given.
func (t *tx) Batches(ctx context.Context, merchantID, clearingDate string) ([]*entrypay.SettlementBatch, error) {
	q := selectBatchSQL + " WHERE ($1 = '' OR merchant_id = $1) AND ($2 = '' OR clearing_date = $2) ORDER BY clearing_date, merchant_id, currency"
	out, err := queryAll(ctx, t, scanBatch, q, merchantID, clearingDate)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: batches: %w", err)
	}
	return out, nil
}

// UpdateBatch writes every field of b.
func (t *tx) UpdateBatch(ctx context.Context, b *entrypay.SettlementBatch) error {
	if err := t.update(ctx, updateBatchSQL, batchArgs(b)...); err != nil {
		return fmt.Errorf("sqlstore: update batch %s: %w", b.ID, err)
	}
	return nil
}

// RecordWalletFile remembers an imported file; a name seen before is not inserted.
func (t *tx) RecordWalletFile(ctx context.Context, name, hash string, importedAt time.Time) (bool, error) {
	ok, err := t.insert(ctx, "INSERT INTO wallet_files (name, hash, imported_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", name, hash, micros(importedAt))
	if err != nil {
		return false, fmt.Errorf("sqlstore: record wallet file %s: %w", name, err)
	}
	return ok, nil
}

var (
	deliveryCols      = []string{"merchant_id", "address", "username", "dir", "host_key", "updated_at"}
	selectDeliverySQL = selectSQL("report_deliveries", deliveryCols)
	upsertDeliverySQL = insertSQL("report_deliveries", deliveryCols, "ON CONFLICT (merchant_id) DO UPDATE SET "+setExcluded(deliveryCols[1:]))
	uploadCols        = []string{"merchant_id", "clearing_date", "files", "uploaded_at"}
	selectUploadSQL   = selectSQL("report_uploads", uploadCols)
	upsertUploadSQL   = insertSQL("report_uploads", uploadCols, "ON CONFLICT (merchant_id, clearing_date) DO UPDATE SET "+setExcluded(uploadCols[2:]))
)

// ReportDelivery returns where a merchant's reports are uploaded.
func (t *tx) ReportDelivery(ctx context.Context, merchantID string) (*entrypay.ReportDelivery, error) {
	var d entrypay.ReportDelivery
	err := t.queryRow(ctx, selectDeliverySQL+" WHERE merchant_id = $1", merchantID).Scan(
		&d.MerchantID, &d.Address, &d.User, &d.Dir, &d.HostKey, timeCol{&d.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: report delivery of %s: %w", merchantID, notFound(err))
	}
	return &d, nil
}

// PutReportDelivery stores where a merchant's reports go, replacing what was there.
func (t *tx) PutReportDelivery(ctx context.Context, d *entrypay.ReportDelivery) error {
	if _, err := t.exec(ctx, upsertDeliverySQL, d.MerchantID, d.Address, d.User, d.Dir, d.HostKey, micros(d.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlstore: put report delivery of %s: %w", d.MerchantID, err)
	}
	return nil
}

// DeleteReportDelivery stops uploading a merchant's reports; none set is no error.
func (t *tx) DeleteReportDelivery(ctx context.Context, merchantID string) error {
	if _, err := t.exec(ctx, "DELETE FROM report_deliveries WHERE merchant_id = $1", merchantID); err != nil {
		return fmt.Errorf("sqlstore: delete report delivery of %s: %w", merchantID, err)
	}
	return nil
}

// ReportUpload returns the record of a merchant's upload of a clearing day.
func (t *tx) ReportUpload(ctx context.Context, merchantID, clearingDate string) (*entrypay.ReportUpload, error) {
	var u entrypay.ReportUpload
	err := t.queryRow(ctx, selectUploadSQL+" WHERE merchant_id = $1 AND clearing_date = $2", merchantID, clearingDate).Scan(
		&u.MerchantID, &u.ClearingDate, &u.Files, timeCol{&u.UploadedAt})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: report upload of %s on %s: %w", merchantID, clearingDate, notFound(err))
	}
	return &u, nil
}

// PutReportUpload records an upload; uploading a day again replaces its record.
func (t *tx) PutReportUpload(ctx context.Context, u *entrypay.ReportUpload) error {
	if _, err := t.exec(ctx, upsertUploadSQL, u.MerchantID, u.ClearingDate, u.Files, micros(u.UploadedAt)); err != nil {
		return fmt.Errorf("sqlstore: put report upload of %s on %s: %w", u.MerchantID, u.ClearingDate, err)
	}
	return nil
}
