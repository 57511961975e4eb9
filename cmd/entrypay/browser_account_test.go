package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/entrypay/entrypay/internal/testdb"
	"github.com/entrypay/entrypay/internal/totp"
)

// TestBrowserAccount: an owner signs in with the keyboard alone, invites a colleague from
// the team page, turns on two-factor sign-in by scanning (reading) the key, and signs in
// again with a code.
func TestBrowserAccount(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	s := startServe(t, fastServeArgs(dsn)...)
	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--merchant", m.MerchantID, "--email", "owner@noodle.example", "--role", "owner", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	const pw = "a long dashboard password"
	if err := chromedp.Do(ctx, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw), chromedp.Submit(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.CSS(`button[type="submit"]`)), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
		t.Fatal(err)
	}

	// Keyboard only: type, Tab to the next field, Enter submits.
	keys := func(s string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(s) }
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.ID("email")), keys("owner@noodle.example"), keys(kb.Tab), keys(pw), keys(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/team"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "h1"); got != "Noodle Bar" {
		t.Fatalf("after a keyboard sign-in the page says %q", got)
	}

	// The team page: invite a colleague; the one-time link is shown to pass on.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/team"]`)), chromedp.WaitVisible(chromedp.ID("invite-email")),
		chromedp.SendKeys(chromedp.ID("invite-email"), "cashier@noodle.example"), chromedp.SetValue(chromedp.ID("invite-role"), "refunder"),
		chromedp.Submit(chromedp.ID("invite-email")), chromedp.WaitVisible(chromedp.ID("one-time-link"))); err != nil {
		t.Fatal(err)
	}
	if link := text(t, ctx, "#one-time-link"); !strings.HasPrefix(link, s.url+"/dashboard/link/") {
		t.Errorf("invitation link %q", link)
	}
	screenshot(t, ctx, "account-1-team-invited")

	// Two-factor sign-in.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/dashboard/account"]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/dashboard/account/totp/new"] button`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "account-2-account")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/dashboard/account/totp/new"] button`)), chromedp.WaitVisible(chromedp.ID("totp-secret"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "account-3-totp-setup")
	secret := text(t, ctx, "#totp-secret")
	code := func(at time.Time) string {
		c, err := totp.Codes{}.Code(secret, at)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	now := time.Now()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("code"), code(now)), chromedp.Submit(chromedp.ID("code")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main"); !strings.Contains(got, "Two-factor sign-in is on") {
		t.Fatalf("after turning it on:\n%s", got)
	}
	screenshot(t, ctx, "account-4-totp-on")

	// Signing in now asks for the code: without it, the page says so.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "owner@noodle.example"), chromedp.SendKeys(chromedp.ID("password"), pw),
		chromedp.Submit(chromedp.ID("password")), chromedp.WaitVisible(chromedp.CSS(".error"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".error"); !strings.Contains(got, "6-digit code") {
		t.Fatalf("sign-in without the code: %q", got)
	}
	screenshot(t, ctx, "account-5-code-needed")
	// The code that turned it on was used; the next one (the check allows one step of
	// drift) signs in.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("code"), code(now.Add(30*time.Second))),
		chromedp.Submit(chromedp.ID("code")), chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/team"]`))); err != nil {
		t.Fatal(err)
	}
}
