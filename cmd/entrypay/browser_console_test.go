package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBrowserConsole drives the operator console in chromium: an operator made with
// `entrypay user create --operator` follows its link, onboards a merchant through the
// form, invites its owner, approves its KYB, sets a limit, looks at the wallets and
// uploads a rate set. Every page is screenshot (console-N-…).
func TestBrowserConsole(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	createMerchant(t, dsn) // a merchant that exists before the console is opened
	s := startServe(t, fastServeArgs(dsn)...)
	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--operator", "--email", "ops@entrypay.example", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	key, err := antomsig.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}

	ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	// notice waits for the page that says msg.
	notice := func(msg string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "notice") and contains(., "` + msg + `")]`))
	}
	const pw = "a long operator password"
	if err := chromedp.Do(ctx, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw), chromedp.Submit(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.Search(`//h1[. = "Operator console"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Merchants: 1") || !strings.Contains(got, "Reconciliation") {
		t.Errorf("console home:\n%s", got)
	}
	screenshot(t, ctx, "console-1-home")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/merchants"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[. = "Merchants"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main table"); !strings.Contains(got, "Noodle Bar") || !strings.Contains(got, "sandbox") {
		t.Errorf("merchant list:\n%s", got)
	}
	screenshot(t, ctx, "console-2-merchants")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href="/dashboard/operator/merchants/new"]`)), chromedp.WaitVisible(chromedp.ID("public_key")),
		chromedp.SendKeys(chromedp.ID("name"), "Tea House"), chromedp.SendKeys(chromedp.ID("mcc"), "5814"),
		chromedp.SendKeys(chromedp.ID("region"), "HK"), chromedp.SendKeys(chromedp.ID("settlement_currency"), "HKD"),
		chromedp.SetValue(chromedp.ID("time_zone"), "Asia/Hong_Kong"),
		chromedp.SetValue(chromedp.ID("public_key"), string(antomsig.PublicKeyPEM(&key.PublicKey)))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "console-3-onboard")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.ID("name")), notice("Merchant created")); err != nil {
		t.Fatal(err)
	}
	clientID := text(t, ctx, "#client-id")
	if !strings.HasPrefix(clientID, "SANDBOX_") {
		t.Errorf("client id %q", clientID)
	}
	screenshot(t, ctx, "console-4-merchant-created")

	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("email"), "owner@tea.example"), chromedp.Submit(chromedp.ID("email")),
		chromedp.WaitVisible(chromedp.ID("invite-link"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#invite-link"); !strings.HasPrefix(got, s.url+"/dashboard/link/") {
		t.Errorf("invitation link %q", got)
	}
	screenshot(t, ctx, "console-5-owner-invited")

	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("kyb_status"), "approved"), chromedp.Submit(chromedp.ID("kyb_status")),
		notice("KYB status saved")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("max_payment"), "500"), chromedp.SendKeys(chromedp.ID("max_daily"), "2000"),
		chromedp.Submit(chromedp.ID("max_daily")), notice("Limits saved")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main dl"); !strings.Contains(got, "approved") || !strings.Contains(got, "per payment 500.00 HKD; per day 2000.00 HKD") {
		t.Errorf("merchant page after KYB and limits:\n%s", got)
	}
	screenshot(t, ctx, "console-6-merchant-approved-limited")

	// A refused form: 422, the field named, nothing saved.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("time_zone"), "Mars/Olympus_Mons"), chromedp.Submit(chromedp.ID("time_zone")),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "error") and contains(., "time zone")]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "console-7-merchant-bad-timezone")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/wallets"]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Wallets")]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "SANDBOX_ENTRYPAY_ACQUIRER") || !strings.Contains(got, "AlipayHK") {
		t.Errorf("wallets page:\n%s", got)
	}
	screenshot(t, ctx, "console-8-wallets")

	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/fx"]`)), chromedp.WaitVisible(chromedp.ID("rates"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "console-9-fx")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("rates"), "base,quote,price\nUSD,HKD,7.8123\nEUR,HKD,8.4410\nHKD,JPY,19.25\n"),
		chromedp.Submit(chromedp.ID("rates")), notice("3 rates stored")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "7.8123") || !strings.Contains(got, "19.25") {
		t.Errorf("FX page after the upload:\n%s", got)
	}
	screenshot(t, ctx, "console-10-fx-uploaded")
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("rates"), "base,quote,price\nUSD,HKD,7.9\nUSD,HKD,seven\n"),
		chromedp.Submit(chromedp.ID("rates")), chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "error") and contains(., "line 3")]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "console-11-fx-refused")
}
