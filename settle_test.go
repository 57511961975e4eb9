package entrypay_test

import (
	"context"
	"errors"
	"strings"
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

func TestSetReportDeliveryRefuses(t *testing.T) {
	e := setup(t, "sqlite")
	good := entrypay.ReportDelivery{MerchantID: e.merchant.ID, Address: "sftp.example.com:22", User: "shop", Dir: "/inbox", HostKey: "ssh-ed25519 AAAA"}
	tests := []struct {
		name string
		edit func(d *entrypay.ReportDelivery)
		want string
	}{
		{"no port", func(d *entrypay.ReportDelivery) { d.Address = "sftp.example.com" }, "address"},
		{"port 0", func(d *entrypay.ReportDelivery) { d.Address = "sftp.example.com:0" }, "address"},
		{"port too big", func(d *entrypay.ReportDelivery) { d.Address = "sftp.example.com:70000" }, "address"},
		{"no host", func(d *entrypay.ReportDelivery) { d.Address = ":22" }, "address"},
		{"a URL", func(d *entrypay.ReportDelivery) { d.Address = "sftp://sftp.example.com:22" }, "address"},
		{"no user", func(d *entrypay.ReportDelivery) { d.User = "" }, "user"},
		{"user with @", func(d *entrypay.ReportDelivery) { d.User = "shop@example" }, "user"},
		{"no dir", func(d *entrypay.ReportDelivery) { d.Dir = "" }, "dir"},
		{"dir with ..", func(d *entrypay.ReportDelivery) { d.Dir = "/inbox/../etc" }, "dir"},
		{"dir not clean", func(d *entrypay.ReportDelivery) { d.Dir = "/inbox/" }, "dir"},
		{"relative dir up", func(d *entrypay.ReportDelivery) { d.Dir = "../inbox" }, "dir"},
		{"no host key", func(d *entrypay.ReportDelivery) { d.HostKey = " " }, "hostKey"},
		{"unknown merchant", func(d *entrypay.ReportDelivery) { d.MerchantID = "mer_nope" }, "merchant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := good
			tt.edit(&d)
			_, err := e.gw.SetReportDelivery(context.Background(), d)
			if entrypay.ErrorCodeOf(err) != entrypay.EInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SetReportDelivery = %v, want PARAM_ILLEGAL naming %s", err, tt.want)
			}
		})
	}
	for _, addr := range []string{"sftp.example.com:22", "10.0.0.5:2222", "[2001:db8::1]:22"} {
		d := good
		d.Address = addr
		if _, err := e.gw.SetReportDelivery(context.Background(), d); err != nil {
			t.Errorf("SetReportDelivery(%s): %v", addr, err)
		}
	}
	if _, err := e.gw.ReportDeliveryOf(context.Background(), e.other.ID); entrypay.ErrorCodeOf(err) != entrypay.ENotFound {
		t.Errorf("delivery of a merchant without one: %v", err)
	}
}
