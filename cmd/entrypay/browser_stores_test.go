package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBrowserStores drives the owner's stores, codes, branding and settlement pages in
// chromium: create a store and a code, upload a logo, preview the customer page with it,
// save, and see the logo on the customer page in a wallet's browser.
func TestBrowserStores(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	sh := newShop(t, m.gatewayKey)
	s := startServe(t, fastServeArgs(dsn)...)
	// One payment, so that the settlement page has a batch.
	_, cashier := m.pay(t, s.url, "order-1", 1250, sh.url)
	confirm(t, s.url, cashier, "SUCCESS")

	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--merchant", m.MerchantID, "--email", "owner@stores.example", "--role", "owner", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	const pw = "a long dashboard password"
	if err := chromedp.Do(ctx, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw), chromedp.Submit(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.CSS(`header.bar a[href="/dashboard/stores"]`))); err != nil {
		t.Fatal(err)
	}

	// Stores: create one, then a code for it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header.bar a[href="/dashboard/stores"]`)), chromedp.WaitVisible(chromedp.ID("no-stores")),
		chromedp.SendKeys(chromedp.ID("store-name"), "陳記麵家"), chromedp.SendKeys(chromedp.ID("store-display"), "Chan's Noodle Bar"),
		chromedp.Click(chromedp.ID("create-store")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".notice"); got != "Store created." {
		t.Fatalf("notice %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[id^="label-"]`), "Counter"),
		chromedp.Click(chromedp.CSS(`button[id^="create-code-"]`)), chromedp.WaitVisible(chromedp.CSS(`tr[id^="code-"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".notice"); !strings.HasPrefix(got, "Code ") || !strings.HasSuffix(got, " created.") {
		t.Fatalf("notice %q", got)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`tr[id^="code-"] td a[href*="/C/"]`), "href"))
	if err != nil || !href.Exists {
		t.Fatalf("code link: %v %v", href, err)
	}
	codeURL := href.Value
	if row := text(t, ctx, `tr[id^="code-"]`); !strings.Contains(row, "ACTIVE") || !strings.Contains(row, "Counter") || !strings.Contains(row, "Poster") {
		t.Errorf("code row %q", row)
	}
	screenshot(t, ctx, "stores-1-list")
	// Disabling asks first; cancel goes back to the list.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`td.actions a[href$="/disable"]`)), chromedp.WaitVisible(chromedp.ID("confirm"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "stores-1b-confirm-disable")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href^="/dashboard/stores#code-"]`)), chromedp.WaitVisible(chromedp.CSS(`tr[id^="code-"]`))); err != nil {
		t.Fatal(err)
	}

	// Branding: a real PNG, a colour, a greeting and presets; preview, then save.
	logo := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(logo, storesLogoPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href="/dashboard/branding"]`)), chromedp.WaitVisible(chromedp.ID("branding-form")),
		chromedp.SetUploadFiles(chromedp.ID("logo"), []string{logo}),
		chromedp.SendKeys(chromedp.ID("color"), "#0a7cff"), chromedp.SendKeys(chromedp.ID("presets"), "48, 68, 88"),
		chromedp.SendKeys(chromedp.ID("greeting_en"), "Welcome to Chan's!"),
		chromedp.Click(chromedp.ID("preview-button")),
		// The frame shows the unsaved logo, inline, loaded.
		chromedp.Poll[chromedp.Void](`(() => { const d = document.getElementById("preview").contentDocument;
			const i = d && d.querySelector("img.logo");
			return !!(i && i.src.startsWith("data:image/png") && i.complete && i.naturalWidth > 0 && d.querySelector(".greeting")); })()`,
			chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatal(err)
	}
	greeting, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("preview").contentDocument.querySelector(".greeting").textContent`))
	if err != nil || greeting != "Welcome to Chan's!" {
		t.Errorf("preview greeting %q %v", greeting, err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById("preview").contentDocument.querySelectorAll("button.preset").length`)); n != 3 {
		t.Errorf("preview shows %v preset buttons, want 3", n)
	}
	screenshot(t, ctx, "stores-2-branding-preview")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("save-button")), chromedp.WaitVisible(chromedp.ID("logo-now"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, ".notice"); !strings.HasPrefix(got, "Branding saved.") {
		t.Fatalf("notice %q", got)
	}
	screenshot(t, ctx, "stores-3-branding-saved")

	// The customer scans the code in a wallet: the page carries the logo, loaded.
	wallet := tab(t, bctx, walletUA, "en-US,en;q=0.9")
	if err := chromedp.Do(wallet, chromedp.Navigate(codeURL+"?lang=en"), chromedp.WaitVisible(chromedp.ID("keypad")), chromedp.WaitVisible(chromedp.CSS("img.logo")),
		chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector("img.logo"); return i.complete && i.naturalWidth > 0; })()`, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatal(err)
	}
	if src, _ := chromedp.Run(wallet, chromedp.AttributeValue(chromedp.CSS("img.logo"), "src")); !strings.HasPrefix(src.Value, "/m/"+m.MerchantID+"/logo") {
		t.Errorf("logo src %q", src.Value)
	}
	if got := text(t, wallet, ".greeting"); got != "Welcome to Chan's!" {
		t.Errorf("greeting %q", got)
	}
	if got := text(t, wallet, "h1.store-name"); got != "陳記麵家" {
		t.Errorf("store name %q", got)
	}
	screenshot(t, wallet, "stores-4-customer-page")

	// Settlement: today's batch, still open.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header.bar a[href="/dashboard/settlement"]`)), chromedp.WaitVisible(chromedp.ID("batches"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "#batches tbody"); !strings.Contains(got, "OPEN") || !strings.Contains(got, "HKD") {
		t.Errorf("settlement rows %q", got)
	}
	screenshot(t, ctx, "stores-5-settlement")
}

// storesLogoPNG is a small real PNG: a blue disc with a white ring, 120×120.
func storesLogoPNG(t *testing.T) []byte {
	t.Helper()
	const n = 120
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			dx, dy := x-n/2, y-n/2
			switch d := dx*dx + dy*dy; {
			case d < 40*40:
				img.Set(x, y, color.NRGBA{R: 10, G: 124, B: 255, A: 255})
			case d < 50*50:
				img.Set(x, y, color.NRGBA{R: 255, G: 255, B: 255, A: 255})
			case d < 58*58:
				img.Set(x, y, color.NRGBA{R: 217, G: 72, B: 15, A: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
