package entrypay_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay"
)

// TestMerchantOverview: days, months and rates are the merchant's local ones, not UTC's.
func TestMerchantOverview(t *testing.T) {
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			e := setup(t, kind)
			ctx := context.Background()
			hk, err := time.LoadLocation("Asia/Hong_Kong")
			if err != nil {
				t.Skip("no time zone database:", err)
			}
			at := func(s string) {
				t.Helper()
				ts, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatal(err)
				}
				e.clock.mu.Lock()
				e.clock.t = ts
				e.clock.mu.Unlock()
			}
			at("2026-10-20T03:00:00Z") // 37 days before: in no figure
			e.paid(t, "old", 9900)
			at("2026-10-31T15:30:00Z") // 23:30 on 31 October in Hong Kong: last month, within 30 days
			e.paid(t, "october", 700)
			at("2026-11-01T00:00:00Z") // 08:00 on 1 November in Hong Kong
			e.paid(t, "november", 500)
			at("2026-11-25T17:00:00Z") // 01:00 on 26 November in Hong Kong: today there, yesterday in UTC
			e.paid(t, "early", 1000)
			at("2026-11-26T09:00:00Z")
			failed := e.pay(t, "declined", 300)
			if err := e.gw.ApplyWalletResult(ctx, entrypay.WalletResult{PaymentID: failed.ID, Status: entrypay.PaymentFail, ResultCode: "USER_BALANCE_NOT_ENOUGH"}); err != nil {
				t.Fatal(err)
			}
			e.pay(t, "open", 200) // still processing: in no rate
			o, err := e.gw.MerchantOverview(ctx, e.merchant.ID, hk, time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			hkd := func(n int, v int64) []entrypay.PaymentTotal {
				return []entrypay.PaymentTotal{{Currency: "HKD", Count: n, Value: v}}
			}
			if diff := cmp.Diff(hkd(1, 1000), o.TodayTotals); diff != "" {
				t.Errorf("today (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(hkd(2, 1500), o.MonthTotals); diff != "" {
				t.Errorf("month (-want +got):\n%s", diff)
			}
			if o.TodayRate != (entrypay.SuccessRate{Succeeded: 1, Ended: 2}) || o.TodayRate.Permille() != 500 {
				t.Errorf("today's rate %+v", o.TodayRate)
			}
			if o.MonthRate != (entrypay.SuccessRate{Succeeded: 2, Ended: 3}) {
				t.Errorf("month's rate %+v", o.MonthRate)
			}
			if len(o.Days) != entrypay.OverviewDays || !o.Days[0].Date.Equal(time.Date(2026, 10, 28, 0, 0, 0, 0, hk)) || !o.Days[29].Date.Equal(o.Today) {
				t.Fatalf("days: %d from %v", len(o.Days), o.Days[0].Date)
			}
			want := map[string][]entrypay.PaymentTotal{"2026-10-31": hkd(1, 700), "2026-11-01": hkd(1, 500), "2026-11-26": hkd(1, 1000)}
			for _, d := range o.Days {
				if diff := cmp.Diff(want[d.Date.Format(time.DateOnly)], d.Totals, cmp.Comparer(func(a, b []entrypay.PaymentTotal) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" {
					t.Errorf("day %s (-want +got):\n%s", d.Date.Format(time.DateOnly), diff)
				}
			}
			if len(o.ByWallet) != 1 || o.ByWallet[0].Key != "ALIPAY_HK" || o.ByWallet[0].Rate != o.MonthRate {
				t.Errorf("by wallet: %+v", o.ByWallet)
			}
			if len(o.ByStore) != 1 || o.ByStore[0].Rate.Ended != 3 {
				t.Errorf("by store: %+v", o.ByStore)
			}
			if (entrypay.SuccessRate{}).Permille() != -1 {
				t.Error("a rate of nothing is not -1")
			}
		})
	}
}
