package entrypay_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/testdb"
)

// crashingDB fails the write that closes a settlement batch, after the payout has been
// posted in the same transaction: what a crash at that moment leaves behind.
type crashingDB struct{ entrypay.DB }

type crashingTx struct{ entrypay.Tx }

var errCrash = errors.New("crash while closing the batch")

func (d crashingDB) InTx(ctx context.Context, fn func(entrypay.Tx) error) error {
	return d.DB.InTx(ctx, func(tx entrypay.Tx) error { return fn(crashingTx{tx}) })
}

func (crashingTx) UpdateBatch(context.Context, *entrypay.SettlementBatch) error { return errCrash }

// TestCloseDayCrash checks that a settlement run that dies part-way leaves no batch
// half-closed: the batch stays open with no payout booked, and the next run closes it
// exactly once.
func TestCloseDayCrash(t *testing.T) {
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			e := setup(t, kind)
			e.paid(t, "p1", 1250)
			e.paid(t, "p2", 800)
			date := e.gw.ClearingOf().Date(e.clock.Now())
			e.clock.Advance(24 * time.Hour)

			crashing := entrypay.NewGateway(entrypay.Config{DB: crashingDB{e.db.Store}, Live: e.wallet, Notifier: e.notifier, Now: e.clock.Now, FX: &fx.Engine{}})
			if _, err := crashing.CloseDay(ctx, date); !errors.Is(err, errCrash) {
				t.Fatalf("CloseDay on a crashing database = %v, want the crash", err)
			}
			batches, err := e.gw.Batches(ctx, e.merchant.ID, date)
			if err != nil {
				t.Fatal(err)
			}
			if len(batches) != 1 || batches[0].Status != entrypay.BatchOpen || batches[0].Payout != 0 {
				t.Fatalf("after the crash: batches %+v, want one OPEN batch without payout", batches)
			}
			payout := payoutBalance(t, e, "HKD")
			if payout != 0 {
				t.Fatalf("after the crash the merchant's payout account holds %d, want 0", payout)
			}

			for range 2 { // the rerun closes it; a second rerun changes nothing
				if _, err := e.gw.CloseDay(ctx, date); err != nil {
					t.Fatal(err)
				}
			}
			batches, err = e.gw.Batches(ctx, e.merchant.ID, date)
			if err != nil {
				t.Fatal(err)
			}
			if len(batches) != 1 || batches[0].Status != entrypay.BatchClosed || batches[0].Payout <= 0 || batches[0].Payout != batches[0].Net {
				t.Fatalf("after the rerun: batches %+v, want one CLOSED batch paying its net", batches)
			}
			if got := payoutBalance(t, e, "HKD"); got != batches[0].Payout {
				t.Fatalf("payout account holds %d after the rerun, want the batch payout %d", got, batches[0].Payout)
			}
		})
	}
}

// payoutBalance is what the ledger has booked for paying out to e.merchant in currency:
// the payout account is credited, so its balance is the negated credit.
func payoutBalance(t *testing.T, e *env, currency string) int64 {
	t.Helper()
	var v int64
	err := e.db.Store.InTx(context.Background(), func(tx entrypay.Tx) error {
		var err error
		v, err = tx.Balance(context.Background(), entrypay.AccountMerchantPayout(e.merchant.ID), currency)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if v < 0 {
		v = -v
	}
	return v
}
