package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/internal/testdb"
)

// The browser test drives Debian's chromium through a whole customer journey: scan (open
// the code URL in a wallet's in-app browser), type the amount on the keypad, confirm in
// the sandbox cashier, and land on the result page; the merchant's server must have a
// verified notification. Screenshots go to $ENTRYPAY_ARTIFACTS (default
// ../../artifacts/screenshots), kept by CI and ignored by git.

const chromiumPath = "/usr/bin/chromium"

const walletUA = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect"

func artifactsDir(t *testing.T) string {
	dir := os.Getenv("ENTRYPAY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts headless chromium with the flags a closed network needs.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("ENTRYPAY_REQUIRE_BROWSER") != "" {
			t.Fatalf("%s is not installed and ENTRYPAY_REQUIRE_BROWSER is set", chromiumPath)
		}
		t.Skipf("%s is not installed (apt-get install -y chromium; .ci/run does)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // start the browser, without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab opens a new tab that presents itself with the given user agent on a phone-sized
// screen.
func tab(t *testing.T, browserCtx context.Context, ua, acceptLanguage string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: acceptLanguage}); err != nil {
		t.Fatal(err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// accessibilityJS lists what keeps a page from being used with a screen reader or a
// keyboard: no title or language, inputs without a label, buttons and links without a
// name, images without alt text, frames without a title, forms without a submit button
// (Enter does nothing), elements taken out of the tab order or pushed ahead of it.
const accessibilityJS = `(() => {
  const problems = [];
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  if (!document.title.trim()) problems.push('no title');
  if (!document.documentElement.lang) problems.push('no lang on html');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'image', 'reset'].includes(el.type)) continue;
    const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('no label: ' + describe(el));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    const named = el.textContent.trim() || el.getAttribute('aria-label') || el.querySelector('img[alt]:not([alt=""])');
    if (!named) problems.push('no name: ' + describe(el));
  }
  for (const el of document.querySelectorAll('img')) if (!el.hasAttribute('alt')) problems.push('no alt: ' + el.src);
  for (const el of document.querySelectorAll('iframe')) if (!el.title) problems.push('no title: ' + describe(el));
  for (const f of document.querySelectorAll('form')) {
    if (!f.querySelector('button:not([type=button]):not([type=reset]), input[type=submit], input[type=image]')) problems.push('no submit button: form ' + (f.getAttribute('action') || ''));
  }
  for (const el of document.querySelectorAll('[tabindex]')) {
    if (el.tabIndex > 0) problems.push('tabindex > 0: ' + describe(el));
    if (el.tabIndex < 0 && el.matches('a[href], button, input, select, textarea')) problems.push('out of the tab order: ' + describe(el));
  }
  return problems;
})()`

// checkAccessible fails the test for every problem accessibilityJS finds on the page.
func checkAccessible(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](accessibilityJS))
	if err != nil {
		t.Fatalf("accessibility check of %s: %v", name, err)
	}
	for _, p := range problems {
		t.Errorf("page %s: %s", name, p)
	}
}

// screenshot saves the page as name.png among the artifacts, after checking its
// accessibility basics.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	checkAccessible(t, ctx, name)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(artifactsDir(t), name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", file, len(png))
}

func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func TestBrowser(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	sh := newShop(t, m.gatewayKey)
	s := startServe(t, fastServeArgs(dsn)...)
	runCmd(t, "merchant", "brand", "--db", dsn, "--merchant", m.MerchantID, "--color", "#d9480f", "--greeting", "zh-Hant=歡迎光臨！", "--greeting", "en=Welcome!", "--presets", "48,68")
	var st struct {
		StoreID string `json:"storeId"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "store", "create", "--db", dsn, "--merchant", m.MerchantID, "--name", "陳記麵家", "--display-name", "Chan's Noodle Bar", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	var code struct {
		CodeValue string `json:"codeValue"`
		URL       string `json:"url"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "code", "create", "--db", dsn, "--store", st.StoreID, "--public-url", s.url, "--json")), &code); err != nil {
		t.Fatal(err)
	}
	// Hosted payments are notified to the merchant's configured URL.
	runCmd(t, "merchant", "update", "--db", dsn, "--merchant", m.MerchantID, "--notify-url", sh.url)

	t.Run("wallet", func(t *testing.T) {
		ctx := tab(t, bctx, walletUA, "en-US,en;q=0.9")
		// The QR carries the URL in upper case; the browser opens it as printed.
		if err := chromedp.Do(ctx, chromedp.Navigate(code.URL), chromedp.WaitVisible(chromedp.ID("keypad"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "h1.store-name"); got != "陳記麵家" {
			t.Errorf("store name %q", got)
		}
		if got := text(t, ctx, ".greeting"); got != "歡迎光臨！" {
			t.Errorf("greeting %q (want the zh-Hant one, from the wallet's Language/zh-HK)", got)
		}
		for _, k := range []string{"1", "2", ".", "5", "6", "del", "0"} {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#keypad button[data-key="`+k+`"]`))); err != nil {
				t.Fatal(err)
			}
		}
		if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("amount"))); v != "12.50" {
			t.Fatalf("keypad typed %q, want 12.50", v)
		}
		if got := text(t, ctx, "#amount-display"); !strings.Contains(got, "12.50") {
			t.Errorf("formatted amount %q", got)
		}
		screenshot(t, ctx, "1-amount-page-zh-Hant")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("pay-button")), chromedp.WaitVisible(chromedp.CSS("button.confirm"))); err != nil {
			t.Fatal(err)
		}
		cashier := text(t, ctx, "body")
		if !strings.Contains(cashier, "12.50") || !strings.Contains(cashier, "AlipayHK") {
			t.Errorf("cashier page does not show the amount and wallet:\n%s", cashier)
		}
		screenshot(t, ctx, "2-sandbox-cashier")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button.confirm")), chromedp.WaitVisible(chromedp.CSS(`a[href*="/r/ec_"]`))); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href*="/r/ec_"]`)), chromedp.WaitVisible(chromedp.ID("result-title"))); err != nil {
			t.Fatal(err)
		}
		// The page may still be waiting for the wallet's notification: it polls until final.
		deadline := time.Now().Add(20 * time.Second)
		for text(t, ctx, "#result-title") != "付款成功" && time.Now().Before(deadline) {
			if err := chromedp.Do(ctx, chromedp.Sleep(200*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		if got := text(t, ctx, "#result-title"); got != "付款成功" {
			t.Fatalf("result title %q, want 付款成功", got)
		}
		if got := text(t, ctx, "#result-amount"); !strings.Contains(got, "12.50") {
			t.Errorf("result amount %q", got)
		}
		screenshot(t, ctx, "3-result-success-zh-Hant")
		n := sh.next(t)
		if n.Result.ResultStatus != "S" || n.PaymentAmount == nil || n.PaymentAmount.Value != "1250" || n.PaymentID != text(t, ctx, "#result-reference") {
			t.Fatalf("merchant notification %+v", n)
		}
	})

	// The merchant's owner follows the invitation, finds the payment and refunds part of it.
	t.Run("dashboard", func(t *testing.T) {
		var u userJSON
		if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--merchant", m.MerchantID, "--email", "owner@noodle.example", "--role", "owner", "--json")), &u); err != nil {
			t.Fatal(err)
		}
		ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
		// The dashboard is used at a desk: a laptop's screen, not a phone's.
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
			t.Fatal(err)
		}
		const pw = "a long dashboard password"
		if err := chromedp.Do(ctx, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "6-dashboard-set-password")
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw),
			chromedp.Submit(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/payments"]`))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "main"); !strings.Contains(got, "12.50 HKD") {
			t.Errorf("home page lacks today's volume:\n%s", got)
		}
		screenshot(t, ctx, "7-dashboard-home")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`main a[href="/dashboard/payments"]`)), chromedp.WaitVisible(chromedp.ID("status")),
			chromedp.SetValue(chromedp.ID("status"), "SUCCESS"), chromedp.Submit(chromedp.ID("status")),
			chromedp.WaitVisible(chromedp.CSS(`td a[href^="/dashboard/payments/pay_"]`))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "8-dashboard-payments-filtered")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`td a[href^="/dashboard/payments/pay_"]`)), chromedp.WaitVisible(chromedp.ID("amount"))); err != nil {
			t.Fatal(err)
		}
		screenshot(t, ctx, "9-dashboard-payment")
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("amount"), "2.50"), chromedp.Submit(chromedp.ID("amount")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "main"); !strings.Contains(got, "2.50 HKD") || !strings.Contains(got, "Refund rfd_") {
			t.Errorf("detail page after the refund:\n%s", got)
		}
		screenshot(t, ctx, "10-dashboard-refunded")
	})

	t.Run("plain browser", func(t *testing.T) {
		ctx := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
		if err := chromedp.Do(ctx, chromedp.Navigate(code.URL+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("img.qr"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "h2"); got != "Open this code in your wallet app" {
			t.Errorf("heading %q", got)
		}
		// The QR image really loaded.
		if w, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("img.qr").naturalWidth`)); w == 0 {
			t.Error("the QR image did not load")
		}
		screenshot(t, ctx, "4-open-with-wallet-en")
	})

	t.Run("localized", func(t *testing.T) {
		ctx := tab(t, bctx, "Mozilla/5.0 (Linux; Android 14) Mobile KAKAOTALK 10.4.5 AlipayConnect", "ko-KR,ko;q=0.9")
		if err := chromedp.Do(ctx, chromedp.Navigate(code.URL), chromedp.WaitVisible(chromedp.ID("keypad"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "label.label"); !strings.Contains(got, "금액을 입력하세요") {
			t.Errorf("Korean label %q", got)
		}
		// A bad amount is explained in Korean, without JavaScript's help.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#keypad button[data-key="0"]`)), chromedp.Click(chromedp.ID("pay-button")), chromedp.WaitVisible(chromedp.CSS(".error"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, ".error"); got != "0보다 큰 금액을 입력하세요." && got != "올바른 금액을 입력하세요." {
			t.Errorf("Korean error %q", got)
		}
		screenshot(t, ctx, "5-amount-page-ko-error")
	})
}

// TestAccessibilityCheck: the check that every screenshot passes finds what it looks for.
func TestAccessibilityCheck(t *testing.T) {
	ctx := tab(t, browser(t), "Mozilla/5.0", "en")
	page := `<!doctype html><html><head><title> </title></head><body>
<img src="x.png"><a href="/y"></a><iframe src="about:blank"></iframe>
<form action="/f"><input name="amount"><label for="ok">OK</label><input id="ok" name="ok"><button type="button">x</button></form>
<button tabindex="3">Go</button></body></html>`
	if err := chromedp.Do(ctx, chromedp.Navigate("data:text/html,"+url.PathEscape(page))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](accessibilityJS))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"no title", "no lang on html", "no label: input[name=amount]", "no name: a", "no alt: ", "no title: iframe", "no submit button: form /f", "tabindex > 0: button"}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("the check missed %q; it found:\n%s", w, joined)
		}
	}
	if strings.Contains(joined, "name=ok") {
		t.Errorf("a labelled input was reported:\n%s", joined)
	}
}
