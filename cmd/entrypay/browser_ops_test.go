package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBrowserConsoleOps holds a customer's payment for review with a live risk rule and
// has an operator release it from the console, after which the customer pays in the
// wallet and the payment succeeds; then the operator visits the other risk and
// operations pages: an edit of the rules refused in place, a valid shadow version, a
// discrepancy resolved, the jobs, health and audit pages.
func TestBrowserConsoleOps(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	sh := newShop(t, m.gatewayKey)
	// The live rules, as an operator keeps them in a file: the built-in set and one rule
	// holding payments from HK$500 for review.
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	src := strings.Replace(risk.DefaultRules(), "rules:\n", "rules:\n  - name: big_payment\n    when: kind == \"payment\" && amount >= 50000\n    action: review\n    reason: BIG_PAYMENT\n", 1)
	if err := os.WriteFile(rulesFile, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, append(fastServeArgs(dsn), "--risk-rules", rulesFile)...)
	var st struct {
		StoreID string `json:"storeId"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "store", "create", "--db", dsn, "--merchant", m.MerchantID, "--name", "Central", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	var code struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "code", "create", "--db", dsn, "--store", st.StoreID, "--public-url", s.url, "--json")), &code); err != nil {
		t.Fatal(err)
	}
	runCmd(t, "merchant", "update", "--db", dsn, "--merchant", m.MerchantID, "--notify-url", sh.url)

	// The customer pays HK$600 through the entry page and is held.
	customer := tab(t, bctx, walletUA, "en-US,en;q=0.9")
	if err := chromedp.Do(customer, chromedp.Navigate(code.URL), chromedp.WaitVisible(chromedp.ID("keypad"))); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"6", "0", "0"} {
		if err := chromedp.Do(customer, chromedp.Click(chromedp.CSS(`#keypad button[data-key="`+k+`"]`))); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(customer, chromedp.Click(chromedp.ID("pay-button")), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
		t.Fatal(err)
	}
	waitURL(t, customer, "/hold/pay_")
	screenshot(t, customer, "ops-0-customer-held")

	// An operator follows the link `user create --operator` printed.
	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--operator", "--email", "ops@entrypay.example", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	op := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	if err := chromedp.Do(op, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	const pw = "a long operator password"
	if err := chromedp.Do(op, chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw),
		chromedp.Submit(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS(`header a[href="/dashboard/operator/review"]`))); err != nil {
		t.Fatal(err)
	}

	// The review queue: release the payment.
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/dashboard/operator/review/rsk_"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "Noodle Bar") || !strings.Contains(got, "600.00 HKD") || !strings.Contains(got, "big_payment") {
		t.Errorf("review queue:\n%s", got)
	}
	screenshot(t, op, "ops-1-review-queue")
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`a[href^="/dashboard/operator/review/rsk_"]`)), chromedp.WaitVisible(chromedp.ID("release-note"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, op, "ops-2-review-payment")
	if err := chromedp.Do(op, chromedp.SendKeys(chromedp.ID("release-note"), "regular customer"), chromedp.Submit(chromedp.ID("release-note")),
		chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, ".notice"); !strings.Contains(got, "released") {
		t.Errorf("notice after release: %q", got)
	}
	screenshot(t, op, "ops-3-released")

	// The customer's hold page moves on to the wallet's cashier; they pay; SUCCESS.
	if err := chromedp.Do(customer, chromedp.WaitVisible(chromedp.CSS("button.confirm"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(customer, chromedp.Click(chromedp.CSS("button.confirm")), chromedp.WaitVisible(chromedp.CSS(`a[href*="/r/ec_"]`)),
		chromedp.Click(chromedp.CSS(`a[href*="/r/ec_"]`)), chromedp.WaitVisible(chromedp.ID("result-title"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for text(t, customer, "#result-title") != "付款成功" && time.Now().Before(deadline) {
		if err := chromedp.Do(customer, chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if got := text(t, customer, "#result-title"); got != "付款成功" {
		t.Fatalf("result title %q, want 付款成功 (SUCCESS)", got)
	}
	screenshot(t, customer, "ops-4-customer-paid")
	if n := sh.next(t); n.Result.ResultStatus != "S" || n.PaymentAmount == nil || n.PaymentAmount.Value != "60000" {
		t.Fatalf("merchant notification %+v", n)
	}

	// Risk rules: an edit with an error is refused in place; a valid one is stored as
	// the shadow version.
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/risk"), chromedp.WaitVisible(chromedp.CSS(`a[href="/dashboard/operator/risk/new"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, op, "ops-5-risk")
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`a[href="/dashboard/operator/risk/new"]`)), chromedp.WaitVisible(chromedp.ID("source"))); err != nil {
		t.Fatal(err)
	}
	if v, _ := chromedp.Run(op, chromedp.Value(chromedp.ID("source"))); !strings.Contains(v, "big_payment") {
		t.Fatalf("the editor is not filled with the live rules:\n%.300s", v)
	}
	bad := strings.Replace(src, "amount >= 50000", "amount >= 50000 && merchant.nosuch > 1", 1)
	if err := chromedp.Do(op, chromedp.SetValue(chromedp.ID("source"), bad), chromedp.Submit(chromedp.ID("comment")), chromedp.WaitVisible(chromedp.ID("source-error"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "#source-error"); !strings.Contains(got, "Rules not stored") || !strings.Contains(got, "nosuch") {
		t.Errorf("rules error %q", got)
	}
	screenshot(t, op, "ops-6-risk-error")
	good := strings.Replace(src, "amount >= 50000", "amount >= 80000", 1)
	if err := chromedp.Do(op, chromedp.SetValue(chromedp.ID("source"), good), chromedp.SetValue(chromedp.ID("comment"), "hold from HK$800"),
		chromedp.Submit(chromedp.ID("comment")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "hold from HK$800") || !strings.Contains(got, "in force: shadow") {
		t.Errorf("risk page after the shadow version:\n%s", got)
	}
	screenshot(t, op, "ops-7-risk-shadow")

	// Reconciliation: a run finds a transaction the wallet side cleared and entrypay never
	// had; the operator resolves it.
	o := serveOptions{clearingZone: "+08:00", valueDays: 1}
	if err := withMoney(context.Background(), dsn, &o, func(gw *entrypay.Gateway) error {
		_, err := gw.Reconcile(context.Background(), entrypay.Reconciliation{Network: entrypay.NetworkSandbox, Date: gw.ClearingOf().Date(time.Now()),
			Lines: []entrypay.ClearingLine{{TransactionID: "T-GHOST", RequestID: "pay_GHOST", Type: entrypay.TxPayment, Time: time.Now(), Amount: entrypay.Amount{Value: 4200, Currency: "HKD"}}}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/reconciliation"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/dashboard/operator/reconciliation/dsc_"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, op, "ops-8-reconciliation")
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`a[href^="/dashboard/operator/reconciliation/dsc_"]`)), chromedp.WaitVisible(chromedp.ID("note")),
		chromedp.SendKeys(chromedp.ID("note"), "sandbox test transaction, written off"), chromedp.Submit(chromedp.ID("note")), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/reconciliation?state=resolved"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/dashboard/operator/reconciliation/dsc_"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "pay_GHOST") || !strings.Contains(got, "ops@entrypay.example") {
		t.Errorf("resolved discrepancies:\n%s", got)
	}
	screenshot(t, op, "ops-9-reconciliation-resolved")

	// Jobs: a notification the merchant's server refuses at every attempt ends dead
	// (discarded); the operator retries it once the server accepts again.
	sh.accept.Store(false)
	_, cashier := m.pay(t, s.url, "order-dead", 1250, sh.url)
	confirm(t, s.url, cashier, "SUCCESS")
	deadline = time.Now().Add(30 * time.Second)
	for {
		if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/jobs"), chromedp.WaitVisible(chromedp.ID("jobs-discarded"))); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text(t, op, "#jobs-discarded"), "notify_merchant") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no discarded notification job:\n%s", text(t, op, "main"))
		}
		if err := chromedp.Do(op, chromedp.Sleep(200*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if got := text(t, op, "#jobs-discarded"); !strings.Contains(got, "8/8") || !strings.Contains(got, "not acknowledged") || !strings.Contains(got, "notification_id=ntf_") {
		t.Errorf("discarded job:\n%s", got)
	}
	screenshot(t, op, "ops-10-jobs-dead")
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`#jobs-discarded a[href$="/retry"]`)), chromedp.WaitVisible(chromedp.CSS(`main button[type="submit"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, op, "ops-11-job-retry-confirm")
	sh.accept.Store(true)
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`main button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if n := sh.next(t); n.PaymentRequestID != "order-dead" {
		t.Errorf("notification after the retry: %+v", n)
	}
	screenshot(t, op, "ops-12-job-retried")

	// Health and the audit log.
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/health"), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "Schema version") || !strings.Contains(got, "Goroutines") {
		t.Errorf("health page:\n%s", got)
	}
	screenshot(t, op, "ops-13-health")
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/audit"), chromedp.WaitVisible(chromedp.ID("action"))); err != nil {
		t.Fatal(err)
	}
	got := text(t, op, "main")
	for _, action := range []string{entrypay.AuditReviewReleased, entrypay.AuditRulesCreated, entrypay.AuditDiscrepancyResolved, entrypay.AuditJobRetried, "regular customer"} {
		if !strings.Contains(got, action) {
			t.Errorf("audit log lacks %s:\n%s", action, got)
		}
	}
	screenshot(t, op, "ops-14-audit")
	if err := chromedp.Do(op, chromedp.SetValue(chromedp.ID("action"), entrypay.AuditReviewReleased), chromedp.Submit(chromedp.ID("action")),
		chromedp.WaitVisible(chromedp.CSS("tbody tr"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "tbody"); strings.Contains(got, entrypay.AuditRulesCreated) || !strings.Contains(got, entrypay.AuditReviewReleased) {
		t.Errorf("audit filtered by action:\n%s", got)
	}
	screenshot(t, op, "ops-15-audit-filtered")
}

// waitURL waits until the tab's location contains part.
func waitURL(t *testing.T, ctx context.Context, part string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(loc, part) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("location %s, want one with %s", loc, part)
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
}
