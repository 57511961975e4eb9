package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// The built-in risk rules, each seen firing through the real merchant API or the hosted
// entry page, over real HTTP with real signatures, on both stores. Rule sets are uploaded
// through the operator's admin API, as an operator would.

const (
	gcashUA = "Mozilla/5.0 (Linux; Android 14) GCash/5.80.0"
	kakaoUA = "Mozilla/5.0 (Linux; Android 14) KAKAOTALK 10.4.5"
)

// rules is the built-in rule file with edits: pairs of a text in it and its replacement.
func rules(t *testing.T, edits ...string) string {
	t.Helper()
	src := risk.DefaultRules()
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(src, edits[i]) {
			t.Fatalf("the built-in rules have no %q to edit", edits[i])
		}
		src = strings.Replace(src, edits[i], edits[i+1], 1)
	}
	return src
}

// adminCall calls the admin API with the operator token.
func (h *harness) adminCall(t *testing.T, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// upload stores a rule file through the admin API as LIVE or SHADOW.
func (h *harness) upload(t *testing.T, source, status string) entrypay.RuleSet {
	t.Helper()
	code, body := h.adminCall(t, "POST", "/admin/api/v1/risk/rulesets?status="+status+"&comment=test", "application/yaml", []byte(source))
	var rs entrypay.RuleSet
	if err := json.Unmarshal(body, &rs); code != http.StatusCreated || err != nil {
		t.Fatalf("upload rules: %d %s", code, body)
	}
	return rs
}

// merchantNamed makes another sandbox merchant with the test key.
func (h *harness) merchantNamed(t *testing.T, name, mcc string) *entrypay.Merchant {
	t.Helper()
	m, err := h.gw.CreateMerchant(context.Background(), entrypay.NewMerchant{Name: name, MCC: mcc, Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// riskPay is a pay request with the fields risk looks at.
type riskPay struct {
	id                   string
	value                int64
	currency, ua         string
	ip, device, customer string
	storeMCC             string
	merchant             *entrypay.Merchant
}

func (p riskPay) body() string {
	env := map[string]string{"userAgent": p.ua}
	if p.ip != "" {
		env["clientIp"] = p.ip
	}
	if p.device != "" {
		env["deviceTokenId"] = p.device
	}
	method := map[string]string{"paymentMethodType": "CONNECT_WALLET"}
	if p.customer != "" {
		method["customerId"] = p.customer
	}
	store := map[string]string{"referenceStoreId": "S1", "storeName": "Central"}
	if p.storeMCC != "" {
		store["storeMCC"] = p.storeMCC
	}
	b, _ := json.Marshal(map[string]any{
		"productCode": "IN_STORE_PAYMENT", "paymentRequestId": p.id,
		"paymentAmount": map[string]string{"currency": p.currency, "value": fmt.Sprint(p.value)},
		"paymentMethod": method, "paymentFactor": map[string]string{"inStorePaymentScenario": "EntryCode"},
		"paymentNotifyUrl": "https://merchant.example/notify",
		"order":            map[string]any{"orderDescription": "noodles", "merchant": map[string]any{"store": store}, "env": env},
	})
	return string(b)
}

// pay sends p and returns the result and the answer.
func (h *harness) riskPay(t *testing.T, p riskPay) (ams.Result, ams.PayResponse) {
	t.Helper()
	if p.currency == "" {
		p.currency = "HKD"
	}
	if p.ua == "" {
		p.ua = hkUA
	}
	res, body := h.call(t, p.merchant, ams.PathPay, p.body())
	var resp ams.PayResponse
	_ = json.Unmarshal(body, &resp)
	return res, resp
}

// lastDecision is the newest decision about a merchant's payments.
func (h *harness) lastDecision(t *testing.T, m *entrypay.Merchant) *entrypay.RiskDecision {
	t.Helper()
	ds, err := h.gw.RiskDecisions(context.Background(), entrypay.RiskDecisionQuery{MerchantID: m.ID, Limit: 1})
	if err != nil || len(ds) == 0 {
		t.Fatalf("no decision for %s: %v", m.ID, err)
	}
	return ds[0]
}

func fired(d *entrypay.RiskDecision) []string {
	var names []string
	for _, f := range d.Verdict.Fired {
		names = append(names, f.Name)
	}
	return names
}

// TestRiskRulesAPI fires the built-in rules that see merchant API payments.
func TestRiskRulesAPI(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		if err := h.gw.AddRates(ctx, []entrypay.Rate{{Base: "USD", Quote: "HKD", Price: "7.8"}, {Base: "USD", Quote: "KRW", Price: "1350"}, {Base: "USD", Quote: "PHP", Price: "56"}}); err != nil {
			t.Fatal(err)
		}
		limited := h.merchantNamed(t, "Limited", "5812")
		blocked := h.merchantNamed(t, "Blocked", "5812")
		h.upload(t, rules(t,
			"blocked_merchants: []", fmt.Sprintf("blocked_merchants: [%q]", blocked.ID),
			"blocked_customers: []", `blocked_customers: ["cust-blocked"]`,
			"blocked_ips: []", `blocked_ips: ["203.0.113.7"]`,
			"blocked_devices: []", `blocked_devices: ["dev-blocked"]`,
			"allowed_customers: []", `allowed_customers: ["cust-vip"]`,
			"allowed_devices: []", `allowed_devices: ["dev-vip"]`,
			"    default: {per_payment: 0, daily: 0}", fmt.Sprintf("    default: {per_payment: 0, daily: 0}\n    %s: {per_payment: 50000, daily: 100000}", limited.ID),
			"  wallets: {}", "  wallets:\n    GCASH: {daily: 150000}",
		), "LIVE")

		cases := []struct {
			name    string
			pays    []riskPay // all but the last must be accepted
			outcome entrypay.RiskOutcome
			reason  string
		}{
			{"merchant_payment_limit", []riskPay{{value: 60000, merchant: limited}}, entrypay.RiskReject, "MERCHANT_PAYMENT_LIMIT"},
			{"merchant_daily_limit", []riskPay{{value: 40000, merchant: limited}, {value: 40000, merchant: limited}, {value: 40000, merchant: limited}}, entrypay.RiskReject, "MERCHANT_DAILY_LIMIT"},
			{"wallet_minimum", []riskPay{{value: 1, ua: kakaoUA}}, entrypay.RiskReject, "WALLET_BELOW_MINIMUM"},
			{"wallet_maximum", []riskPay{{value: 5000001}}, entrypay.RiskReject, "WALLET_ABOVE_MAXIMUM"},
			{"wallet_daily_limit", []riskPay{{value: 20000, ua: gcashUA}, {value: 20000, ua: gcashUA}}, entrypay.RiskReject, "WALLET_DAILY_LIMIT"},
			{"blocked_merchant", []riskPay{{value: 1000, merchant: blocked}}, entrypay.RiskReject, "BLOCKED_MERCHANT"},
			{"blocked_customer", []riskPay{{value: 1000, customer: "cust-blocked"}}, entrypay.RiskReject, "BLOCKED_CUSTOMER"},
			{"blocked_ip", []riskPay{{value: 1000, ip: "203.0.113.7"}}, entrypay.RiskReject, "BLOCKED_IP"},
			{"blocked_device", []riskPay{{value: 1000, device: "dev-blocked"}}, entrypay.RiskReject, "BLOCKED_DEVICE"},
			{"mcc_denied", []riskPay{{value: 1000, storeMCC: "7995"}}, entrypay.RiskReject, "MCC_DENIED"},
		}
		ipBurst, deviceBurst := make([]riskPay, 11), make([]riskPay, 11)
		for i := range ipBurst {
			ipBurst[i] = riskPay{value: 100, ip: "192.0.2.11"}
			deviceBurst[i] = riskPay{value: 100, device: "dev-fast"}
		}
		cases = append(cases,
			struct {
				name    string
				pays    []riskPay
				outcome entrypay.RiskOutcome
				reason  string
			}{"ip_velocity", ipBurst, entrypay.RiskReject, "VELOCITY_IP"},
			struct {
				name    string
				pays    []riskPay
				outcome entrypay.RiskOutcome
				reason  string
			}{"device_velocity", deviceBurst, entrypay.RiskReject, "VELOCITY_DEVICE"})

		n := 0
		for _, c := range cases {
			for i, p := range c.pays {
				n++
				p.id = fmt.Sprintf("%s-%d", c.name, n)
				if p.merchant == nil {
					p.merchant = h.merchant
				}
				res, _ := h.riskPay(t, p)
				d := h.lastDecision(t, p.merchant)
				if i < len(c.pays)-1 {
					if res.ResultStatus != "S" || d.Outcome != entrypay.RiskAccept {
						t.Fatalf("%s: payment %d before the rule fires: %+v, decision %s %v", c.name, i, res, d.Outcome, fired(d))
					}
					continue
				}
				if d.Outcome != c.outcome || d.Verdict.Reason != c.reason || !strings.Contains(strings.Join(fired(d), ","), c.name) {
					t.Errorf("%s: decision %s %s %v, want %s %s", c.name, d.Outcome, d.Verdict.Reason, fired(d), c.outcome, c.reason)
				}
				if res.ResultCode != "RISK_REJECT" || res.ResultStatus != "F" || !strings.Contains(res.ResultMessage, c.reason) {
					t.Errorf("%s: the merchant got %+v, want F/RISK_REJECT naming %s", c.name, res, c.reason)
				}
				// The refusal is final: the same request answers the same.
				if again, _ := h.riskPay(t, p); again != res {
					t.Errorf("%s: repeat answered %+v, first %+v", c.name, again, res)
				}
			}
		}

		// unusual_amount holds a payment far above the merchant's usual; an allowed
		// customer's passes.
		usual := h.merchantNamed(t, "Usual", "5812")
		for i := range 20 {
			if res, _ := h.riskPay(t, riskPay{id: fmt.Sprintf("usual-%d", i), value: 1000, merchant: usual}); res.ResultStatus != "S" {
				t.Fatalf("usual payment %d: %+v", i, res)
			}
		}
		res, resp := h.riskPay(t, riskPay{id: "unusual", value: 20000, merchant: usual})
		d := h.lastDecision(t, usual)
		if res.ResultStatus != "S" || d.Outcome != entrypay.RiskReview || d.Verdict.Reason != "UNUSUAL_AMOUNT" || d.Signals.Merchant.AvgAmount30d != 1000 {
			t.Fatalf("unusual amount: %+v, decision %s %s %v (avg %d)", res, d.Outcome, d.Verdict.Reason, fired(d), d.Signals.Merchant.AvgAmount30d)
		}
		if resp.RedirectActionForm == nil || resp.RedirectActionForm.RedirectURL != h.url+"/hold/"+resp.PaymentID {
			t.Fatalf("a held payment's redirect: %+v", resp.RedirectActionForm)
		}
		res, resp = h.riskPay(t, riskPay{id: "vip", value: 20000, merchant: usual, customer: "cust-vip"})
		d = h.lastDecision(t, usual)
		if res.ResultStatus != "S" || d.Outcome != entrypay.RiskAccept || d.Verdict.Reason != "ALLOW_LIST" || !strings.HasPrefix(resp.RedirectActionForm.RedirectURL, h.url+"/sandbox/cashier/") {
			t.Fatalf("allowed customer: %+v, decision %s %s %v", res, d.Outcome, d.Verdict.Reason, fired(d))
		}
		res, _ = h.riskPay(t, riskPay{id: "vip-device", value: 60000, merchant: usual, device: "dev-vip"}) // ten times the usual, now 27.27
		if d := h.lastDecision(t, usual); res.ResultStatus != "S" || d.Outcome != entrypay.RiskAccept || !slices.Contains(fired(d), "allowed_device") || !slices.Contains(fired(d), "unusual_amount") {
			t.Fatalf("allowed device: %+v, decision %s %v", res, d.Outcome, fired(d))
		}

		// The decisions are visible through the admin API, with their inputs.
		code, body := h.adminCall(t, "GET", "/admin/api/v1/risk/decisions?outcome=REJECT&merchantId="+limited.ID, "", nil)
		var list struct {
			Decisions []entrypay.RiskDecision `json:"decisions"`
		}
		if err := json.Unmarshal(body, &list); code != 200 || err != nil || len(list.Decisions) != 2 || list.Decisions[0].Signals.Merchant.LimitDaily != 100000 || list.Decisions[0].Verdict.Engine != risk.EngineVersion {
			t.Fatalf("admin decisions: %d %s", code, body)
		}
	})
}

// TestRiskRefundShare holds a refund above half of the merchant's week and lets an
// operator release it through the admin API.
func TestRiskRefundShare(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		res, resp := h.riskPay(t, riskPay{id: "paid", value: 1000, merchant: h.merchant})
		if res.ResultStatus != "S" {
			t.Fatalf("pay: %+v", res)
		}
		if _, err := h.sb.Finish(context.Background(), tokenOf(resp.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		refund := func(id string, v int) ams.Result {
			res, _ := h.call(t, h.merchant, ams.PathRefund, fmt.Sprintf(`{"refundRequestId":%q,"paymentId":%q,"refundAmount":{"currency":"HKD","value":"%d"}}`, id, resp.PaymentID, v))
			return res
		}
		if res := refund("small", 300); res.ResultStatus != "S" {
			t.Fatalf("a refund of 30%%: %+v", res)
		}
		if res := refund("large", 300); res.ResultStatus != "U" {
			t.Fatalf("a refund taking refunds to 60%% of the week: %+v, want U (held)", res)
		}
		d := h.lastDecision(t, h.merchant)
		if d.Kind != "refund" || d.Outcome != entrypay.RiskReview || d.Verdict.Reason != "REFUND_SHARE" || d.Signals.Refund.MerchantRefunds7d != 600 || d.Signals.Refund.MerchantVolume7d != 1000 {
			t.Fatalf("refund decision %+v %+v", d.Verdict, d.Signals.Refund)
		}
		_, body := h.call(t, h.merchant, ams.PathInquiryRefund, `{"refundRequestId":"large"}`)
		if !strings.Contains(string(body), `"refundStatus":"PROCESSING"`) {
			t.Fatalf("held refund inquiry: %s", body)
		}
		code, body := h.adminCall(t, "POST", "/admin/api/v1/risk/decisions/"+d.ID+"/release", "application/json", []byte(`{"operator":"alice"}`))
		if code != 200 || !strings.Contains(string(body), `"review": "RELEASED"`) {
			t.Fatalf("release: %d %s", code, body)
		}
		_, body = h.call(t, h.merchant, ams.PathInquiryRefund, `{"refundRequestId":"large"}`)
		if !strings.Contains(string(body), `"refundStatus":"SUCCESS"`) {
			t.Fatalf("released refund inquiry: %s", body)
		}
		if code, _ := h.adminCall(t, "POST", "/admin/api/v1/risk/decisions/"+d.ID+"/reject", "", nil); code != http.StatusConflict {
			t.Fatalf("a second review: %d", code)
		}
	})
}

var holdRe = regexp.MustCompile(`/hold/(pay_[0-9A-Za-z]+)`)

// TestRiskRulesPage fires the rules that see hosted-page payments, and changes the live
// rules twice through the admin API while payments go on.
func TestRiskRulesPage(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind, func(c *ephttp.Config) { c.PageLimit, c.PageBurst = 1000, 1000 })
		ctx := context.Background()
		sh := h.shop(t, "Central", nil, entrypay.Amount{})
		blockedShop := h.shop(t, "Kowloon", nil, entrypay.Amount{})
		h.upload(t, rules(t,
			"blocked_codes: []", fmt.Sprintf("blocked_codes: [%q]", blockedShop.code.Value),
			"velocity.ip.count_10m > 10", "velocity.ip.count_10m > 1000",
		), "LIVE")

		// The entry page gives the browser a device id, which reaches the decision.
		status, header, page := h.page(t, "GET", "/c/"+sh.code.Value+"?lang=en", hkUA, "", nil)
		cookie := (&http.Response{Header: header}).Cookies()
		if status != 200 || len(cookie) != 1 || cookie[0].Name != "ep_device" || !cookie[0].HttpOnly {
			t.Fatalf("device cookie: %d %v", status, cookie)
		}
		submit := func(code string, amount string, withCookie bool) (int, http.Header, string) {
			t.Helper()
			tok := "ec_" + entrypay.RandomCode(20) // a stale page's token, for a code no longer shown
			if _, _, page := h.page(t, "GET", "/c/"+code+"?lang=en", hkUA, "", nil); tokenRe.MatchString(page) {
				tok = token(t, page)
			}
			form := url.Values{"token": {tok}, "amount": {amount}}
			req, _ := http.NewRequest("POST", h.url+"/c/"+code+"?lang=en", strings.NewReader(form.Encode()))
			req.Header.Set("User-Agent", hkUA)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if withCookie {
				req.AddCookie(cookie[0])
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, resp.Header, string(data)
		}
		if status, header, _ := submit(sh.code.Value, "12.50", true); status != http.StatusSeeOther || !strings.Contains(header.Get("Location"), "/sandbox/cashier/") {
			t.Fatalf("an ordinary page payment: %d %v", status, header)
		}
		if d := h.lastDecision(t, h.merchant); d.Signals.Client.DeviceID != cookie[0].Value || d.Signals.Channel != "page" || d.Signals.Code.Value != sh.code.Value || d.Signals.Client.IP != "127.0.0.1" {
			t.Fatalf("page signals %+v", d.Signals)
		}

		// blocked_code: the customer is told plainly, without the rule.
		status, _, page = submit(blockedShop.code.Value, "12.50", false)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, "declined for security reasons") || strings.Contains(page, "BLOCKED_CODE") {
			t.Fatalf("blocked code: %d\n%s", status, page)
		}
		if d := h.lastDecision(t, h.merchant); d.Verdict.Reason != "BLOCKED_CODE" {
			t.Fatalf("blocked code decision %s %v", d.Verdict.Reason, fired(d))
		}

		// code_burst: the 31st payment at one code in ten minutes is held.
		burst := h.shop(t, "Mong Kok", nil, entrypay.Amount{})
		for i := range 31 {
			status, header, _ := submit(burst.code.Value, "1", false)
			if i < 30 && status != http.StatusSeeOther {
				t.Fatalf("burst payment %d: %d", i, status)
			}
			if i == 30 && !holdRe.MatchString(header.Get("Location")) {
				t.Fatalf("the 31st payment at one code: %d %v", status, header)
			}
		}
		if d := h.lastDecision(t, h.merchant); d.Outcome != entrypay.RiskReview || d.Verdict.Reason != "VELOCITY_CODE" || d.Signals.Velocity.Code.Count10m != 31 {
			t.Fatalf("code burst decision %s %s %+v", d.Outcome, d.Verdict.Reason, d.Signals.Velocity.Code)
		}

		// code_recently_replaced: held; the customer waits on the hold page, which sends
		// them to the cashier once an operator releases the payment.
		replaced, err := h.gw.ReplaceEntryCode(ctx, sh.code.Value)
		if err != nil {
			t.Fatal(err)
		}
		status, header, _ = submit(replaced.Value, "88", false)
		m := holdRe.FindStringSubmatch(header.Get("Location"))
		if status != http.StatusSeeOther || m == nil {
			t.Fatalf("payment at a new replacement code: %d %v", status, header)
		}
		d := h.lastDecision(t, h.merchant)
		if d.Outcome != entrypay.RiskReview || d.Verdict.Reason != "CODE_RECENTLY_REPLACED" || !d.Signals.Code.IsReplacement {
			t.Fatalf("replacement decision %s %s %+v", d.Outcome, d.Verdict.Reason, d.Signals.Code)
		}
		hold := "/hold/" + m[1] + "?lang=en"
		if status, _, page := h.page(t, "GET", hold, hkUA, "", nil); status != 200 || !strings.Contains(page, "Your payment is being checked") || !strings.Contains(page, "HK$88.00") {
			t.Fatalf("hold page: %d\n%s", status, page)
		}
		if code, body := h.adminCall(t, "POST", "/admin/api/v1/risk/decisions/"+d.ID+"/release", "application/json", []byte(`{"operator":"alice"}`)); code != 200 {
			t.Fatalf("release: %d %s", code, body)
		}
		if status, header, _ := h.page(t, "GET", hold, hkUA, "", nil); status != http.StatusSeeOther || !strings.Contains(header.Get("Location"), "/sandbox/cashier/") {
			t.Fatalf("hold page after release: %d %v", status, header)
		}

		// code_not_active: a stale page submitted after the code was replaced.
		status, _, page = submit(sh.code.Value, "12.50", false)
		if status != http.StatusGone || !strings.Contains(page, "no longer in use") {
			t.Fatalf("payment at the replaced code: %d\n%s", status, page)
		}
		if d := h.lastDecision(t, h.merchant); d.Outcome != entrypay.RiskReject || d.Verdict.Reason != "CODE_NOT_ACTIVE" {
			t.Fatalf("inactive code decision %s %s", d.Outcome, d.Verdict.Reason)
		}

		// Hot reload through the admin API: allow this address and block the device.
		h.upload(t, rules(t,
			"velocity.ip.count_10m > 10", "velocity.ip.count_10m > 1000",
			"allowed_ips: []", `allowed_ips: ["127.0.0.1"]`,
			"blocked_devices: []", fmt.Sprintf("blocked_devices: [%q]", cookie[0].Value),
		), "LIVE")
		if status, header, _ := submit(replaced.Value, "9", false); status != http.StatusSeeOther || !strings.Contains(header.Get("Location"), "/sandbox/cashier/") {
			t.Fatalf("an allowed address at a replaced code: %d %v", status, header)
		}
		if d := h.lastDecision(t, h.merchant); d.Outcome != entrypay.RiskAccept || d.Verdict.Reason != "ALLOW_LIST" {
			t.Fatalf("allowed decision %s %s %v", d.Outcome, d.Verdict.Reason, fired(d))
		}
		if status, _, page := submit(replaced.Value, "9", true); status != http.StatusUnprocessableEntity || !strings.Contains(page, "declined for security reasons") {
			t.Fatalf("a blocked device: %d\n%s", status, page)
		}
		if d := h.lastDecision(t, h.merchant); d.Verdict.Reason != "BLOCKED_DEVICE" {
			t.Fatalf("blocked device decision %s %v", d.Verdict.Reason, fired(d))
		}
	})
}

// TestRiskNightTime: at 02:00 in Hong Kong the night_time rule adds its score.
func TestRiskNightTime(t *testing.T) {
	night := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC) // 02:00 the next day in Hong Kong
	h := newHarnessAt(t, "sqlite", func() time.Time { return night })
	if res, _ := h.riskPay(t, riskPay{id: "late", value: 1000, merchant: h.merchant}); res.ResultStatus != "S" {
		t.Fatalf("pay: %+v", res)
	}
	d := h.lastDecision(t, h.merchant)
	if d.Outcome != entrypay.RiskAccept || d.Verdict.Score != 10 || d.Verdict.Reason != "NIGHT_TIME" || d.Signals.Hour != 2 {
		t.Fatalf("night decision %s score %d %s hour %d", d.Outcome, d.Verdict.Score, d.Verdict.Reason, d.Signals.Hour)
	}
}

// TestRiskOperations: a broken rule set is refused naming its line, a shadow set is
// compared with the live one over real traffic and then promoted, the metrics count it
// all, and a rule set that fails at run time fails payments closed.
func TestRiskOperations(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		code, body := h.adminCall(t, "POST", "/admin/api/v1/risk/rulesets", "application/yaml", []byte(rules(t, "velocity.ip.count_10m > 10", "velocity.ip.count_5m > 10")))
		if code != http.StatusBadRequest || !regexp.MustCompile(`line \d+`).Match(body) || !strings.Contains(string(body), "count_5m") {
			t.Fatalf("a rule set with an unknown signal: %d %s", code, body)
		}
		code, body = h.adminCall(t, "POST", "/admin/api/v1/risk/rulesets?dryRun=true", "application/yaml", []byte(rules(t)))
		if code != 200 || !strings.Contains(string(body), `"valid": true`) {
			t.Fatalf("dry run: %d %s", code, body)
		}
		_, body = h.adminCall(t, "GET", "/admin/api/v1/risk/rulesets", "", nil)
		if !strings.Contains(string(body), `"live": 1`) {
			t.Fatalf("refused sets must leave version 1 live: %s", body)
		}

		shadow := h.upload(t, rules(t, "blocked_ips: []", `blocked_ips: ["198.51.100.9"]`), "SHADOW")
		for i, ip := range []string{"198.51.100.9", "198.51.100.10", "198.51.100.9"} {
			if res, _ := h.riskPay(t, riskPay{id: fmt.Sprintf("sh-%d", i), value: 1000, ip: ip, merchant: h.merchant}); res.ResultStatus != "S" {
				t.Fatalf("the shadow set acted: %+v", res)
			}
		}
		code, body = h.adminCall(t, "GET", "/admin/api/v1/risk/shadow", "", nil)
		var rep entrypay.ShadowReport
		if err := json.Unmarshal(body, &rep); code != 200 || err != nil || rep.Decisions != 3 || rep.Differ != 2 || rep.Outcomes["ACCEPT→REJECT"] != 2 || rep.ShadowFired["blocked_ip"] != 2 {
			t.Fatalf("shadow report: %d %s", code, body)
		}
		_, metrics := h.metrics(t)
		for _, want := range []string{
			`entrypay_risk_decisions_total{kind="payment",mode="shadow",outcome="REJECT"} 2`,
			`entrypay_risk_decisions_total{kind="payment",mode="live",outcome="ACCEPT"} 3`,
			`entrypay_risk_rules_fired_total{action="reject",mode="shadow",rule="blocked_ip"} 2`,
			`entrypay_risk_evaluation_seconds_count{mode="live"} 3`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		code, body = h.adminCall(t, "POST", fmt.Sprintf("/admin/api/v1/risk/rulesets/%d/status", shadow.Version), "application/json", []byte(`{"status":"LIVE"}`))
		if code != 200 {
			t.Fatalf("promote: %d %s", code, body)
		}
		if res, _ := h.riskPay(t, riskPay{id: "sh-live", value: 1000, ip: "198.51.100.9", merchant: h.merchant}); res.ResultCode != "RISK_REJECT" {
			t.Fatalf("after promotion: %+v", res)
		}

		// A rule that divides by zero at run time: payments fail closed.
		h.upload(t, rules(t, "rules:\n", "rules:\n  - name: broken\n    when: amount % (merchant.age_days - merchant.age_days) == 0\n    action: review\n    reason: BROKEN\n"), "LIVE")
		res, _ := h.riskPay(t, riskPay{id: "closed", value: 1000, merchant: h.merchant})
		if res.ResultCode != "RISK_REJECT" || !strings.Contains(res.ResultMessage, "RISK_ENGINE_ERROR") {
			t.Fatalf("under a failing rule set: %+v", res)
		}
		if _, metrics := h.metrics(t); !strings.Contains(metrics, `entrypay_risk_engine_failures_total{kind="payment",mode="live"} 1`) {
			t.Errorf("the failure is not counted:\n%s", metrics)
		}
	})
}

// metrics fetches /metrics.
func (h *harness) metrics(t *testing.T) (int, string) {
	t.Helper()
	resp, err := http.Get(h.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}
