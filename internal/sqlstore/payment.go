package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/entrypay/entrypay"
)

var paymentCols = []string{
	"id", "merchant_id", "request_id", "amount_value", "amount_currency", "status",
	"result_code", "result_message",
	"reference_order_id", "order_description", "order_amount_value", "order_amount_currency",
	"store_reference_id", "store_name", "store_mcc", "store_id",
	"wallet", "user_agent", "client_ip", "notify_url", "redirect_url",
	"settlement_currency", "network", "entry_code",
	"wallet_payment_id", "cashier_url", "psp_id", "wallet_brand", "wallet_type", "wallet_customer_id",
	"customer_amount_value", "customer_amount_currency",
	"quote_id", "quote_pair", "quote_price", "quote_start", "quote_expiry", "quote_guaranteed",
	"late_success",
	"created_at", "updated_at", "expires_at", "paid_at", "cancelled_at", "closed_at",
	"settlement_amount_value", "settlement_amount_currency",
	"squote_id", "squote_pair", "squote_price", "squote_start", "squote_expiry", "squote_guaranteed",
	"fee_value", "fee_currency", "risk_review", "device_id", "origin",
}

// A payment's quote lives in columns of its own; quote_id is NULL exactly when the
// payment has no quote, so that a quote whose fields are all empty still comes back.
type quoteCols struct {
	id sql.NullString
	q  entrypay.Quote
}

// quoteArgs gives a quote's column values: the id NULL for no quote.
func quoteArgs(q *entrypay.Quote) (sql.NullString, entrypay.Quote) {
	if q == nil {
		return sql.NullString{}, entrypay.Quote{}
	}
	return sql.NullString{String: q.ID, Valid: true}, *q
}

// quote turns scanned quote columns back into a quote, nil when there was none.
func (q *quoteCols) quote() *entrypay.Quote {
	if !q.id.Valid {
		return nil
	}
	q.q.ID = q.id.String
	return &q.q
}

func paymentArgs(p *entrypay.Payment) []any {
	quoteID, q := quoteArgs(p.PaymentQuote)
	squoteID, sq := quoteArgs(p.SettlementQuote)
	return []any{
		p.ID, p.MerchantID, p.RequestID, p.Amount.Value, p.Amount.Currency, string(p.Status),
		p.ResultCode, p.ResultMessage,
		p.ReferenceOrderID, p.OrderDescription, p.OrderAmount.Value, p.OrderAmount.Currency,
		p.Store.ReferenceID, p.Store.Name, p.Store.MCC, p.Store.StoreID,
		p.Wallet, p.UserAgent, p.ClientIP, p.NotifyURL, p.RedirectURL,
		p.SettlementCurrency, p.Network, p.EntryCode,
		p.WalletPaymentID, p.CashierURL, p.PspID, p.WalletBrand, p.WalletType, p.WalletCustomerID,
		p.CustomerAmount.Value, p.CustomerAmount.Currency,
		quoteID, q.Pair, q.Price, micros(q.Start), micros(q.Expiry), q.Guaranteed,
		p.LateSuccess,
		micros(p.CreatedAt), micros(p.UpdatedAt), micros(p.ExpiresAt), micros(p.PaidAt), micros(p.CancelledAt), micros(p.ClosedAt),
		p.SettlementAmount.Value, p.SettlementAmount.Currency,
		squoteID, sq.Pair, sq.Price, micros(sq.Start), micros(sq.Expiry), sq.Guaranteed,
		p.Fee.Value, p.Fee.Currency, p.RiskReview, p.DeviceID, p.Origin,
	}
}

func paymentDest(p *entrypay.Payment, q, sq *quoteCols) []any {
	return []any{
		&p.ID, &p.MerchantID, &p.RequestID, &p.Amount.Value, &p.Amount.Currency, (*string)(&p.Status),
		&p.ResultCode, &p.ResultMessage,
		&p.ReferenceOrderID, &p.OrderDescription, &p.OrderAmount.Value, &p.OrderAmount.Currency,
		&p.Store.ReferenceID, &p.Store.Name, &p.Store.MCC, &p.Store.StoreID,
		&p.Wallet, &p.UserAgent, &p.ClientIP, &p.NotifyURL, &p.RedirectURL,
		&p.SettlementCurrency, &p.Network, &p.EntryCode,
		&p.WalletPaymentID, &p.CashierURL, &p.PspID, &p.WalletBrand, &p.WalletType, &p.WalletCustomerID,
		&p.CustomerAmount.Value, &p.CustomerAmount.Currency,
		&q.id, &q.q.Pair, &q.q.Price, timeCol{&q.q.Start}, timeCol{&q.q.Expiry}, &q.q.Guaranteed,
		&p.LateSuccess,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, timeCol{&p.ExpiresAt}, timeCol{&p.PaidAt}, timeCol{&p.CancelledAt}, timeCol{&p.ClosedAt},
		&p.SettlementAmount.Value, &p.SettlementAmount.Currency,
		&sq.id, &sq.q.Pair, &sq.q.Price, timeCol{&sq.q.Start}, timeCol{&sq.q.Expiry}, &sq.q.Guaranteed,
		&p.Fee.Value, &p.Fee.Currency, &p.RiskReview, &p.DeviceID, &p.Origin,
	}
}

var (
	selectPaymentSQL = selectSQL("payments", paymentCols)
	insertPaymentSQL = insertSQL("payments", paymentCols, "ON CONFLICT (merchant_id, request_id) DO NOTHING")
	updatePaymentSQL = updateSQL("payments", paymentCols)
)

func scanPayment(r scanner) (*entrypay.Payment, error) {
	var p entrypay.Payment
	var q, sq quoteCols
	if err := r.Scan(paymentDest(&p, &q, &sq)...); err != nil {
		return nil, err
	}
	p.PaymentQuote, p.SettlementQuote = q.quote(), sq.quote()
	return &p, nil
}

// errIncompleteQuery is returned for a query that names neither an id nor a merchant and
// its request id: that is a bug in the caller, not a payment that does not exist.
var errIncompleteQuery = errors.New("query needs an ID, or a MerchantID and a RequestID")

// where builds the conditions of a payment or refund query: every field that is set must
// match.
func where(id, merchantID, requestID string) (string, []any, error) {
	if id == "" && (merchantID == "" || requestID == "") {
		return "", nil, errIncompleteQuery
	}
	var conds []string
	var args []any
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			conds = append(conds, col+" = $"+strconv.Itoa(len(args)))
		}
	}
	add("id", id)
	add("merchant_id", merchantID)
	add("request_id", requestID)
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// describe names a query in error messages.
func describe(kind, id, merchantID, requestID string) string {
	if id != "" {
		if merchantID != "" {
			return fmt.Sprintf("%s %s of merchant %s", kind, id, merchantID)
		}
		return kind + " " + id
	}
	return fmt.Sprintf("%s with request id %s of merchant %s", kind, requestID, merchantID)
}

// Payment returns the payment q finds.
func (t *tx) Payment(ctx context.Context, q entrypay.PaymentQuery) (*entrypay.Payment, error) {
	cond, args, err := where(q.ID, q.MerchantID, q.RequestID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: payment: %w", err)
	}
	p, err := scanPayment(t.queryRow(ctx, selectPaymentSQL+cond+t.lock(q.ForUpdate), args...))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", describe("payment", q.ID, q.MerchantID, q.RequestID), notFound(err))
	}
	return p, nil
}

// InsertPayment adds p unless its merchant already has a payment with p's request id.
func (t *tx) InsertPayment(ctx context.Context, p *entrypay.Payment) (bool, error) {
	ok, err := t.insert(ctx, insertPaymentSQL, paymentArgs(p)...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert payment %s: %w", p.ID, err)
	}
	return ok, nil
}

// UpdatePayment writes every field of p over the payment with p's id.
func (t *tx) UpdatePayment(ctx context.Context, p *entrypay.Payment) error {
	if err := t.update(ctx, updatePaymentSQL, paymentArgs(p)...); err != nil {
		return fmt.Errorf("sqlstore: update payment %s: %w", p.ID, err)
	}
	return nil
}

var paymentEventCols = []string{"payment_id", "at", "kind", "detail"}

func paymentEventArgs(e *entrypay.PaymentEvent) []any {
	return []any{e.PaymentID, micros(e.At), e.Kind, e.Detail}
}

func paymentEventDest(e *entrypay.PaymentEvent) []any {
	return []any{&e.PaymentID, timeCol{&e.At}, &e.Kind, &e.Detail}
}

var (
	selectPaymentEventSQL = selectSQL("payment_events", paymentEventCols)
	insertPaymentEventSQL = insertSQL("payment_events", paymentEventCols, "")
)

func scanPaymentEvent(r scanner) (*entrypay.PaymentEvent, error) {
	var e entrypay.PaymentEvent
	if err := r.Scan(paymentEventDest(&e)...); err != nil {
		return nil, err
	}
	return &e, nil
}

// InsertPaymentEvent appends e to its payment's history.
func (t *tx) InsertPaymentEvent(ctx context.Context, e *entrypay.PaymentEvent) error {
	if _, err := t.exec(ctx, insertPaymentEventSQL, paymentEventArgs(e)...); err != nil {
		return fmt.Errorf("sqlstore: insert %s event of payment %s: %w", e.Kind, e.PaymentID, err)
	}
	return nil
}

// PaymentEvents returns a payment's history in the order it was written; At alone cannot
// order it, as several events may share a time.
func (t *tx) PaymentEvents(ctx context.Context, paymentID string) ([]*entrypay.PaymentEvent, error) {
	evs, err := queryAll(ctx, t, scanPaymentEvent, selectPaymentEventSQL+" WHERE payment_id = $1 ORDER BY seq", paymentID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: events of payment %s: %w", paymentID, err)
	}
	return evs, nil
}

// EachPayment calls fn for every payment in (created_at, id) order, a page at a time.
func (t *tx) EachPayment(ctx context.Context, fn func(*entrypay.Payment) error) error {
	const page = 500
	var lastAt int64
	lastID := ""
	for {
		list, err := queryAll(ctx, t, scanPayment,
			selectPaymentSQL+" WHERE created_at > $1 OR (created_at = $1 AND id > $2) ORDER BY created_at, id LIMIT $3", lastAt, lastID, page)
		if err != nil {
			return fmt.Errorf("sqlstore: payments: %w", err)
		}
		for _, p := range list {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(list) < page {
			return nil
		}
		last := list[len(list)-1]
		lastAt, lastID = micros(last.CreatedAt), last.ID
	}
}
