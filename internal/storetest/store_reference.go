package storetest

import (
	"errors"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/sqlstore"
)

// testStoreReference checks a store's reference id: it round-trips, it is unique among
// one merchant's stores (a second is ErrDuplicate and leaves the transaction usable),
// another merchant may use the same one, and stores without one are many.
func testStoreReference(t *testing.T, e Engine) {
	h := e.setup(t)
	m, other := h.addMerchant(), h.addMerchant()
	ref := func(r string) func(*entrypay.Store) { return func(s *entrypay.Store) { s.ReferenceID = r } }
	first := newStore(m.ID, fullStore) // reference S-1
	same1, plain1, plain2, theirs := newStore(m.ID, ref("S-1")), newStore(m.ID), newStore(m.ID), newStore(other.ID, ref("S-1"))
	h.write(func(tx entrypay.Tx) error {
		for _, s := range []*entrypay.Store{first, plain1, plain2, theirs} {
			if err := tx.InsertStore(h.ctx, s); err != nil {
				return err
			}
		}
		if err := tx.InsertStore(h.ctx, same1); !errors.Is(err, sqlstore.ErrDuplicate) {
			t.Errorf("second store with reference S-1: err = %v, want one wrapping sqlstore.ErrDuplicate", err)
		}
		return nil
	})
	h.read(func(tx entrypay.Tx) error {
		got, err := tx.StoreByID(h.ctx, first.ID)
		if err != nil {
			return err
		}
		same(t, first, got)
		list, err := tx.StoresOfMerchant(h.ctx, m.ID)
		if err != nil {
			return err
		}
		if len(list) != 3 {
			t.Errorf("merchant has %d stores, want 3", len(list))
		}
		got, err = tx.MerchantStore(h.ctx, other.ID, theirs.ID)
		if err != nil {
			return err
		}
		same(t, theirs, got)
		return nil
	})
}
