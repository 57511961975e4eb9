package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBrowserDevelopers: a merchant's server answers HTTP 500 until every scheduled
// attempt of a notification has failed; the owner finds the failure in the delivery log,
// the server is fixed, the owner redelivers and sees the acknowledged attempt, then sends
// a test notification and sees its result.
func TestBrowserDevelopers(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	var ack atomic.Bool
	var acked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := antomsig.VerifyHeader(m.gatewayKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("notification signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if !ack.Load() {
			http.Error(w, "merchant server is down", http.StatusInternalServerError)
			return
		}
		acked.Add(1)
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	t.Cleanup(srv.Close)
	notifyURL := srv.URL + "/antom/notify"
	runCmd(t, "merchant", "update", "--db", dsn, "--merchant", m.MerchantID, "--notify-url", notifyURL)
	s := startServe(t, fastServeArgs(dsn)...)

	payID, cashier := m.pay(t, s.url, "order-dev-1", 1250, notifyURL)
	if got := confirm(t, s.url, cashier, "SUCCESS"); got["paymentStatus"] != "SUCCESS" {
		t.Fatalf("confirm = %v", got)
	}

	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--merchant", m.MerchantID, "--email", "owner@dev.example", "--role", "owner", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	const pw = "a long dashboard password"
	if err := chromedp.Do(ctx, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw),
		chromedp.Submit(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/developers"]`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header a[href="/dashboard/developers"]`)), chromedp.WaitVisible(chromedp.ID("client-id"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#client-id"); got != m.ClientID {
		t.Errorf("client id %q, want %q", got, m.ClientID)
	}
	if got := text(t, ctx, "#gateway-pem"); !strings.Contains(got, "BEGIN PUBLIC KEY") {
		t.Errorf("gateway key %q", got)
	}
	screenshot(t, ctx, "developers-1-keys")

	// The failed-only log, reloaded until every scheduled attempt has failed (the test
	// schedule is 8 attempts 300 ms apart).
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/dashboard/developers/notifications?failed=1"), chromedp.WaitVisible(chromedp.ID("failed"))); err != nil {
			t.Fatal(err)
		}
		main := text(t, ctx, "main")
		if strings.Contains(main, payID) && strings.Contains(main, "FAILED") {
			if !strings.Contains(main, "HTTP 500") {
				t.Errorf("the log does not show the HTTP 500:\n%s", main)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the notification did not fail within 30 s:\n%s", main)
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	screenshot(t, ctx, "developers-2-log-failed")

	// The merchant fixes its server; the owner redelivers.
	ack.Store(true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`td form button`)), chromedp.WaitVisible(chromedp.ID("attempts"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#status"); got != "DELIVERED" {
		t.Errorf("status after redelivery %q, want DELIVERED", got)
	}
	if got := text(t, ctx, "#attempts tbody tr:last-child"); !strings.Contains(got, "HTTP 200") || !strings.Contains(got, "acknowledged") || !strings.Contains(got, "by hand") {
		t.Errorf("last attempt %q", got)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Attempt 9 made") {
		t.Errorf("redelivery notice missing:\n%s", got)
	}
	if acked.Load() != 1 {
		t.Errorf("the merchant acknowledged %d notifications, want 1", acked.Load())
	}
	screenshot(t, ctx, "developers-3-redelivered")

	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/dashboard/developers"), chromedp.WaitVisible(chromedp.ID("send-test")),
		chromedp.Click(chromedp.ID("send-test")), chromedp.WaitVisible(chromedp.ID("test-result"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#test-result"); !strings.Contains(got, "Acknowledged") || !strings.Contains(got, "HTTP 200") {
		t.Errorf("test result %q", got)
	}
	if acked.Load() != 2 {
		t.Errorf("the merchant acknowledged %d notifications, want 2", acked.Load())
	}
	screenshot(t, ctx, "developers-4-test-notification")
}
