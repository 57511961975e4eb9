package main

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestBrowserRegistration has a partner register a merchant through the API and an
// operator review it in the console: the list of registrations under review, one
// registration's KYB details, approval; then the partner's inquiry says APPROVED with
// the new merchant and an Agent-Token.
func TestBrowserRegistration(t *testing.T) {
	bctx := browser(t)
	dsn := testdb.DSN(t, "sqlite")
	isv := createMerchant(t, dsn, "--partner")
	s := startServe(t, fastServeArgs(dsn)...)

	reg := map[string]any{
		"registrationRequestId": "isv-reg-1",
		"productCodes":          []string{"IN_STORE_PAYMENT"},
		"merchantInfo": map[string]any{
			"referenceMerchantId": "POS-0042", "merchantMCC": "5812", "merchantName": "Dim Sum House", "merchantDisplayName": "Dim Sum",
			"merchantAddress": map[string]any{"region": "HK", "city": "Hong Kong", "address1": "1 Queen's Road Central"},
			"registrationDetail": map[string]any{"legalName": "Dim Sum House Limited", "registrationType": "ENTERPRISE_REGISTRATION_NO",
				"registrationNo": "12345678", "businessType": "ENTERPRISE",
				"contactInfo": []any{map[string]any{"contactType": "EMAIL", "contactNo": "owner@dimsum.example"}}},
		},
		"storeInfo": map[string]any{"referenceStoreId": "DS-1", "storeName": "Central", "storeAddress": map[string]any{"region": "HK", "address1": "1 Queen's Road Central"}},
	}
	if ans := isv.call(t, s.url, "/ams/api/v1/merchants/registration", reg); !strings.Contains(string(ans), `"registrationStatus":"PROCESSING"`) {
		t.Fatalf("registration: %s", ans)
	}

	var u userJSON
	if err := json.Unmarshal([]byte(runCmd(t, "user", "create", "--db", dsn, "--public-url", s.url, "--operator", "--email", "ops@entrypay.example", "--json")), &u); err != nil {
		t.Fatal(err)
	}
	op := tab(t, bctx, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36", "en-US")
	const pw = "a long operator password"
	if err := chromedp.Do(op, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(u.Link), chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), pw), chromedp.SendKeys(chromedp.ID("confirm"), pw),
		chromedp.Submit(chromedp.ID("confirm")), chromedp.WaitVisible(chromedp.CSS(`header a[href="/dashboard/operator/review"]`))); err != nil {
		t.Fatal(err)
	}

	// The list of registrations under review.
	if err := chromedp.Do(op, chromedp.Navigate(s.url+"/dashboard/operator/registrations"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/dashboard/operator/registrations/reg_"]`))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "Dim Sum House Limited") || !strings.Contains(got, "POS-0042") || !strings.Contains(got, "PROCESSING") {
		t.Errorf("registrations list:\n%s", got)
	}
	checkAccessible(t, op, "registration-1-list")
	screenshot(t, op, "registration-1-list")

	// One registration: its details and the review forms.
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`a[href^="/dashboard/operator/registrations/reg_"]`)), chromedp.WaitVisible(chromedp.ID("reason"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, "main"); !strings.Contains(got, "ENTERPRISE_REGISTRATION_NO 12345678") || !strings.Contains(got, "owner@dimsum.example") {
		t.Errorf("registration page:\n%s", got)
	}
	checkAccessible(t, op, "registration-2-detail")
	screenshot(t, op, "registration-2-detail")

	// Approve.
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)), chromedp.WaitVisible(chromedp.CSS(".notice"))); err != nil {
		t.Fatal(err)
	}
	if got := text(t, op, ".notice"); !strings.Contains(got, "approved") {
		t.Errorf("notice after approval: %q", got)
	}
	screenshot(t, op, "registration-3-approved")
	if err := chromedp.Do(op, chromedp.Click(chromedp.CSS(`a[href^="/dashboard/operator/registrations/reg_"]`)), chromedp.WaitVisible(chromedp.CSS(`a[href^="/dashboard/operator/merchants/mer_"]`))); err != nil {
		t.Fatal(err)
	}
	screenshot(t, op, "registration-4-approved-detail")

	var st struct {
		RegistrationResult struct {
			RegistrationStatus string `json:"registrationStatus"`
		} `json:"registrationResult"`
		MerchantID string `json:"merchantId"`
		AgentToken string `json:"agentToken"`
	}
	ans := isv.call(t, s.url, "/ams/api/v1/merchants/inquiryRegistrationStatus", map[string]string{"registrationRequestId": "isv-reg-1"})
	if err := json.Unmarshal(ans, &st); err != nil || st.RegistrationResult.RegistrationStatus != "APPROVED" || st.MerchantID == "" || st.AgentToken == "" {
		t.Fatalf("inquiry after approval: %s", ans)
	}
}

func closeDB(t *testing.T, db *sql.DB) {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
