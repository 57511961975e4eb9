package main

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/testdb"
)

// agentInquiry sends a signed inquiryPayment as a partner with an Agent-Token and returns
// the result code.
func agentInquiry(t *testing.T, base, clientID string, key *rsa.PrivateKey, token string) string {
	t.Helper()
	body := []byte(`{"paymentRequestId":"none"}`)
	ts := antomsig.FormatMillis(time.Now())
	sig, err := antomsig.Signer{Key: key, KeyVersion: 1}.HeaderFor("POST", ams.PathInquiryPayment, clientID, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+ams.PathInquiryPayment, bytes.NewReader(body))
	for k, v := range map[string]string{"Client-Id": clientID, "Request-Time": ts, "Signature": sig, "Content-Type": "application/json; charset=UTF-8", "Agent-Token": token} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var r ams.ResultOnly
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("answer %s: %v", data, err)
	}
	return r.Result.ResultCode
}

// TestBrowserPartners: an operator creates a partner (ISV) in the console; the owner of
// a merchant authorizes it on /dashboard/partners, sees the Agent-Token once, the partner
// calls the API with it, and the owner revokes it. Screenshots partners-N-….
func TestBrowserPartners(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	s := startServe(t, fastServeArgs(dsn)...)
	var op, owner userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--operator", "--email", "ops@entrypay.example", "--json")), &op); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--merchant", m.MerchantID, "--email", "owner@noodle.example", "--role", "owner", "--json")), &owner); err != nil {
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
	notice := func(msg string) chromedp.Action[chromedp.Void] {
		return chromedp.WaitVisible(chromedp.Search(`//*[contains(@class, "notice") and contains(., "` + msg + `")]`))
	}

	// The operator creates the partner.
	const pw = "a long dashboard password"
	if err := chromedp.Do(ctx, chromedp.Navigate(op.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw), chromedp.Submit(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.Search(`//h1[. = "Operator console"]`)),
		chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/partners"]`)), chromedp.WaitVisible(chromedp.ID("public_key")),
		chromedp.SendKeys(chromedp.ID("name"), "POS Vendor"), chromedp.SendKeys(chromedp.ID("region"), "HK"),
		chromedp.SendKeys(chromedp.ID("notify_url"), "https://isv.example/notify"),
		chromedp.SetValue(chromedp.ID("public_key"), string(antomsig.PublicKeyPEM(&key.PublicKey)))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "partners-1-console-new")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.ID("name")), notice("Partner created")); err != nil {
		t.Fatal(err)
	}
	partnerID := text(t, ctx, "#client-id")
	if !strings.HasPrefix(partnerID, "SANDBOX_") {
		t.Fatalf("partner client id %q", partnerID)
	}
	screenshot(t, ctx, "partners-2-console-partner")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
		t.Fatal(err)
	}

	// The owner authorizes it.
	if err := chromedp.Do(ctx, chromedp.Navigate(owner.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw), chromedp.Submit(chromedp.ID("confirm")),
		chromedp.WaitVisible(chromedp.CSS(`header a[href="/dashboard/partners"]`)),
		chromedp.Click(chromedp.CSS(`header a[href="/dashboard/partners"]`)), chromedp.WaitVisible(chromedp.ID("partner")),
		chromedp.SendKeys(chromedp.ID("partner"), partnerID), chromedp.Click(chromedp.ID("scope-refunds")),
		chromedp.SendKeys(chromedp.ID("label"), "POS app, front counter")); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "partners-3-authorize")
	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.ID("partner")), chromedp.WaitVisible(chromedp.ID("agent-token"))); err != nil {
		t.Fatal(err)
	}
	token := text(t, ctx, "#agent-token")
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{48}$`).MatchString(token) {
		t.Fatalf("token %q", token)
	}
	if got := text(t, ctx, "main table"); !strings.Contains(got, "POS Vendor") || !strings.Contains(got, "payments, refunds") || !strings.Contains(got, "active") {
		t.Errorf("authorizations:\n%s", got)
	}
	screenshot(t, ctx, "partners-4-token-shown")
	if code := agentInquiry(t, s.url, partnerID, key, token); code != "ORDER_NOT_EXIST" {
		t.Errorf("the partner's call with the token: %s", code)
	}

	// And revokes it, with confirmation.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/dashboard/partners"), chromedp.WaitVisible(chromedp.ID("partner"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main"); strings.Contains(got, token) {
		t.Error("the token is shown again")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//a[. = "Revoke…"]`)), chromedp.WaitVisible(chromedp.ID("confirm-button"))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "partners-5-revoke-confirm")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("confirm-button")), notice("authorization is revoked")); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main table"); !strings.Contains(got, "revoked") {
		t.Errorf("after revoking:\n%s", got)
	}
	screenshot(t, ctx, "partners-6-revoked")
	if code := agentInquiry(t, s.url, partnerID, key, token); code != "ACCESS_DENIED" {
		t.Errorf("the partner's call with the revoked token: %s", code)
	}

	// The operator sees the authorization on the partner's page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), op.Email), chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.Search(`//h1[. = "Operator console"]`)),
		chromedp.Click(chromedp.CSS(`header a[href="/dashboard/operator/partners"]`)), chromedp.WaitVisible(chromedp.ID("public_key")),
		chromedp.Click(chromedp.Search(`//a[. = "POS Vendor"]`)), chromedp.WaitVisible(chromedp.ID("authorizations"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, "main table"); !strings.Contains(got, "Noodle Bar") || !strings.Contains(got, "revoked") {
		t.Errorf("partner's authorizations:\n%s", got)
	}
	screenshot(t, ctx, "partners-7-console-authorizations")

	// The CLI authorizes too, and prints the token.
	var out struct {
		AgentToken string `json:"agentToken"`
	}
	if err := json.Unmarshal([]byte(runCmd(t, "partner", "authorize", "--db", dsn, "--partner", partnerID, "--merchant", m.MerchantID,
		"--scopes", "payments", "--expires", "2099-01-01", "--json")), &out); err != nil {
		t.Fatal(err)
	}
	if code := agentInquiry(t, s.url, partnerID, key, out.AgentToken); code != "ORDER_NOT_EXIST" {
		t.Errorf("the CLI's token: %s", code)
	}
	// merchant create --partner makes a partner account.
	keyFile := filepath.Join(t.TempDir(), "isv.pem")
	pemOut := runCmd(t, "merchant", "create", "--db", dsn, "--partner", "--name", "CLI ISV", "--region", "HK", "--sandbox", "--generate-key", keyFile, "--json")
	if !strings.Contains(pemOut, `"partner": true`) {
		t.Errorf("merchant create --partner printed %s", pemOut)
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Error(err)
	}
}
