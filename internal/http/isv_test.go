package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// TestISVEndToEnd is the ISV integration mode from start to finish, over real signed
// HTTP: a partner registers two merchants through the API; the operator approves one and
// rejects the other in the console; the partner gets notifyRegistrationStatus with the
// approved merchant's Agent-Token, issues an entry code for it through the API, a
// customer pays on the hosted page, and the partner sees the payment and refunds part of
// it with the token. Every attempt on the rejected merchant and on a merchant the
// partner does not serve is refused.
func TestISVEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		hook := newPartnerServer(t) // the ISV's endpoint for registration results
		pos := newMerchantServer(t) // and for its merchants' payment results
		isv := h.partnerWithKey(t, "POS Vendor", true, merchantKey)
		if _, err := h.gw.SetNotifyURL(ctx, isv.ID, pos.url); err != nil {
			t.Fatal(err)
		}
		client, err := ams.NewClient(ams.Config{BaseURL: h.url, ClientID: isv.ClientID, PrivateKey: merchantKey, KeyVersion: 1, GatewayKey: &gatewayKey.PublicKey})
		if err != nil {
			t.Fatal(err)
		}

		// 1. The ISV registers two merchants.
		for _, reg := range []struct{ id, ref string }{{"reg-dimsum", "POS-M-1"}, {"reg-teahouse", "POS-M-2"}} {
			res, body := h.call(t, isv, ams.PathRegistration, encode(t, regBody(reg.id, reg.ref, hook.url)))
			if res.ResultStatus != "S" || !strings.Contains(string(body), `"registrationStatus":"PROCESSING"`) {
				t.Fatalf("registration %s: %s", reg.id, body)
			}
		}

		// 2. The operator approves the first and rejects the second in the console.
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		approved, rejected := registrationOf(t, h, "reg-dimsum"), registrationOf(t, h, "reg-teahouse")
		if resp, body := review(t, h, op, approved.ID, "approve", ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", resp.StatusCode, body)
		}
		if resp, body := review(t, h, op, rejected.ID, "reject", "the registration number is not the company's"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d %s", resp.StatusCode, body)
		}

		// 3. The ISV is told, signed, on its endpoint.
		notes := map[string]ams.NotifyRegistrationStatusRequest{}
		for _, r := range []*entrypay.Registration{approved, rejected} {
			if err := h.gw.DeliverRegistrationNotice(ctx, r.ID, false); err != nil {
				t.Fatal(err)
			}
			n := hook.receive(t)
			notes[n.RegistrationRequestID] = n
		}
		ok, no := notes["reg-dimsum"], notes["reg-teahouse"]
		if ok.RegistrationResult == nil || ok.RegistrationResult.RegistrationStatus != ams.RegistrationApproved || ok.AgentToken == "" || ok.MerchantID == "" || ok.StoreID == "" {
			t.Fatalf("approval notice: %+v", ok)
		}
		if no.RegistrationResult == nil || no.RegistrationResult.RegistrationStatus != ams.RegistrationRejected || no.AgentToken != "" || no.MerchantID != "" ||
			!strings.Contains(no.RegistrationResult.RejectReason, "registration number") {
			t.Fatalf("rejection notice: %+v", no)
		}
		dimsum := client.ForMerchant(ok.AgentToken)

		// 4. The ISV issues an entry code for the approved merchant's registered store.
		code, err := dimsum.CreateCode(ctx, &ams.CreateCodeRequest{StoreID: ams.String(ok.StoreID), CodeLabel: "Counter"})
		if err != nil || code.Code == nil || !strings.Contains(code.Code.CodeURL, code.Code.CodeValue) {
			t.Fatalf("createCode: %v %+v", err, code)
		}

		// 5. A customer scans it and pays on the hosted page.
		path := "/c/" + code.Code.CodeValue
		status, _, page := h.page(t, "GET", path, hkUA, "", nil)
		if status != http.StatusOK || !strings.Contains(page, "Central") {
			t.Fatalf("entry page: %d\n%s", status, page)
		}
		tok := token(t, page)
		status, hdr, _ := h.page(t, "POST", path, hkUA, "", url.Values{"token": {tok}, "lang": {"en"}, "amount": {"88.00"}})
		if status != http.StatusSeeOther {
			t.Fatalf("amount page: %d", status)
		}
		if _, err := h.sb.Finish(ctx, tokenOf(hdr.Get("Location")), sandbox.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}

		// 6. The ISV is notified of the payment, sees it with the token, refunds part.
		inq, err := dimsum.InquiryPayment(ctx, "", tok)
		if err != nil || inq.PaymentID == "" {
			t.Fatalf("inquiryPayment: %v %+v", err, inq)
		}
		deliverAll(t, h, inq.PaymentID)
		n := receive(t, pos)
		if n.PaymentID != inq.PaymentID || n.Result.ResultStatus != "S" || n.PaymentAmount == nil || n.PaymentAmount.Value != "8800" {
			t.Fatalf("payment notification to the ISV: %+v", n)
		}
		if inq, err = dimsum.InquiryPayment(ctx, inq.PaymentID, ""); err != nil || inq.PaymentStatus != "SUCCESS" {
			t.Fatalf("inquiryPayment: %v %+v", err, inq)
		}
		rf, err := dimsum.Refund(ctx, &ams.RefundRequest{RefundRequestID: "pos-refund-1", PaymentID: ams.String(inq.PaymentID),
			RefundAmount: &ams.Amount{Currency: "HKD", Value: "1800"}, RefundReason: "one dish missing"})
		if err != nil || rf.RefundID == "" {
			t.Fatalf("refund: %v %+v", err, rf)
		}
		p, err := h.gw.PaymentByID(ctx, inq.PaymentID)
		if err != nil || p.MerchantID != ok.MerchantID || p.Origin != "hosted page, entry code "+code.Code.CodeValue {
			t.Fatalf("the payment is the approved merchant's, from the hosted page: %+v %v", p, err)
		}
		rs := h.refunds(t, p.ID)
		if len(rs) != 1 || rs[0].Amount.Value != 1800 || rs[0].Status != entrypay.RefundSuccess ||
			!strings.HasPrefix(rs[0].Origin, "partner "+isv.ClientID+" key 1, Agent-Token ") {
			t.Fatalf("refunds: %+v", rs)
		}
		calls := 0
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: ok.MerchantID}) {
			if e.Action == "api_call" && e.Email == "partner "+isv.ClientID {
				calls++
			}
		}
		if calls < 4 {
			t.Errorf("the partner's calls for the merchant are not audited as its own: %d entries", calls)
		}

		// 7. Refused: the rejected merchant, and merchants the ISV does not serve.
		if _, err := h.gw.Merchant(ctx, rejected.ID); err == nil {
			t.Error("the rejected registration made a merchant")
		}
		_, body := h.call(t, isv, ams.PathInquiryRegistrationStatus, `{"registrationRequestId":"reg-teahouse"}`)
		if !strings.Contains(string(body), `"registrationStatus":"REJECTED"`) || strings.Contains(string(body), "agentToken") {
			t.Errorf("inquiry of the rejected registration: %s", body)
		}
		rival := h.partnerWithKey(t, "Rival POS", true, strangerKey)
		rivalTok := h.authorize(t, rival, h.merchant, "all", "rival", time.Time{})
		for _, tc := range []struct {
			name  string
			token string
		}{
			{"no token", ""},
			{"a made-up token for the rejected merchant", entrypay.NewAgentTokenValue()},
			{"another partner's token for a merchant it serves", rivalTok},
		} {
			_, err := client.ForMerchant(tc.token).InquiryPayment(ctx, "", tok)
			var re *ams.ResultError
			if !errors.As(err, &re) || re.Result.ResultCode != "ACCESS_DENIED" {
				t.Errorf("%s: %v, want ACCESS_DENIED", tc.name, err)
			}
			if _, err := client.ForMerchant(tc.token).CreateCode(ctx, &ams.CreateCodeRequest{StoreID: ams.String(ok.StoreID)}); !errors.As(err, &re) || re.Result.ResultCode != "ACCESS_DENIED" {
				t.Errorf("%s: createCode %v, want ACCESS_DENIED", tc.name, err)
			}
		}
		// The approved merchant's token reaches only that merchant: the other merchant's
		// payment is not found through it.
		other := h.paid(t, h.merchant, "not-the-isvs", 500)
		if _, err := dimsum.InquiryPayment(ctx, other, ""); err == nil {
			t.Error("the ISV's token found another merchant's payment")
		}
	})
}

// TestSystemIntegratorKey: a system integrator signs with its own, labelled key version
// of the merchant's client id; the payments and refunds it makes say so, and revoking its
// key stops it while the merchant's own key goes on.
func TestSystemIntegratorKey(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		if _, err := h.gw.AddMerchantKey(ctx, h.merchant.ClientID, antomsig.EncodePublicKey(&strangerKey.PublicKey), "Acme Integrators"); err != nil {
			t.Fatal(err)
		}
		shop := newMerchantServer(t)
		res, body := h.agentCall(t, h.merchant.ClientID, strangerKey, 2, ams.PathPay, payBody("si-order-1", 990, hkUA, shop.url), "")
		if res.ResultStatus != "S" {
			t.Fatalf("pay with the integrator's key: %s", body)
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		p, err := h.gw.PaymentByID(ctx, pay.PaymentID)
		if err != nil || p.Origin != "client "+h.merchant.ClientID+" key 2 (Acme Integrators)" {
			t.Fatalf("origin of the integrator's payment: %q %v", p.Origin, err)
		}
		// The merchant's own key makes its own.
		res, body = h.call(t, h.merchant, ams.PathPay, payBody("own-order-1", 990, hkUA, shop.url))
		_ = json.Unmarshal(body, &pay)
		if p, _ := h.gw.PaymentByID(ctx, pay.PaymentID); res.ResultStatus != "S" || p.Origin != "client "+h.merchant.ClientID+" key 1" {
			t.Fatalf("origin of the merchant's own payment: %q", p.Origin)
		}
		// The integrator's key is revoked: it is refused, the merchant's goes on.
		owner := h.gwUser(t, h.merchant, entrypay.RoleOwner)
		if _, err := h.gw.RevokeMerchantKey(ctx, owner, 2); err != nil {
			t.Fatal(err)
		}
		if res, _ := h.agentCall(t, h.merchant.ClientID, strangerKey, 2, ams.PathInquiryPayment, `{"paymentRequestId":"si-order-1"}`, ""); res.ResultCode != "KEY_NOT_FOUND" {
			t.Errorf("revoked integrator key: %+v", res)
		}
		if res, _ := h.call(t, h.merchant, ams.PathInquiryPayment, `{"paymentRequestId":"si-order-1"}`); res.ResultStatus != "S" {
			t.Errorf("the merchant's own key after the revocation: %+v", res)
		}
	})
}
