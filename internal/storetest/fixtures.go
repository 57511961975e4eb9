package storetest

import (
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// t0 is the fixtures' clock: microsecond precision in UTC, what the store keeps.
var t0 = time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)

// at is t0 plus n minutes.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

// id returns a new unique id, as the gateway makes them.
func id(prefix string) string { return entrypay.NewID(prefix, time.Now()) }

// allBytes is a body holding every byte value, NUL and invalid UTF-8 included.
func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// Builders return a value with sensible defaults: the fields a row needs and nothing
// else, so that a test states only what it is about. Options change the value; full
// sets every field.

func newMerchant(opts ...func(*entrypay.Merchant)) *entrypay.Merchant {
	m := &entrypay.Merchant{
		ID:                 id("mer_"),
		ClientID:           entrypay.RandomCode(16),
		Name:               "Noodle Bar",
		MCC:                "5812",
		Region:             "HK",
		SettlementCurrency: "HKD",
		CreatedAt:          at(0),
		Kind:               entrypay.KindMerchant,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

func fullMerchant(m *entrypay.Merchant) {
	m.Name = `Café "Ω" 'Noodle' Bar`
	m.NotifyURL = "https://merchant.example/notify?x=1&y=2"
	m.KYBStatus, m.KYBNote = entrypay.KYBRejected, "registry extract does not match the name"
	m.Disabled, m.TimeZone = true, "Asia/Hong_Kong"
	m.MaxPayment, m.MaxDaily = math.MaxInt64-1, math.MaxInt64
	m.Kind = entrypay.KindPartner
}

func newMerchantKey(clientID string, version int) *entrypay.MerchantKey {
	// The label round-trips too (key labels for system integrators).
	return &entrypay.MerchantKey{ClientID: clientID, KeyVersion: version, PublicKey: "MIIBIjANBgkq-" + clientID, CreatedAt: at(version), Label: fmt.Sprintf("integrator %d", version)}
}

func newStore(merchantID string, opts ...func(*entrypay.Store)) *entrypay.Store {
	s := &entrypay.Store{ID: id("sto_"), MerchantID: merchantID, Name: "Central", CreatedAt: at(1)}
	for _, o := range opts {
		o(s)
	}
	return s
}

func fullStore(s *entrypay.Store) {
	s.DisplayName = "Noodle Bar · Central"
	s.MCC = "5814"
	s.Region = "MO"
	s.SettlementCurrency = "MOP"
	s.Currency = "HKD"
	s.ReferenceID = "S-1"
}

func newPayment(merchantID string, opts ...func(*entrypay.Payment)) *entrypay.Payment {
	p := &entrypay.Payment{
		ID:         id("pay_"),
		MerchantID: merchantID,
		RequestID:  id("req_"),
		Amount:     entrypay.Amount{Value: 1299, Currency: "HKD"},
		Status:     entrypay.PaymentProcessing,
		CreatedAt:  at(2),
		UpdatedAt:  at(2),
		ExpiresAt:  at(17),
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func fullPayment(p *entrypay.Payment) {
	p.Status = entrypay.PaymentCancelled
	p.ResultCode = "ORDER_IS_CANCELED"
	p.ResultMessage = "cancelled by the merchant"
	p.ReferenceOrderID = "order-42"
	p.OrderDescription = "2 × noodles, 1 × tea"
	p.OrderAmount = entrypay.Amount{Value: 1300, Currency: "HKD"}
	p.Store = entrypay.StoreRef{ReferenceID: "store-7", Name: "Central", MCC: "5812", StoreID: "sto_7"}
	p.Wallet = "ALIPAY_HK"
	p.UserAgent = "Mozilla/5.0 AlipayClient/10.5"
	p.ClientIP = "2001:db8::1"
	p.NotifyURL = "https://merchant.example/notify"
	p.RedirectURL = "https://merchant.example/done"
	p.SettlementCurrency = "USD"
	p.Network = entrypay.NetworkAlipayPlus
	p.EntryCode = "EC-123"
	p.WalletPaymentID = "2026030110000000001"
	p.CashierURL = "https://wallet.example/cashier?id=1"
	p.PspID = "1022172000000000001"
	p.WalletBrand = "AlipayHK"
	p.WalletType = "ALIPAY_HK"
	p.WalletCustomerID = "cust-9"
	p.CustomerAmount = entrypay.Amount{Value: math.MaxInt64, Currency: "JPY"}
	p.PaymentQuote = &entrypay.Quote{ID: "q-1", Pair: "HKD/JPY", Price: "19.2834567", Start: at(1), Expiry: at(60), Guaranteed: true}
	p.SettlementAmount = entrypay.Amount{Value: 160, Currency: "USD"}
	p.SettlementQuote = &entrypay.Quote{ID: "q-2", Pair: "HKD/USD", Price: "0.12812345", Start: at(2), Expiry: at(61), Guaranteed: true}
	p.Fee = entrypay.Amount{Value: 4, Currency: "USD"}
	p.LateSuccess = entrypay.LateSuccessReversed
	p.RiskReview, p.DeviceID = entrypay.ReviewReleased, "dev-1"
	p.Origin = "client SANDBOX_X key 2 (Acme Integrators)"
	p.UpdatedAt = at(5)
	p.PaidAt = at(3)
	p.CancelledAt = at(4)
	p.ClosedAt = at(6)
}

func newRefund(p *entrypay.Payment, opts ...func(*entrypay.Refund)) *entrypay.Refund {
	r := &entrypay.Refund{
		ID:         id("ref_"),
		PaymentID:  p.ID,
		MerchantID: p.MerchantID,
		RequestID:  id("rreq_"),
		Amount:     entrypay.Amount{Value: 500, Currency: p.Amount.Currency},
		Status:     entrypay.RefundProcessing,
		CreatedAt:  at(10),
		UpdatedAt:  at(10),
	}
	for _, o := range opts {
		o(r)
	}
	return r
}

func fullRefund(r *entrypay.Refund) {
	r.ReferenceRefundID = "mref-1"
	r.Reason = "customer changed their mind"
	r.Status = entrypay.RefundSuccess
	r.ResultCode = "SUCCESS"
	r.ResultMessage = "Success"
	r.WalletRefundID = "2026030110000000002"
	r.UpdatedAt = at(11)
	r.RefundedAt = at(11)
	r.SettlementAmount = entrypay.Amount{Value: 64, Currency: "USD"}
	r.FeeReturned = entrypay.Amount{Value: 2, Currency: "USD"}
	r.RiskReview = entrypay.ReviewPending
	r.Origin = "partner P key 1, Agent-Token ab12 (POS)"
}

func newEntry(paymentID string, opts ...func(*entrypay.JournalEntry)) *entrypay.JournalEntry {
	e := &entrypay.JournalEntry{
		ID:        id("jnl_"),
		Kind:      entrypay.EntryPayment,
		PaymentID: paymentID,
		CreatedAt: at(3),
		Postings: []entrypay.Posting{
			{Account: "wallet_receivable:ALIPAYPLUS", Amount: entrypay.Amount{Value: 1299, Currency: "HKD"}},
			{Account: "merchant_payable:m", Amount: entrypay.Amount{Value: -1299, Currency: "HKD"}},
		},
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func fullEntry(e *entrypay.JournalEntry) {
	e.Kind = entrypay.EntryRefund
	e.RefundID = "ref_1"
	e.BatchID = "stl_20261126_HKD_m"
	e.ClearingDate = "2026-11-26"
	e.Postings = []entrypay.Posting{
		{Account: "z:last-name-first", Amount: entrypay.Amount{Value: math.MinInt64 + 1, Currency: "USD"}},
		{Account: "a:first-name-last", Amount: entrypay.Amount{Value: math.MaxInt64, Currency: "USD"}},
		{Account: "m:middle", Amount: entrypay.Amount{Value: 1, Currency: "KWD"}},
		{Account: "m:middle", Amount: entrypay.Amount{Value: -1, Currency: "KWD"}},
	}
}

func newNotification(p *entrypay.Payment, opts ...func(*entrypay.Notification)) *entrypay.Notification {
	n := &entrypay.Notification{
		ID:         id("ntf_"),
		PaymentID:  p.ID,
		MerchantID: p.MerchantID,
		URL:        "https://merchant.example/notify",
		Status:     entrypay.NotificationPending,
		CreatedAt:  at(4),
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func fullNotification(n *entrypay.Notification) {
	n.Body = allBytes()
	n.Status = entrypay.NotificationDelivered
	n.Attempts = 3
	n.DeliveredAt = at(30)
}

func newAttempt(notificationID string, attempt int, opts ...func(*entrypay.NotificationAttempt)) *entrypay.NotificationAttempt {
	a := &entrypay.NotificationAttempt{NotificationID: notificationID, Attempt: attempt, At: at(20 + attempt)}
	for _, o := range opts {
		o(a)
	}
	return a
}

func fullAttempt(a *entrypay.NotificationAttempt) {
	a.Duration = 1234567891 * time.Nanosecond
	a.HTTPStatus = 200
	a.Response = `{"result":{"resultStatus":"S"}}`
	a.Error = "first try timed out"
	a.Acknowledged = true
	a.Manual = true
}

// Inserters write a fixture in a transaction of its own and return it.

func (h *env) addMerchant(opts ...func(*entrypay.Merchant)) *entrypay.Merchant {
	h.t.Helper()
	m := newMerchant(opts...)
	h.write(func(tx entrypay.Tx) error { return tx.InsertMerchant(h.ctx, m) })
	return m
}

func (h *env) addPayment(m *entrypay.Merchant, opts ...func(*entrypay.Payment)) *entrypay.Payment {
	h.t.Helper()
	p := newPayment(m.ID, opts...)
	h.write(func(tx entrypay.Tx) error { return mustInsert(tx.InsertPayment(h.ctx, p)) })
	return p
}

func (h *env) addRefund(p *entrypay.Payment, opts ...func(*entrypay.Refund)) *entrypay.Refund {
	h.t.Helper()
	r := newRefund(p, opts...)
	h.write(func(tx entrypay.Tx) error { return mustInsert(tx.InsertRefund(h.ctx, r)) })
	return r
}

func (h *env) addNotification(p *entrypay.Payment, opts ...func(*entrypay.Notification)) *entrypay.Notification {
	h.t.Helper()
	n := newNotification(p, opts...)
	h.write(func(tx entrypay.Tx) error { return tx.InsertNotification(h.ctx, n) })
	return n
}

// mustInsert turns an insert that found its key taken into an error, for fixtures.
func mustInsert(inserted bool, err error) error {
	if err == nil && !inserted {
		return errNotInserted
	}
	return err
}

// allSet fails the test when a field of v (a struct or a pointer to one, followed into
// nested structs, pointers and slices) has its zero value. It keeps the "full" fixtures
// honest when a domain type grows a field.
func allSet(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, v reflect.Value)
	walk = func(path string, v reflect.Value) {
		if v.IsZero() {
			t.Errorf("full fixture leaves %s zero", path)
			return
		}
		switch v.Kind() {
		case reflect.Pointer:
			walk(path, v.Elem())
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i))
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			for i := range v.NumField() {
				walk(path+"."+v.Type().Field(i).Name, v.Field(i))
			}
		}
	}
	walk(reflect.TypeOf(v).String(), reflect.ValueOf(v))
}

// ptr returns a pointer to v, for optional filter fields.
func ptr[T any](v T) *T { return &v }
