package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	ephttp "github.com/entrypay/entrypay/internal/http"
)

// consolePages are the operator console's pages of this area; {m} is a merchant id.
var consolePages = []struct{ path, title string }{
	{"/dashboard/operator/", "Operator console"},
	{"/dashboard/operator/merchants", "Merchants — Operator console"},
	{"/dashboard/operator/merchants/new", "Onboard a merchant — Operator console"},
	{"/dashboard/operator/merchants/{m}", "Noodle Bar — Merchants — Operator console"},
	{"/dashboard/operator/wallets", "Wallets — Operator console"},
	{"/dashboard/operator/fx", "FX rates — Operator console"},
}

// consolePosts are the console's forms of this area.
var consolePosts = []string{
	"/dashboard/operator/merchants/new",
	"/dashboard/operator/merchants/{m}/kyb",
	"/dashboard/operator/merchants/{m}/currency",
	"/dashboard/operator/merchants/{m}/pricing",
	"/dashboard/operator/merchants/{m}/limits",
	"/dashboard/operator/merchants/{m}/timezone",
	"/dashboard/operator/merchants/{m}/status",
	"/dashboard/operator/merchants/{m}/invite",
	"/dashboard/operator/fx",
}

func withMerchant(path string, m *entrypay.Merchant) string {
	return strings.ReplaceAll(path, "{m}", m.ID)
}

// withConnection describes a sandbox connection to the console.
func withConnection(c *ephttp.Config) {
	c.AlipayPlus = []ephttp.AlipayConnection{{Network: entrypay.NetworkSandbox, Endpoint: "https://sandbox.example/alipayplus", ClientID: "ACQ", PeerKey: &sandboxKey.PublicKey}}
}

// consoleAudit returns the actions of the console audited about subject, newest first.
func consoleAudit(t *testing.T, h *harness, subject string) []string {
	t.Helper()
	var out []string
	for _, e := range h.audit(t, entrypay.AuditQuery{Subject: subject}) {
		out = append(out, e.Action)
	}
	return out
}

func TestConsolePagesRender(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind, withConnection)
		h.paid(t, h.merchant, "console-1", 1000)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		for _, pg := range consolePages {
			resp, page := op.get(withMerchant(pg.path, h.merchant))
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<title>"+pg.title+"</title>") {
				t.Errorf("GET %s: %d, want 200 titled %q:\n%s", pg.path, resp.StatusCode, pg.title, page)
			}
			if strings.Contains(page, "<script") {
				t.Errorf("GET %s has a script", pg.path)
			}
		}
		_, home := op.get("/dashboard/operator/")
		for _, want := range []string{"Merchants: 2", "Payments today: 1", "<td>SUCCESS</td><td class=\"num\">1</td>", "<td>pending</td><td class=\"num\">2</td>",
			`href="/dashboard/operator/risk"`, `href="/dashboard/operator/review"`, `href="/dashboard/operator/reconciliation"`,
			`href="/dashboard/operator/jobs"`, `href="/dashboard/operator/health"`, `href="/dashboard/operator/audit"`} {
			if !strings.Contains(home, want) {
				t.Errorf("home lacks %q", want)
			}
		}
		_, list := op.get("/dashboard/operator/merchants")
		for _, want := range []string{h.merchant.ClientID, h.live.ClientID, "<td>sandbox</td>", "<td>live</td>", "<td>HKD</td>", "<td>HK</td>"} {
			if !strings.Contains(list, want) {
				t.Errorf("merchant list lacks %q", want)
			}
		}
		_, wallets := op.get("/dashboard/operator/wallets")
		for _, want := range []string{"AlipayHK", "https://sandbox.example/alipayplus", "SANDBOX", "100.0 %", "too few payments",
			"SHA-256 " + fingerprint(&gatewayKey.PublicKey), fingerprint(&sandboxKey.PublicKey), "GCASH"} {
			if !strings.Contains(wallets, want) {
				t.Errorf("wallets page lacks %q", want)
			}
		}
		if strings.Contains(wallets, "PRIVATE") || strings.Contains(wallets, antomsig.EncodePrivateKey(gatewayKey)[:40]) {
			t.Error("wallets page shows a private key")
		}
		if resp, _ := op.get("/dashboard/operator/merchants/mer_nope"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown merchant: %d, want 404", resp.StatusCode)
		}
	})
}

// TestConsoleForbidden: a merchant's owner gets a 403 page on every console route, GET
// and POST (with its own valid CSRF token), and nothing changes.
func TestConsoleForbidden(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		csrf := owner.csrfOf("/dashboard/payments")
		for _, pg := range consolePages {
			if resp, _ := owner.get(withMerchant(pg.path, h.merchant)); resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner GET %s: %d, want 403", pg.path, resp.StatusCode)
			}
		}
		form := url.Values{"csrf": {csrf}, "name": {"Evil"}, "mcc": {"5812"}, "region": {"HK"}, "settlement_currency": {"USD"},
			"public_key": {string(antomsig.PublicKeyPEM(&merchantKey.PublicKey))}, "mode": {"sandbox"}, "kyb_status": {"approved"},
			"discount_rate_bps": {"0"}, "max_payment": {"1"}, "time_zone": {"Asia/Tokyo"}, "enabled": {"false"}, "email": {"evil@shop.example"},
			"rates": {"base,quote,price\nUSD,HKD,1"}}
		for _, path := range consolePosts {
			if resp, _ := owner.post(withMerchant(path, h.merchant), form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner POST %s: %d, want 403", path, resp.StatusCode)
			}
		}
		m, err := h.gw.Merchant(context.Background(), h.merchant.ID)
		if err != nil || *m != *h.merchant {
			t.Errorf("merchant changed: %+v, %v", m, err)
		}
		if ms, _ := h.gw.ConsoleMerchants(context.Background()); len(ms) != 2 {
			t.Errorf("%d merchants, want 2", len(ms))
		}
		if rates, _ := h.gw.Rates(context.Background()); len(rates) != 0 {
			t.Errorf("rates stored: %v", rates)
		}
		// Without a session, the console sends to the login page.
		if resp, _ := h.browser(t).get("/dashboard/operator/fx"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("no session: %d, want 303", resp.StatusCode)
		}
	})
}

// TestConsoleBadInput: every form refuses bad input with 422 and a message naming the
// field, and writes nothing.
func TestConsoleBadInput(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		csrf := op.csrfOf("/dashboard/operator/")
		pem := string(antomsig.PublicKeyPEM(&merchantKey.PublicKey))
		onboard := func(change func(url.Values)) url.Values {
			v := url.Values{"name": {"Tea House"}, "mcc": {"5812"}, "region": {"HK"}, "settlement_currency": {"HKD"},
				"public_key": {pem}, "time_zone": {"Asia/Hong_Kong"}, "mode": {"sandbox"}, "notify_url": {"https://tea.example/notify"}}
			change(v)
			return v
		}
		for _, tc := range []struct {
			path  string
			form  url.Values
			field string
		}{
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("name", " ") }), "name is required"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("mcc", "58") }), "mcc"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("region", "Hong Kong") }), "region"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("settlement_currency", "HK$") }), "settlement currency"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("public_key", "not a key") }), "public key"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("time_zone", "Mars/Olympus_Mons") }), "time zone"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("notify_url", "ftp://tea.example") }), "notify URL"},
			{"/dashboard/operator/merchants/new", onboard(func(v url.Values) { v.Set("mode", "prod") }), "mode"},
			{"/dashboard/operator/merchants/{m}/kyb", url.Values{"kyb_status": {"rejected"}}, "note is required"},
			{"/dashboard/operator/merchants/{m}/kyb", url.Values{"kyb_status": {"maybe"}}, "KYB status"},
			{"/dashboard/operator/merchants/{m}/currency", url.Values{"settlement_currency": {"XYZ"}}, "settlement currency"},
			{"/dashboard/operator/merchants/{m}/pricing", url.Values{"discount_rate_bps": {"2.5%"}}, "discount rate"},
			{"/dashboard/operator/merchants/{m}/pricing", url.Values{"discount_rate_bps": {"20000"}}, "discount rate"},
			{"/dashboard/operator/merchants/{m}/pricing", url.Values{"fixed_fee": {"1.234"}}, "fixed fee"},
			{"/dashboard/operator/merchants/{m}/pricing", url.Values{"fx_spread_bps": {"-1"}}, "FX spread"},
			{"/dashboard/operator/merchants/{m}/limits", url.Values{"max_payment": {"lots"}}, "per-payment maximum"},
			{"/dashboard/operator/merchants/{m}/limits", url.Values{"max_daily": {"1.001"}}, "daily maximum"},
			{"/dashboard/operator/merchants/{m}/limits", url.Values{"max_payment": {"200"}, "max_daily": {"100"}}, "per-payment maximum is more than the daily maximum"},
			{"/dashboard/operator/merchants/{m}/timezone", url.Values{"time_zone": {"Mars/Olympus_Mons"}}, "time zone"},
			{"/dashboard/operator/merchants/{m}/timezone", url.Values{"time_zone": {""}}, "time zone"},
			{"/dashboard/operator/merchants/{m}/status", url.Values{"enabled": {"maybe"}}, "enabled"},
			{"/dashboard/operator/merchants/{m}/invite", url.Values{"email": {"not-an-email"}}, "email"},
			{"/dashboard/operator/fx", url.Values{"rates": {"base,quote,price\nUSD,HKD,7.8\nUSD,JPY,-1\n"}}, "line 3"},
			{"/dashboard/operator/fx", url.Values{"rates": {"base,quote,price\nUSD,HKD,7.8\nEUR,XXQ,1.1\n"}}, "line 3"},
			{"/dashboard/operator/fx", url.Values{"rates": {"USD,HKD,7.8"}}, "header"},
		} {
			path := withMerchant(tc.path, h.merchant)
			tc.form.Set("csrf", csrf)
			resp, page := op.post(path, tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.field) {
				t.Errorf("POST %s %v: %d, want 422 naming %q:\n%s", path, tc.form, resp.StatusCode, tc.field, errorOf(page))
			}
		}
		m, err := h.gw.Merchant(context.Background(), h.merchant.ID)
		if err != nil || *m != *h.merchant {
			t.Errorf("merchant changed: %+v, %v", m, err)
		}
		if ms, _ := h.gw.ConsoleMerchants(context.Background()); len(ms) != 2 {
			t.Errorf("%d merchants, want 2", len(ms))
		}
		if sets, _ := h.gw.RateSets(context.Background(), 10); len(sets) != 0 {
			t.Errorf("rates stored: %v", sets)
		}
		if p, _ := h.gw.PricingOf(context.Background(), h.merchant.ID); !p.UpdatedAt.IsZero() {
			t.Errorf("pricing stored: %+v", p)
		}
		if got := consoleAudit(t, h, h.merchant.ID); len(got) != 0 {
			t.Errorf("audited %v", got)
		}
		// The refused form comes back as typed.
		_, page := op.post(withMerchant("/dashboard/operator/merchants/{m}/limits", h.merchant), url.Values{"csrf": {csrf}, "max_payment": {"lots"}})
		if !strings.Contains(page, `value="lots"`) {
			t.Error("the refused limits form lost what was typed")
		}
	})
}

var errorRE = regexp.MustCompile(`<p class="error" role="alert">[^<]*</p>`)

func errorOf(page string) string {
	if m := errorRE.FindString(page); m != "" {
		return m
	}
	return page
}

// onboard creates a merchant through the form and returns it.
func onboard(t *testing.T, h *harness, op *browser, csrf, name string) *entrypay.Merchant {
	t.Helper()
	resp, page := op.post("/dashboard/operator/merchants/new", url.Values{"csrf": {csrf}, "name": {name}, "mcc": {"5814"}, "region": {"hk"},
		"settlement_currency": {"hkd"}, "public_key": {string(antomsig.PublicKeyPEM(&merchantKey.PublicKey))}, "time_zone": {"Asia/Hong_Kong"},
		"mode": {"sandbox"}, "notify_url": {""}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/operator/merchants/mer_") {
		t.Fatalf("onboard: %d to %q: %s", resp.StatusCode, loc, errorOf(page))
	}
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/dashboard/operator/merchants/")
	m, err := h.gw.Merchant(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	_, page = op.get(loc)
	if !strings.Contains(page, m.ClientID) || !strings.Contains(page, "Merchant created") {
		t.Errorf("the new merchant's page does not show its client id:\n%s", page)
	}
	return m
}

// TestConsoleOnboarding: a merchant onboarded through the form, with its owner invited
// from its page, takes a signed API payment; all of it audited.
func TestConsoleOnboarding(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		csrf := op.csrfOf("/dashboard/operator/merchants/new")
		m := onboard(t, h, op, csrf, "Tea House")
		if m.Name != "Tea House" || m.MCC != "5814" || m.Region != "HK" || m.SettlementCurrency != "HKD" || !m.Sandbox() ||
			m.TimeZone != "Asia/Hong_Kong" || m.KYBStatus != entrypay.KYBPending || m.Disabled {
			t.Errorf("merchant %+v", m)
		}
		resp, page := op.post("/dashboard/operator/merchants/"+m.ID+"/invite", url.Values{"csrf": {csrf}, "email": {"Owner@Tea.example"}})
		link := regexp.MustCompile(`/dashboard/link/[A-Za-z0-9_-]{43}`).FindString(page)
		if resp.StatusCode != http.StatusOK || link == "" {
			t.Fatalf("invite: %d %s", resp.StatusCode, errorOf(page))
		}
		owner := h.browser(t)
		_, setPage := owner.get(link)
		if resp, _ := owner.post(link, url.Values{"csrf": {hidden(t, setPage, "csrf")}, "password": {goodPassword}, "confirm": {goodPassword}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set password: %d", resp.StatusCode)
		}
		if _, home := owner.get("/dashboard/"); !strings.Contains(home, "<h1>Tea House</h1>") {
			t.Errorf("the owner's dashboard is not Tea House's:\n%s", home)
		}
		h.paid(t, m, "tea-1", 3800)
		if got := consoleAudit(t, h, m.ID); len(got) != 1 || got[0] != entrypay.AuditMerchantCreated {
			t.Errorf("audit of %s = %v, want merchant_created", m.ID, got)
		}
		es := h.audit(t, entrypay.AuditQuery{Subject: m.ID})
		if len(es) == 1 && (es[0].Email == "" || !strings.Contains(es[0].Detail, m.ClientID)) {
			t.Errorf("merchant_created entry %+v", es[0])
		}
	})
}

// TestConsoleChanges: each form of the merchant page changes what it says, once, audited
// with the operator's name.
func TestConsoleChanges(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		csrf := op.csrfOf("/dashboard/operator/")
		base := "/dashboard/operator/merchants/" + h.merchant.ID
		for _, tc := range []struct {
			form   string
			values url.Values
		}{
			{"kyb", url.Values{"kyb_status": {"rejected"}, "kyb_note": {"registry extract does not match"}}},
			{"kyb", url.Values{"kyb_status": {"approved"}}},
			{"pricing", url.Values{"discount_rate_bps": {"250"}, "fixed_fee": {"1.50"}, "fx_spread_bps": {"80"}, "refund_fee_returned": {"1"}}},
			{"timezone", url.Values{"time_zone": {"Asia/Singapore"}}},
			{"timezone", url.Values{"time_zone": {"Asia/Singapore"}}}, // no change: not audited
			{"limits", url.Values{"max_payment": {"500"}, "max_daily": {"2000.50"}}},
		} {
			tc.values.Set("csrf", csrf)
			resp, page := op.post(base+"/"+tc.form, tc.values)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != base+"?done="+tc.form {
				t.Fatalf("POST %s: %d to %q: %s", tc.form, resp.StatusCode, resp.Header.Get("Location"), errorOf(page))
			}
		}
		// The fixed fee and limits are in HKD: the currency cannot change under them.
		if resp, page := op.post(base+"/currency", url.Values{"csrf": {csrf}, "settlement_currency": {"USD"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "fixed fee") {
			t.Errorf("currency change under a fixed fee: %d %s", resp.StatusCode, errorOf(page))
		}
		ctx := context.Background()
		m, _ := h.gw.Merchant(ctx, h.merchant.ID)
		p, _ := h.gw.PricingOf(ctx, m.ID)
		if m.KYBStatus != entrypay.KYBApproved || m.KYBNote != "" || m.TimeZone != "Asia/Singapore" || m.MaxPayment != 50000 || m.MaxDaily != 200050 {
			t.Errorf("merchant %+v", m)
		}
		if p.DiscountRateBps != 250 || p.FixedFee != (entrypay.Amount{Value: 150, Currency: "HKD"}) || p.FXSpreadBps != 80 || !p.RefundFeeReturned {
			t.Errorf("pricing %+v", p)
		}
		// With no fixed fee and no limits left, the currency may change.
		for _, tc := range []struct {
			form   string
			values url.Values
		}{
			{"pricing", url.Values{"discount_rate_bps": {"250"}, "fixed_fee": {""}}},
			{"limits", url.Values{"max_payment": {""}, "max_daily": {"0"}}},
			{"currency", url.Values{"settlement_currency": {"usd"}}},
		} {
			tc.values.Set("csrf", csrf)
			if resp, page := op.post(base+"/"+tc.form, tc.values); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s: %d %s", tc.form, resp.StatusCode, errorOf(page))
			}
		}
		m, _ = h.gw.Merchant(ctx, h.merchant.ID)
		if m.SettlementCurrency != "USD" || m.MaxPayment != 0 || m.MaxDaily != 0 {
			t.Errorf("merchant %+v", m)
		}
		want := []string{entrypay.AuditSettlementCurrency, entrypay.AuditLimitsChanged, entrypay.AuditPricingChanged, entrypay.AuditLimitsChanged,
			entrypay.AuditTimeZoneChanged, entrypay.AuditPricingChanged, entrypay.AuditKYBChanged, entrypay.AuditKYBChanged}
		if got := consoleAudit(t, h, m.ID); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("audit = %v\nwant    %v", got, want)
		}
		for _, e := range h.audit(t, entrypay.AuditQuery{Subject: m.ID}) {
			if e.UserID == "" || !strings.HasPrefix(e.Email, "operator-") || e.Detail == "" {
				t.Errorf("entry %+v: want the operator and a detail", e)
			}
		}
		if _, page := op.get(base); !strings.Contains(page, "approved") || !strings.Contains(page, "Asia/Singapore") {
			t.Errorf("merchant page does not show the changes")
		}
	})
}

// payAs pays value minor HKD units as m through the signed API and returns the result.
func payAs(t *testing.T, h *harness, m *entrypay.Merchant, requestID string, value int) ams.Result {
	t.Helper()
	res, _ := h.call(t, m, ams.PathPay, payBody(requestID, value, hkUA, "https://shop.example/notify"))
	return res
}

// TestConsoleLimitsAndDisable: limits set in the console and a disabled merchant are
// enforced through the signed API (and the entry-code pages) with Antom's result codes.
func TestConsoleLimitsAndDisable(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		csrf := op.csrfOf("/dashboard/operator/")
		base := "/dashboard/operator/merchants/" + h.merchant.ID
		post := func(form string, v url.Values) {
			t.Helper()
			v.Set("csrf", csrf)
			if resp, page := op.post(base+"/"+form, v); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s: %d %s", form, resp.StatusCode, errorOf(page))
			}
		}
		post("limits", url.Values{"max_payment": {"100"}, "max_daily": {"150.00"}})
		for _, tc := range []struct {
			id    string
			value int
			code  string
		}{
			{"lim-1", 12000, "PAYMENT_AMOUNT_EXCEED_LIMIT"}, // over 100.00 a payment
			{"lim-2", 10000, "SUCCESS"},                     // exactly the limit
			{"lim-3", 5100, "PAYMENT_AMOUNT_EXCEED_LIMIT"},  // 151.00 today
			{"lim-4", 5000, "SUCCESS"},                      // 150.00 today
			{"lim-1", 12000, "PAYMENT_AMOUNT_EXCEED_LIMIT"}, // a refused request id was not used up
		} {
			res := payAs(t, h, h.merchant, tc.id, tc.value)
			if res.ResultCode != tc.code || (tc.code != "SUCCESS" && res.ResultStatus != "F") {
				t.Errorf("pay %s of %d: %+v, want %s", tc.id, tc.value, res, tc.code)
			}
		}
		// The live merchant has no limits.
		if res := payAs(t, h, h.live, "live-1", 50000); res.ResultCode != "SUCCESS" {
			t.Errorf("live merchant: %+v", res)
		}

		sh := h.shop(t, "Central", nil, entrypay.Amount{})
		post("status", url.Values{"enabled": {"false"}, "reason": {"chargebacks"}})
		if res := payAs(t, h, h.merchant, "off-1", 100); res.ResultCode != "INVALID_MERCHANT_STATUS" || res.ResultStatus != "F" {
			t.Errorf("disabled merchant's pay: %+v", res)
		}
		res, _ := h.call(t, h.merchant, ams.PathInquiryPayment, `{"paymentRequestId":"lim-2"}`)
		if res.ResultCode != "INVALID_MERCHANT_STATUS" {
			t.Errorf("disabled merchant's inquiry: %+v", res)
		}
		for _, method := range []string{"GET", "POST"} {
			status, _, page := h.page(t, method, "/c/"+sh.code.Value+"?lang=en", hkUA, "", url.Values{"amount": {"12.50"}, "token": {"tok-" + method}})
			if status != http.StatusForbidden || !strings.Contains(page, "cannot take payments") {
				t.Errorf("%s entry code of a disabled merchant: %d %s", method, status, page)
			}
		}
		if _, err := h.gw.PayAtCode(context.Background(), entrypay.CodePayment{Code: sh.code.Value, RequestID: "page-1", Amount: entrypay.Amount{Value: 100, Currency: "HKD"}, UserAgent: hkUA}); entrypay.ErrorCodeOf(err) != entrypay.EMerchantStatus {
			t.Errorf("PayAtCode of a disabled merchant: %v", err)
		}
		if _, list := op.get("/dashboard/operator/merchants"); !strings.Contains(list, "no — disabled") {
			t.Error("the list does not show the merchant disabled")
		}
		post("status", url.Values{"enabled": {"true"}})
		res, body := h.call(t, h.merchant, ams.PathInquiryPayment, `{"paymentRequestId":"lim-2"}`)
		var inq ams.InquiryPaymentResponse
		_ = json.Unmarshal(body, &inq)
		if res.ResultCode != "SUCCESS" {
			t.Errorf("enabled again, inquiry: %s", body)
		}
		want := []string{entrypay.AuditMerchantEnabled, entrypay.AuditMerchantDisabled, entrypay.AuditLimitsChanged}
		if got := consoleAudit(t, h, h.merchant.ID); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("audit = %v, want %v", got, want)
		}
	})
}

// TestConsoleRates: an uploaded set is in force, audited, and kept in the history when a
// later set replaces its rates.
func TestConsoleRates(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		csrf := op.csrfOf("/dashboard/operator/fx")
		for i, text := range []string{
			"# morning\nbase,quote,price\nUSD,HKD,7.8123\nEUR,USD,1.0512\n",
			"base,quote,price,as_of\r\nUSD,HKD,7.8200,2026-01-02\r\n",
		} {
			resp, page := op.post("/dashboard/operator/fx", url.Values{"csrf": {csrf}, "rates": {text}})
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/operator/fx?stored=") {
				t.Fatalf("upload %d: %d %s", i, resp.StatusCode, errorOf(page))
			}
		}
		_, page := op.get("/dashboard/operator/fx?stored=1")
		for _, want := range []string{"1 rates stored.", "7.8123", "7.8200", "1.0512", "console"} {
			if !strings.Contains(page, want) {
				t.Errorf("FX page lacks %q", want)
			}
		}
		sets, err := h.gw.RateSets(context.Background(), 10)
		if err != nil || len(sets) != 2 || len(sets[0].Rates) != 1 || len(sets[1].Rates) != 2 {
			t.Fatalf("rate sets %+v, %v", sets, err)
		}
		var audited int
		for _, e := range h.audit(t, entrypay.AuditQuery{}) {
			if e.Action == entrypay.AuditRatesUploaded {
				audited++
				if !strings.Contains(e.Detail, "USD/HKD") || e.UserID == "" {
					t.Errorf("entry %+v", e)
				}
			}
		}
		if audited != 2 {
			t.Errorf("%d fx_rates_uploaded entries, want 2", audited)
		}
	})
}

// TestConsoleDailyLimitConcurrent: payments made at once are counted one after the
// other against the daily limit, so together they never exceed it.
func TestConsoleDailyLimitConcurrent(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		opEmail := h.user(t, nil, entrypay.RoleOperator)
		op, err := h.gw.UserByEmail(ctx, opEmail)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.gw.SetLimits(ctx, op, h.merchant.ID, 0, 10000); err != nil {
			t.Fatal(err)
		}
		m, err := h.gw.Merchant(ctx, h.merchant.ID)
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() {
				_, err := h.gw.Pay(ctx, m, entrypay.PayInput{RequestID: fmt.Sprintf("conc-%d", i), Amount: entrypay.Amount{Value: 3000, Currency: "HKD"},
					UserAgent: hkUA, NotifyURL: "https://shop.example/notify"})
				errs <- err
			}()
		}
		ok, refused := 0, 0
		for range n {
			switch err := <-errs; entrypay.ErrorCodeOf(err) {
			case entrypay.EAmountLimit:
				refused++
			default:
				if err != nil {
					t.Errorf("pay: %v", err)
				}
				ok++
			}
		}
		if ok != 3 || refused != n-3 {
			t.Errorf("%d paid and %d refused; want 3 (90.00 of 100.00) and %d", ok, refused, n-3)
		}
	})
}
