package storetest

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// testMerchantScoped checks the dashboard's merchant-scoped lookups: a merchant's own
// store, code and batch are found (a code also for update), and another merchant's, by
// its real id, are ErrNotFound, as is what does not exist.
func testMerchantScoped(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	mine, theirs := newStore(m.ID, fullStore), newStore(other.ID)
	myCode, theirCode := newCode(mine, "7QK2M9XRT4BD", fullCode), newCode(theirs, "8AAAAAAAAAAA")
	myBatch := &entrypay.SettlementBatch{ID: entrypay.BatchID(m.ID, "HKD", "2026-11-26"), MerchantID: m.ID, Currency: "HKD",
		ClearingDate: "2026-11-26", ValueDate: "2026-11-27", Status: entrypay.BatchOpen, CreatedAt: at(1)}
	theirBatch := &entrypay.SettlementBatch{ID: entrypay.BatchID(other.ID, "HKD", "2026-11-26"), MerchantID: other.ID, Currency: "HKD",
		ClearingDate: "2026-11-26", ValueDate: "2026-11-27", Status: entrypay.BatchOpen, CreatedAt: at(1)}
	h.write(func(tx entrypay.Tx) error {
		for _, s := range []*entrypay.Store{mine, theirs} {
			if err := tx.InsertStore(h.ctx, s); err != nil {
				return err
			}
		}
		for _, c := range []*entrypay.EntryCode{myCode, theirCode} {
			if err := mustInsert(tx.InsertEntryCode(h.ctx, c)); err != nil {
				return err
			}
		}
		for _, b := range []*entrypay.SettlementBatch{myBatch, theirBatch} {
			if err := tx.EnsureBatch(h.ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		s, err := tx.MerchantStore(h.ctx, m.ID, mine.ID)
		if err != nil {
			return err
		}
		same(t, mine, s)
		for _, lock := range []bool{false, true} {
			c, err := tx.MerchantEntryCode(h.ctx, m.ID, myCode.Value, lock)
			if err != nil {
				return err
			}
			same(t, myCode, c)
		}
		b, err := tx.MerchantBatch(h.ctx, m.ID, myBatch.ID)
		if err != nil {
			return err
		}
		same(t, myBatch, b)

		_, err = tx.MerchantStore(h.ctx, m.ID, theirs.ID)
		isNotFound(t, "MerchantStore of another merchant", err)
		_, err = tx.MerchantStore(h.ctx, m.ID, "sto_nosuch")
		isNotFound(t, "MerchantStore that does not exist", err)
		_, err = tx.MerchantEntryCode(h.ctx, m.ID, theirCode.Value, true)
		isNotFound(t, "MerchantEntryCode of another merchant", err)
		_, err = tx.MerchantEntryCode(h.ctx, m.ID, "NOSUCHCODE00", false)
		isNotFound(t, "MerchantEntryCode that does not exist", err)
		_, err = tx.MerchantBatch(h.ctx, m.ID, theirBatch.ID)
		isNotFound(t, "MerchantBatch of another merchant", err)
		_, err = tx.MerchantBatch(h.ctx, "", myBatch.ID)
		isNotFound(t, "MerchantBatch without a merchant", err)
		return nil
	})
}
