package http_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// newPartner creates a partner account (sandbox or live) whose key is strangerKey.
func (h *harness) newPartner(t *testing.T, name string, sandboxMode bool) *entrypay.Merchant {
	t.Helper()
	return h.partnerWithKey(t, name, sandboxMode, strangerKey)
}

// partnerWithKey creates a partner account that signs with key (merchantKey lets h.call
// sign its calls).
func (h *harness) partnerWithKey(t *testing.T, name string, sandboxMode bool, key *rsa.PrivateKey) *entrypay.Merchant {
	t.Helper()
	p, err := h.gw.CreateMerchant(context.Background(), entrypay.NewMerchant{Name: name, Region: "HK", Sandbox: sandboxMode,
		PublicKey: antomsig.EncodePublicKey(&key.PublicKey), Kind: entrypay.KindPartner})
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsPartner() || p.MCC != entrypay.PartnerMCC {
		t.Fatalf("partner: %+v", p)
	}
	return p
}

// authorize issues an Agent-Token of merchant m to partner p.
func (h *harness) authorize(t *testing.T, p, m *entrypay.Merchant, scopes string, label string, expires time.Time) string {
	t.Helper()
	sc, err := entrypay.ParseScopes(scopes)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := h.gw.AuthorizePartnerByCLI(context.Background(), entrypay.NewAuthorization{
		PartnerClientID: p.ClientID, MerchantID: m.ID, Scopes: sc, Label: label, Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Token
}

// agentCall signs body as client (with key, version) and sends it with the Agent-Token
// header token (none when ""); it returns the result and the body of the answer.
func (h *harness) agentCall(t *testing.T, clientID string, key *rsa.PrivateKey, version int, path, body, token string) (ams.Result, []byte) {
	t.Helper()
	hdr := signedHeaders(clientID, path, antomsig.FormatMillis(h.now()), []byte(body), key, version)
	if token != "" {
		hdr["Agent-Token"] = token
	}
	status, header, data := h.raw(t, "POST", path, hdr, []byte(body))
	if status != http.StatusOK {
		t.Fatalf("POST %s: HTTP %d %s", path, status, data)
	}
	if err := antomsig.VerifyHeader(&gatewayKey.PublicKey, header.Get("Signature"), "POST", path, clientID, header.Get("Response-Time"), data); err != nil {
		t.Fatalf("answer signature: %v", err)
	}
	var r ams.ResultOnly
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("answer is not JSON: %s", data)
	}
	return r.Result, data
}

func denied(t *testing.T, what string, res ams.Result, code, msgPart string) {
	t.Helper()
	if res.ResultCode != code || res.ResultStatus != "F" || !strings.Contains(res.ResultMessage, msgPart) {
		t.Errorf("%s: %+v, want %s F saying %q", what, res, code, msgPart)
	}
}

// owner and operator return gateway users (no session) for gateway calls in tests.
func (h *harness) gwUser(t *testing.T, m *entrypay.Merchant, role entrypay.Role) *entrypay.User {
	t.Helper()
	in := entrypay.NewUser{Email: fmt.Sprintf("%s-%s@shop.example", role, entrypay.RandomCode(6)), Role: role}
	if m != nil {
		in.MerchantID = m.ID
	}
	u, _, err := h.gw.CreateUser(context.Background(), in, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestPartnerAgentToken(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		var skew atomic.Int64
		h := newHarnessAt(t, kind, func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
		ctx := context.Background()
		p := h.newPartner(t, "POS Vendor", true)
		q := h.newPartner(t, "Other ISV", true)
		b, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Tea Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true,
			PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		// A system integrator's key of the partner, labelled: the audit names it.
		if _, err := h.gw.AddMerchantKey(ctx, p.ClientID, antomsig.EncodePublicKey(&strangerKey.PublicKey), "pos-backend"); err != nil {
			t.Fatal(err)
		}
		tokA := h.authorize(t, p, h.merchant, "payments,refunds", "front counter", time.Time{})
		call := func(path, body, token string) (ams.Result, []byte) {
			return h.agentCall(t, p.ClientID, strangerKey, 2, path, body, token)
		}

		// Pay, inquire, refund and inquire the refund for merchant A.
		shop := newMerchantServer(t)
		res, body := call(ams.PathPay, payBody("isv-1", 1000, hkUA, shop.url), tokA)
		if res.ResultStatus != "S" {
			t.Fatalf("partner pay: %s", body)
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		if _, _, err := h.gw.Payment(ctx, h.merchant, entrypay.PaymentRef{ID: pay.PaymentID}); err != nil {
			t.Fatalf("the payment is not merchant A's: %v", err)
		}
		if _, _, err := h.gw.Payment(ctx, p, entrypay.PaymentRef{ID: pay.PaymentID}); err == nil {
			t.Fatal("the payment belongs to the partner")
		}
		if _, err := h.sb.Finish(ctx, tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		deliverAll(t, h, pay.PaymentID)
		receive(t, shop)
		res, body = call(ams.PathInquiryPayment, fmt.Sprintf(`{"paymentRequestId":"isv-1"}`), tokA)
		if res.ResultStatus != "S" || !strings.Contains(string(body), `"paymentStatus":"SUCCESS"`) {
			t.Fatalf("partner inquiry: %s", body)
		}
		res, body = call(ams.PathRefund, fmt.Sprintf(`{"refundRequestId":"isv-rf-1","paymentId":%q,"refundAmount":{"currency":"HKD","value":"300"}}`, pay.PaymentID), tokA)
		if res.ResultStatus != "S" {
			t.Fatalf("partner refund: %s", body)
		}
		res, body = call(ams.PathInquiryRefund, `{"refundRequestId":"isv-rf-1"}`, tokA)
		if res.ResultStatus != "S" {
			t.Fatalf("partner inquiryRefund: %s", body)
		}
		if rfs := h.refunds(t, pay.PaymentID); len(rfs) != 1 || rfs[0].Amount.Value != 300 {
			t.Fatalf("refunds: %+v", rfs)
		}

		// Every call is audited as the partner's, for the merchant, naming the key and token.
		es := h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditAPICall, MerchantID: h.merchant.ID})
		if len(es) != 4 {
			t.Fatalf("%d api_call entries, want 4: %+v", len(es), es)
		}
		wantAPIs := []string{"payments/inquiryRefund", "payments/refund", "payments/inquiryPayment", "payments/pay"}
		for i, e := range es {
			if e.Email != "partner "+p.ClientID || e.UserID != "" || !strings.HasPrefix(e.Detail, wantAPIs[i]+", key version 2 (pos-backend), token ") ||
				!strings.Contains(e.Detail, "(front counter), result SUCCESS") || strings.Contains(e.Detail, tokA) {
				t.Errorf("audit %d: %+v", i, e)
			}
		}
		if es[3].Subject != pay.PaymentID || es[2].Subject != pay.PaymentID || !strings.HasPrefix(es[0].Subject, "") || es[0].Subject == "" {
			t.Errorf("subjects: %q %q %q", es[3].Subject, es[2].Subject, es[0].Subject)
		}

		// A token issued for merchant B to another partner.
		tokB := h.authorize(t, q, b, "all", "", time.Time{})
		res, _ = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokB)
		denied(t, "another partner's token", res, "ACCESS_DENIED", "not issued to partner "+p.ClientID)
		// Scope missing.
		tokR := h.authorize(t, p, h.merchant, "reports", "", time.Time{})
		res, _ = call(ams.PathPay, payBody("isv-2", 1000, hkUA, shop.url), tokR)
		denied(t, "no payments scope", res, "ACCESS_DENIED", "does not allow payments")
		res, _ = call(ams.PathInquiryRefund, `{"refundRequestId":"isv-rf-1"}`, tokR)
		denied(t, "no refunds scope", res, "ACCESS_DENIED", "does not allow refunds")
		// Unknown, without, too long.
		res, body = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, entrypay.NewAgentTokenValue())
		denied(t, "unknown token", res, "ACCESS_DENIED", "not known")
		res, _ = call(ams.PathPay, payBody("isv-3", 1000, hkUA, shop.url), "")
		denied(t, "partner without token", res, "ACCESS_DENIED", "needs the merchant's Agent-Token")
		long := strings.Repeat("a", entrypay.MaxAgentTokenLength+1)
		res, body = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, long)
		denied(t, "129 characters", res, "PARAM_ILLEGAL", "Agent-Token header is longer than 128")
		if strings.Contains(string(body), long) {
			t.Error("the token is echoed")
		}
		// A merchant's own call with a token.
		res, _ = h.agentCall(t, h.merchant.ClientID, merchantKey, 1, ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokA)
		denied(t, "merchant with token", res, "ACCESS_DENIED", "Agent-Token is for partners")
		// A live partner cannot be authorized by a sandbox merchant.
		live := h.newPartner(t, "Live ISV", false)
		if _, err := h.gw.AuthorizePartnerByCLI(ctx, entrypay.NewAuthorization{PartnerClientID: live.ClientID, MerchantID: h.merchant.ID,
			Scopes: []entrypay.Scope{entrypay.ScopePayments}}); entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
			t.Errorf("live partner for a sandbox merchant: %v", err)
		}

		// Revoked.
		owner := h.gwUser(t, h.merchant, entrypay.RoleOwner)
		if _, err := h.gw.RevokeAuthorization(ctx, owner, "", entrypay.AgentTokenRef(tokR)); err != nil {
			t.Fatal(err)
		}
		res, _ = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokR)
		denied(t, "revoked", res, "ACCESS_DENIED", "was revoked at")
		if _, err := h.gw.RevokeAuthorization(ctx, owner, "", entrypay.AgentTokenRef(tokB)); entrypay.ErrorCodeOf(err) != entrypay.ENotFound {
			t.Errorf("revoking another merchant's token: %v", err)
		}
		// Disabled merchant.
		op := h.gwUser(t, nil, entrypay.RoleOperator)
		if _, err := h.gw.SetMerchantEnabled(ctx, op, h.merchant.ID, false, "test"); err != nil {
			t.Fatal(err)
		}
		res, _ = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokA)
		denied(t, "disabled merchant", res, "INVALID_MERCHANT_STATUS", "disabled")
		if _, err := h.gw.SetMerchantEnabled(ctx, op, h.merchant.ID, true, "test"); err != nil {
			t.Fatal(err)
		}
		// Expired: a token for a day, and the clock two days on.
		tokE := h.authorize(t, p, h.merchant, "payments", "", h.now().Add(24*time.Hour))
		if res, _ = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokE); res.ResultStatus != "S" {
			t.Fatalf("fresh token: %+v", res)
		}
		skew.Store(int64(48 * time.Hour))
		res, _ = call(ams.PathInquiryPayment, `{"paymentRequestId":"isv-1"}`, tokE)
		denied(t, "expired", res, "ACCESS_DENIED", "expired at")
		// The refusals before the token resolved are not audited; the scope refusals are.
		es = h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditAPICall, MerchantID: h.merchant.ID})
		if len(es) != 7 || !strings.HasSuffix(es[1].Detail, "result ACCESS_DENIED") {
			t.Errorf("%d api_call entries, want 7 (4 + 2 scope refusals + 1 inquiry): %+v", len(es), es)
		}
	})
}

var agentTokenRE = regexp.MustCompile(`<code id="agent-token"[^>]*>([A-Za-z0-9_-]{48})</code>`)

func TestDashboardPartners(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		p := h.newPartner(t, "POS Vendor", true)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		csrf := owner.csrfOf("/dashboard/partners")

		// Bad input is refused in place, naming the field.
		for _, tc := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"partner": {p.ClientID}}, "scopes: choose at least one"},
			{url.Values{"partner": {"NOPE"}, "scope": {"payments"}}, "partner client id"},
			{url.Values{"partner": {p.ClientID}, "scope": {"payments"}, "expires": {"next year"}}, "expiry date"},
			{url.Values{"partner": {p.ClientID}, "scope": {"payments"}, "expires": {"2001-01-01"}}, "expiry"},
		} {
			tc.form.Set("csrf", csrf)
			resp, page := owner.post("/dashboard/partners", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
				t.Errorf("%v: %d, want 422 saying %q", tc.form, resp.StatusCode, tc.want)
			}
		}

		// Authorize: the token is shown once and works.
		resp, page := owner.post("/dashboard/partners", url.Values{"csrf": {csrf}, "partner": {p.ClientID}, "scope": {"payments", "refunds"},
			"label": {"POS app"}, "expires": {"2099-12-31"}})
		m := agentTokenRE.FindStringSubmatch(page)
		if resp.StatusCode != http.StatusOK || m == nil {
			t.Fatalf("authorize: %d\n%s", resp.StatusCode, page)
		}
		token := m[1]
		ref := entrypay.AgentTokenRef(token)
		if res, _ := h.agentCall(t, p.ClientID, strangerKey, 1, ams.PathInquiryPayment, `{"paymentRequestId":"none"}`, token); res.ResultCode != "ORDER_NOT_EXIST" {
			t.Fatalf("the new token: %+v", res)
		}
		_, page = owner.get("/dashboard/partners")
		if strings.Contains(page, token) || !strings.Contains(page, ref) || !strings.Contains(page, "payments, refunds") || !strings.Contains(page, "POS app") ||
			!strings.Contains(page, "2099-12-31") {
			t.Errorf("list after authorizing:\n%s", page)
		}
		if es := h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditAgentTokenIssued, MerchantID: h.merchant.ID}); len(es) != 1 || es[0].Subject != ref ||
			strings.Contains(es[0].Detail, token) {
			t.Errorf("issue audit: %+v", es)
		}

		// Viewers and refunders see the list and change nothing.
		for _, role := range []entrypay.Role{entrypay.RoleViewer, entrypay.RoleRefunder} {
			v := h.signedIn(t, h.merchant, role)
			resp, page := v.get("/dashboard/partners")
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, ref) || strings.Contains(page, `action="/dashboard/partners"`) {
				t.Errorf("%s view: %d", role, resp.StatusCode)
			}
			vcsrf := hidden(t, page, "csrf")
			if resp, _ := v.post("/dashboard/partners", url.Values{"csrf": {vcsrf}, "partner": {p.ClientID}, "scope": {"payments"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s authorize: %d", role, resp.StatusCode)
			}
			if resp, _ := v.post("/dashboard/partners/"+ref+"/revoke", url.Values{"csrf": {vcsrf}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s revoke: %d", role, resp.StatusCode)
			}
		}

		// Another merchant's token is the same 404 as none.
		other, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Tea Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true,
			PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		otherRef := entrypay.AgentTokenRef(h.authorize(t, p, other, "payments", "", time.Time{}))
		for _, r := range []string{otherRef, "0123456789abcdef"} {
			if resp, _ := owner.get("/dashboard/partners/" + r + "/revoke"); resp.StatusCode != http.StatusNotFound {
				t.Errorf("confirm %s: %d", r, resp.StatusCode)
			}
			if resp, _ := owner.post("/dashboard/partners/"+r+"/revoke", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusNotFound {
				t.Errorf("revoke %s: %d", r, resp.StatusCode)
			}
		}
		if _, page := owner.get("/dashboard/partners"); strings.Contains(page, otherRef) {
			t.Error("another merchant's authorization is listed")
		}

		// Revoke, with confirmation.
		resp, page = owner.get("/dashboard/partners/" + ref + "/revoke")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Revoke the authorization of POS Vendor") {
			t.Fatalf("confirm: %d", resp.StatusCode)
		}
		if resp, _ := owner.post("/dashboard/partners/"+ref+"/revoke", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if res, _ := h.agentCall(t, p.ClientID, strangerKey, 1, ams.PathInquiryPayment, `{"paymentRequestId":"none"}`, token); res.ResultCode != "ACCESS_DENIED" {
			t.Errorf("revoked token: %+v", res)
		}
		if resp, _ := owner.post("/dashboard/partners/"+ref+"/revoke", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("revoke twice: %d", resp.StatusCode)
		}
		if es := h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditAgentTokenRevoked, MerchantID: h.merchant.ID}); len(es) != 1 || es[0].Subject != ref {
			t.Errorf("revoke audit: %+v", es)
		}
		if resp, _ := owner.post("/dashboard/partners/"+ref+"/revoke", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("without CSRF: %d", resp.StatusCode)
		}

		// Key labels on the developers page.
		pem := string(antomsig.PublicKeyPEM(&strangerKey.PublicKey))
		dcsrf := owner.csrfOf("/dashboard/developers")
		if resp, page := owner.postFiles("/dashboard/developers/keys", map[string]string{"csrf": dcsrf, "pem": pem, "label": strings.Repeat("x", 65)}, nil); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(page, "label must be at most 64") {
			t.Errorf("long label: %d", resp.StatusCode)
		}
		if resp, _ := owner.postFiles("/dashboard/developers/keys", map[string]string{"csrf": dcsrf, "pem": pem, "label": "Acme Integrators"}, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload: %d", resp.StatusCode)
		}
		if _, page := owner.get("/dashboard/developers"); !strings.Contains(page, "<td>Acme Integrators</td>") {
			t.Error("the label is not on the developers page")
		}
	})
}

func TestConsolePartners(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		for _, path := range []string{"/dashboard/operator/partners", "/dashboard/operator/partners/" + h.merchant.ID} {
			if resp, _ := owner.get(path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("owner GET %s: %d", path, resp.StatusCode)
			}
		}
		csrf := op.csrfOf("/dashboard/operator/partners")
		pem := string(antomsig.PublicKeyPEM(&strangerKey.PublicKey))
		if resp, page := op.post("/dashboard/operator/partners", url.Values{"csrf": {csrf}, "name": {"POS Vendor"}, "region": {"HK"}, "mode": {"sandbox"}, "public_key": {"nope"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(page, "public key") {
			t.Errorf("bad key: %d", resp.StatusCode)
		}
		resp, _ := op.post("/dashboard/operator/partners", url.Values{"csrf": {csrf}, "name": {"POS Vendor"}, "region": {"hk"}, "mode": {"sandbox"},
			"public_key": {pem}, "notify_url": {"https://isv.example/notify"}})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard/operator/partners/mer_") {
			t.Fatalf("create: %d %s", resp.StatusCode, loc)
		}
		id := strings.TrimSuffix(strings.TrimPrefix(loc, "/dashboard/operator/partners/"), "?done=created")
		p, err := h.gw.Merchant(context.Background(), id)
		if err != nil || !p.IsPartner() || !p.Sandbox() || p.NotifyURL != "https://isv.example/notify" {
			t.Fatalf("partner: %+v %v", p, err)
		}
		if es := h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditPartnerCreated}); len(es) != 1 || es[0].Subject != p.ID {
			t.Errorf("audit: %+v", es)
		}
		if _, page := op.get("/dashboard/operator/partners"); !strings.Contains(page, p.ClientID) {
			t.Error("the partner is not listed")
		}
		// Partners are not merchants: the merchants page leaves them out.
		if _, page := op.get("/dashboard/operator/merchants"); strings.Contains(page, p.ClientID) || !strings.Contains(page, h.merchant.ClientID) {
			t.Error("the merchants page lists the partner, or not the merchant")
		}
		// A merchant's id is no partner's page.
		if resp, _ := op.get("/dashboard/operator/partners/" + h.merchant.ID); resp.StatusCode != http.StatusNotFound {
			t.Errorf("merchant as partner: %d", resp.StatusCode)
		}
		token := h.authorize(t, p, h.merchant, "payments", "till 1", time.Time{})
		ref := entrypay.AgentTokenRef(token)
		resp, page := op.get(loc)
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, ref) || !strings.Contains(page, "Noodle Bar") || strings.Contains(page, token) {
			t.Fatalf("partner page: %d\n%s", resp.StatusCode, page)
		}
		base := "/dashboard/operator/partners/" + p.ID + "/tokens/" + ref + "/revoke"
		if resp, _ := op.get(base); resp.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", resp.StatusCode)
		}
		if resp, _ := op.post(base, url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if res, _ := h.agentCall(t, p.ClientID, strangerKey, 1, ams.PathInquiryPayment, `{"paymentRequestId":"none"}`, token); res.ResultCode != "ACCESS_DENIED" {
			t.Errorf("revoked by the operator: %+v", res)
		}
		if es := h.audit(t, entrypay.AuditQuery{Action: entrypay.AuditAgentTokenRevoked, MerchantID: h.merchant.ID}); len(es) != 1 {
			t.Errorf("revoke audit: %+v", es)
		}
	})
}

// BenchmarkInquiryAs measures a signed inquiryPayment over HTTP on SQLite made by the
// merchant itself and by a partner with an Agent-Token: the difference is resolving the
// token (a read transaction) and writing the api_call audit entry (a write transaction).
func BenchmarkInquiryAs(b *testing.B) {
	h := newHarness(b, "sqlite", func(c *ephttp.Config) { c.RateLimit, c.RateBurst = 1e6, 1e6 })
	p, err := h.gw.CreateMerchant(context.Background(), entrypay.NewMerchant{Name: "POS Vendor", Region: "HK", Sandbox: true,
		PublicKey: antomsig.EncodePublicKey(&strangerKey.PublicKey), Kind: entrypay.KindPartner})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := h.gw.AuthorizePartnerByCLI(context.Background(), entrypay.NewAuthorization{PartnerClientID: p.ClientID, MerchantID: h.merchant.ID,
		Scopes: []entrypay.Scope{entrypay.ScopePayments}})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"paymentRequestId":"none"}`)
	for _, tc := range []struct {
		name, clientID, token string
		key                   *rsa.PrivateKey
	}{{"merchant", h.merchant.ClientID, "", merchantKey}, {"partner", p.ClientID, tok.Token, strangerKey}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				hdr := signedHeaders(tc.clientID, ams.PathInquiryPayment, antomsig.FormatMillis(time.Now()), body, tc.key, 1)
				req, _ := http.NewRequest("POST", h.url+ams.PathInquiryPayment, strings.NewReader(string(body)))
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				if tc.token != "" {
					req.Header.Set("Agent-Token", tc.token)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var r ams.ResultOnly
				if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Result.ResultCode != "ORDER_NOT_EXIST" {
					b.Fatalf("%+v %v", r, err)
				}
				resp.Body.Close()
			}
		})
	}
}
