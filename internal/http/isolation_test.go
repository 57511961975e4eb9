package http_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// TestDashboardOtherMerchantsIDs: a merchant's owner tries another merchant's ids on every
// dashboard page, action and export that takes one. Each answers as for an id that does
// not exist (404), lists and exports never show the other merchant's rows, and nothing of
// the other merchant changes.
func TestDashboardOtherMerchantsIDs(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		clock := &movableClock{}
		clock.MoveTo(clock.at(10, time.Now().In(entrypay.DefaultClearing.Location).AddDate(0, 0, 1)))
		h := newHarnessAt(t, kind, clock.Now)
		ctx := context.Background()
		date := h.gw.ClearingOf().Date(clock.Now())

		// The victim, A: a paid payment with its notification, a store and a code, a
		// user, a closed settlement batch.
		a := h.merchant
		payA := h.paid(t, a, "victim-order", 1250)
		shopA := h.shop(t, "Victim's Store", nil, entrypay.Amount{})
		userA, err := h.gw.UserByEmail(ctx, h.user(t, a, entrypay.RoleViewer))
		if err != nil {
			t.Fatal(err)
		}
		detail, err := h.gw.MerchantPayment(ctx, a.ID, payA)
		if err != nil || len(detail.Notifications) == 0 {
			t.Fatalf("victim's payment: %v %+v", err, detail)
		}
		noteA := detail.Notifications[0].Notification.ID
		attemptsBefore := len(detail.Notifications[0].Attempts)
		// The intruder, B, with data of its own.
		b := h.live
		payB := h.paid(t, b, "own-order", 990)
		clock.Advance(15 * time.Hour)
		if _, err := h.gw.CloseDay(ctx, date); err != nil {
			t.Fatal(err)
		}
		batchA := entrypay.BatchID(a.ID, "HKD", date)
		owner := h.signedIn(t, b, entrypay.RoleOwner)
		_, home := owner.get("/dashboard/")
		csrf := hidden(t, home, "csrf")

		code := shopA.code.Value
		for _, tc := range []struct {
			method, path string
			form         url.Values
		}{
			{"GET", "/dashboard/payments/" + payA, nil},
			{"POST", "/dashboard/payments/" + payA + "/refund", url.Values{"amount": {"1.00"}, "nonce": {"n"}}},
			{"POST", "/dashboard/payments/" + payA + "/cancel", url.Values{"confirm": {"yes"}}},
			{"POST", "/dashboard/team/" + userA.ID + "/reset", url.Values{}},
			{"POST", "/dashboard/team/" + userA.ID + "/remove", url.Values{"confirm": {"yes"}}},
			{"POST", "/dashboard/stores/" + shopA.store.ID + "/codes", url.Values{"label": {"Mine now"}}},
			{"GET", "/dashboard/codes/" + code + "/disable", nil},
			{"POST", "/dashboard/codes/" + code + "/disable", url.Values{"confirm": {"yes"}}},
			{"POST", "/dashboard/codes/" + code + "/replace", url.Values{"confirm": {"yes"}}},
			{"GET", "/dashboard/codes/" + code + "/download/png", nil},
			{"GET", "/dashboard/codes/" + code + "/download/svg", nil},
			{"GET", "/dashboard/codes/" + code + "/download/poster", nil},
			{"GET", "/dashboard/settlement/batches/" + batchA + "/details", nil},
			{"GET", "/dashboard/settlement/batches/" + batchA + "/summary", nil},
			{"GET", "/dashboard/developers/notifications/" + noteA, nil},
			{"POST", "/dashboard/developers/notifications/" + noteA + "/redeliver", url.Values{}},
		} {
			if tc.form != nil {
				tc.form.Set("csrf", csrf)
			}
			resp, body := owner.do(tc.method, tc.path, tc.form)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", tc.method, tc.path, resp.StatusCode)
			}
			for _, secret := range []string{payA, "victim-order", "Victim&#39;s Store", userA.Email} {
				if strings.Contains(body, secret) && !strings.Contains(tc.path, secret) {
					t.Errorf("%s %s shows %q", tc.method, tc.path, secret)
				}
			}
		}

		// Lists and exports: B's own rows, never A's.
		for _, path := range []string{
			"/dashboard/", "/dashboard/payments", "/dashboard/payments?q=" + payA, "/dashboard/payments?q=victim-order",
			"/dashboard/payments.csv", "/dashboard/payments.csv?q=" + payA, "/dashboard/stores", "/dashboard/settlement",
			"/dashboard/settlement/days/" + date + "/transactions", "/dashboard/developers", "/dashboard/developers/notifications",
			"/dashboard/developers/notifications?failed=1", "/dashboard/team", "/dashboard/branding",
		} {
			resp, body := owner.get(path)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			// The search box and the export link echo what was searched for.
			if _, q, ok := strings.Cut(path, "?q="); ok {
				body = strings.NewReplacer(`value="`+q+`"`, "", "q="+q, "").Replace(body)
			}
			for _, secret := range []string{payA, "victim-order", "Victim", code, noteA, batchA, userA.Email, a.ID} {
				if strings.Contains(body, secret) {
					t.Errorf("GET %s shows the other merchant's %q", path, secret)
				}
			}
		}
		if _, body := owner.get("/dashboard/payments.csv"); !strings.Contains(body, payB) {
			t.Errorf("B's own export lacks its payment %s:\n%s", payB, body)
		}

		// Nothing of A changed.
		after, err := h.gw.MerchantPayment(ctx, a.ID, payA)
		if err != nil || after.Payment.Status != entrypay.PaymentSuccess || len(after.Refunds) != 0 || len(after.Notifications[0].Attempts) != attemptsBefore {
			t.Errorf("the victim's payment changed: %v %+v", err, after)
		}
		if _, err := h.gw.UserByEmail(ctx, userA.Email); err != nil {
			t.Errorf("the victim's user: %v", err)
		}
		for _, sc := range h.storeList(t, a) {
			for _, c := range sc.Codes {
				if c.Value == code && c.Status != entrypay.CodeActive {
					t.Errorf("the victim's code is %s", c.Status)
				}
			}
			if len(sc.Codes) != 1 {
				t.Errorf("the victim's store has %d codes", len(sc.Codes))
			}
		}
	})
}
