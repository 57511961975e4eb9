package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// regBody is a complete registration request as a JSON tree, so that a case can change
// one field.
func regBody(requestID, ref, notifyURL string) map[string]any {
	return map[string]any{
		"registrationRequestId": requestID,
		"registrationNotifyURL": notifyURL,
		"passThroughInfo":       `{"pos":"A1"}`,
		"productCodes":          []any{"IN_STORE_PAYMENT"},
		"merchantInfo": map[string]any{
			"referenceMerchantId": ref,
			"merchantMCC":         "5812",
			"merchantName":        "Dim Sum House",
			"merchantDisplayName": "Dim Sum",
			"merchantAddress":     map[string]any{"region": "HK", "city": "Hong Kong", "address1": "1 Queen's Road Central"},
			"registrationDetail": map[string]any{
				"legalName":        "Dim Sum House Limited",
				"registrationType": "ENTERPRISE_REGISTRATION_NO",
				"registrationNo":   "12345678",
				"businessType":     "ENTERPRISE",
				"contactInfo":      []any{map[string]any{"contactType": "EMAIL", "contactNo": "owner@dimsum.example"}},
			},
			"websites": []any{map[string]any{"url": "https://dimsum.example"}},
		},
		"storeInfo": map[string]any{"referenceStoreId": "DS-1", "storeName": "Central", "storeMCC": "5812",
			"storeAddress": map[string]any{"region": "HK", "address1": "1 Queen's Road Central"}},
	}
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// set changes the field at a dotted path ("merchantInfo.registrationDetail.legalName");
// a nil value removes it.
func set(tree map[string]any, path string, v any) map[string]any {
	parts := strings.Split(path, ".")
	m := tree
	for _, p := range parts[:len(parts)-1] {
		m = m[p].(map[string]any)
	}
	if v == nil {
		delete(m, parts[len(parts)-1])
	} else {
		m[parts[len(parts)-1]] = v
	}
	return tree
}

// partnerServer is a partner's endpoint for notifyRegistrationStatus that verifies each
// signature with the gateway's key.
type partnerServer struct {
	url string
	got chan ams.NotifyRegistrationStatusRequest
}

func newPartnerServer(t *testing.T) *partnerServer {
	p := &partnerServer{got: make(chan ams.NotifyRegistrationStatusRequest, 8)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := antomsig.VerifyHeader(&gatewayKey.PublicKey, r.Header.Get("Signature"), r.Method, r.URL.RequestURI(), r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), body); err != nil {
			t.Errorf("registration notification signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var n ams.NotifyRegistrationStatusRequest
		if err := json.Unmarshal(body, &n); err != nil {
			t.Errorf("registration notification body: %v", err)
		}
		p.got <- n
		_, _ = io.WriteString(w, ams.AckBody)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL + "/isv/registrations"
	return p
}

func (p *partnerServer) receive(t *testing.T) ams.NotifyRegistrationStatusRequest {
	t.Helper()
	select {
	case n := <-p.got:
		return n
	case <-time.After(10 * time.Second):
		t.Fatal("no registration notification within 10 s")
		return ams.NotifyRegistrationStatusRequest{}
	}
}

func registrationOf(t *testing.T, h *harness, requestID string) *entrypay.Registration {
	t.Helper()
	var r *entrypay.Registration
	err := h.gw.Config().DB.InReadTx(context.Background(), func(tx entrypay.Tx) error {
		rs, err := tx.Registrations(context.Background(), entrypay.RegistrationQuery{RequestID: requestID})
		if err == nil && len(rs) == 1 {
			r = rs[0]
		}
		return err
	})
	if err != nil || r == nil {
		t.Fatalf("registration %s: %v", requestID, err)
	}
	return r
}

// review approves or rejects a registration through the operator console.
func review(t *testing.T, h *harness, op *browser, id, action, reason string) (*http.Response, string) {
	t.Helper()
	path := "/dashboard/operator/registrations/" + id
	return op.post(path+"/"+action, url.Values{"csrf": {op.csrfOf(path)}, "reason": {reason}})
}

func TestRegistration(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		isv := h.partnerWithKey(t, "POS Vendor", true, merchantKey)
		other := h.partnerWithKey(t, "Other ISV", true, merchantKey)
		hook := newPartnerServer(t)

		// Accepted for review.
		body := encode(t, regBody("reg-1", "M-001", hook.url))
		res, ans := h.call(t, isv, ams.PathRegistration, body)
		if res.ResultStatus != "S" || !strings.Contains(string(ans), `"registrationStatus":"PROCESSING"`) || !strings.Contains(string(ans), `"passThroughInfo"`) {
			t.Fatalf("registration: %s", ans)
		}
		// The same request again answers the same.
		if _, again := h.call(t, isv, ams.PathRegistration, body); string(again) != string(ans) {
			t.Fatalf("replay differs:\n%s\n%s", ans, again)
		}
		// The same id with other details.
		res, _ = h.call(t, isv, ams.PathRegistration, encode(t, set(regBody("reg-1", "M-001", hook.url), "merchantInfo.merchantName", "Other Name")))
		if res.ResultCode != "REPEAT_REQ_INCONSISTENT" || res.ResultStatus != "F" {
			t.Fatalf("same id, other content: %+v", res)
		}
		// Another request for a merchant under review.
		res, _ = h.call(t, isv, ams.PathRegistration, encode(t, regBody("reg-1b", "M-001", hook.url)))
		if res.ResultCode != "REPEAT_REGISTRATION" {
			t.Fatalf("second registration of M-001: %+v", res)
		}
		// A merchant's own client may not register.
		res, _ = h.call(t, h.merchant, ams.PathRegistration, encode(t, regBody("reg-m", "M-009", "")))
		if res.ResultCode != "ACCESS_DENIED" {
			t.Fatalf("merchant's registration: %+v", res)
		}
		res, _ = h.call(t, h.merchant, ams.PathInquiryRegistrationStatus, `{"registrationRequestId":"reg-1"}`)
		if res.ResultCode != "ACCESS_DENIED" {
			t.Fatalf("merchant's inquiry: %+v", res)
		}
		// Inquiry, by request id and by reference; another partner finds nothing.
		_, ans = h.call(t, isv, ams.PathInquiryRegistrationStatus, `{"registrationRequestId":"reg-1"}`)
		if !strings.Contains(string(ans), `"registrationStatus":"PROCESSING"`) || strings.Contains(string(ans), "agentToken") {
			t.Fatalf("inquiry: %s", ans)
		}
		_, ans = h.call(t, isv, ams.PathInquiryRegistrationInfo, `{"referenceMerchantId":"M-001"}`)
		if !strings.Contains(string(ans), `"legalName":"Dim Sum House Limited"`) || !strings.Contains(string(ans), `"referenceStoreId":"DS-1"`) {
			t.Fatalf("inquiryRegistrationInfo: %s", ans)
		}
		for _, q := range []string{`{"registrationRequestId":"reg-1"}`, `{"referenceMerchantId":"M-001"}`} {
			res, _ = h.call(t, other, ams.PathInquiryRegistrationStatus, q)
			if res.ResultCode != "RECORD_NOT_FOUND" {
				t.Fatalf("other partner's inquiry %s: %+v", q, res)
			}
		}

		// The operator approves: merchant, store, token; the wallet side and the partner
		// are told.
		reg := registrationOf(t, h, "reg-1")
		op := h.signedIn(t, nil, entrypay.RoleOperator)
		if resp, page := op.get("/dashboard/operator/registrations"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Dim Sum House Limited") {
			t.Fatalf("list: %d %s", resp.StatusCode, page)
		}
		if resp, page := review(t, h, op, reg.ID, "approve", ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", resp.StatusCode, page)
		}
		if resp, page := review(t, h, op, reg.ID, "reject", "too late"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "already APPROVED") {
			t.Fatalf("reject after approval: %d", resp.StatusCode)
		}
		if err := h.gw.RegisterWallet(ctx, reg.ID); err != nil {
			t.Fatal(err)
		}
		if err := h.gw.DeliverRegistrationNotice(ctx, reg.ID, false); err != nil {
			t.Fatal(err)
		}
		n := hook.receive(t)
		var st ams.InquiryRegistrationStatusResponse
		_, ans = h.call(t, isv, ams.PathInquiryRegistrationStatus, `{"registrationRequestId":"reg-1"}`)
		_ = json.Unmarshal(ans, &st)
		if st.RegistrationResult.RegistrationStatus != "APPROVED" || st.MerchantID == "" || st.StoreID == "" || len(st.AgentToken) != entrypay.AgentTokenLength {
			t.Fatalf("inquiry after approval: %s", ans)
		}
		if len(st.PspRegistrationResultList) != 1 || st.PspRegistrationResultList[0].RegistrationResult.RegistrationStatus != "APPROVED" {
			t.Fatalf("wallet registration: %s", ans)
		}
		if n.RegistrationRequestID != "reg-1" || n.RegistrationResult.RegistrationStatus != "APPROVED" || n.AgentToken != st.AgentToken || n.MerchantID != st.MerchantID {
			t.Fatalf("notification %+v", n)
		}
		m, err := h.gw.Merchant(ctx, st.MerchantID)
		if err != nil || m.KYBStatus != entrypay.KYBApproved || !m.Sandbox() || m.IsPartner() || m.MCC != "5812" || m.Region != "HK" || m.Name != "Dim Sum House" {
			t.Fatalf("merchant %+v %v", m, err)
		}
		if _, _, err := h.gw.Client(ctx, m.ClientID, 0); entrypay.ErrorCodeOf(err) != entrypay.EKeyNotFound {
			t.Fatalf("the registered merchant has a key of its own: %v", err)
		}
		if sb, ok := h.sb.Registration("ACQ", reg.ID); !ok || sb.ReferenceMerchantID != m.ID || sb.ReferenceStoreID != st.StoreID || sb.LegalName != "Dim Sum House Limited" {
			t.Fatalf("sandbox registration %+v %v", sb, ok)
		}
		if got := consoleAudit(t, h, reg.ID); len(got) != 1 || got[0] != entrypay.AuditRegistrationApproved {
			t.Fatalf("audit %v", got)
		}

		// A second registration is rejected: a reason is required; no merchant.
		_, _ = h.call(t, isv, ams.PathRegistration, encode(t, regBody("reg-2", "M-002", hook.url)))
		reg2 := registrationOf(t, h, "reg-2")
		if resp, page := review(t, h, op, reg2.ID, "reject", "  "); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "reason is required") {
			t.Fatalf("reject without reason: %d", resp.StatusCode)
		}
		if resp, _ := review(t, h, op, reg2.ID, "reject", "registry extract does not match"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reject: %d", resp.StatusCode)
		}
		if err := h.gw.DeliverRegistrationNotice(ctx, reg2.ID, false); err != nil {
			t.Fatal(err)
		}
		if n := hook.receive(t); n.RegistrationResult.RegistrationStatus != "REJECTED" || n.RegistrationResult.RejectReason != "registry extract does not match" || n.AgentToken != "" || n.MerchantID != "" {
			t.Fatalf("rejection notification %+v", n)
		}
		_, ans = h.call(t, isv, ams.PathInquiryRegistrationStatus, `{"referenceMerchantId":"M-002"}`)
		if !strings.Contains(string(ans), `"registrationStatus":"REJECTED"`) || !strings.Contains(string(ans), "registry extract does not match") || strings.Contains(string(ans), "merchantId") {
			t.Fatalf("inquiry after rejection: %s", ans)
		}
		if r := registrationOf(t, h, "reg-2"); r.MerchantID != "" {
			t.Fatalf("rejected registration has merchant %s", r.MerchantID)
		}
		// A rejected merchant may be registered again.
		if res, _ := h.call(t, isv, ams.PathRegistration, encode(t, regBody("reg-3", "M-002", ""))); res.ResultStatus != "S" {
			t.Fatalf("registration after rejection: %+v", res)
		}
		// The console pages render; a merchant's user may not see them.
		if resp, page := op.get("/dashboard/operator/registrations/" + reg.ID); resp.StatusCode != http.StatusOK || !strings.Contains(page, "acknowledged") {
			t.Fatalf("detail: %d", resp.StatusCode)
		}
		if resp, _ := op.get("/dashboard/operator/registrations/reg_nope"); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown registration: %d", resp.StatusCode)
		}
		if resp, _ := op.get("/dashboard/operator/registrations?status=BOGUS"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad filter: %d", resp.StatusCode)
		}
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		if resp, _ := owner.get("/dashboard/operator/registrations"); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("owner sees registrations: %d", resp.StatusCode)
		}
	})
}

// TestRegistrationBadInput sends registrations with one field missing or malformed:
// each is PARAM_ILLEGAL naming the field.
func TestRegistrationBadInput(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		isv := h.partnerWithKey(t, "POS Vendor", true, merchantKey)
		const det = "merchantInfo.registrationDetail"
		cases := []struct {
			path string
			v    any
			want string
		}{
			{"registrationRequestId", nil, "registrationRequestId is required"},
			{"registrationRequestId", strings.Repeat("x", 65), "registrationRequestId is longer than 64"},
			{"registrationNotifyURL", "ftp://isv.example/n", "registrationNotifyURL must be an absolute http or https URL"},
			{"merchantInfo", nil, "merchantInfo is required"},
			{"merchantInfo.referenceMerchantId", "", "merchantInfo.referenceMerchantId is required"},
			{"merchantInfo.merchantMCC", "58a2", "merchantInfo.merchantMCC \"58a2\" must be four digits"},
			{"merchantInfo.merchantName", nil, "merchantInfo.merchantName is required"},
			{"merchantInfo.merchantAddress", nil, "merchantInfo.merchantAddress is required"},
			{"merchantInfo.merchantAddress.region", "hk", "merchantInfo.merchantAddress.region \"hk\" must be an ISO 3166-1 alpha-2"},
			{det, nil, det + " is required"},
			{det + ".legalName", nil, det + ".legalName is required"},
			{det + ".legalName", "Bad\x01Name", det + ".legalName contains control characters"},
			{det + ".registrationType", "PASSPORT", det + ".registrationType must be one of"},
			{det + ".registrationNo", nil, det + ".registrationNo is required"},
			{det + ".businessType", nil, det + ".businessType is required"},
			{det + ".contactInfo", []any{map[string]any{"contactType": "EMAIL", "contactNo": "nope"}}, det + ".contactInfo[0].contactNo \"nope\" is not an email address"},
			{"merchantInfo.websites", []any{map[string]any{"url": "javascript:alert(1)"}}, "merchantInfo.websites[0].url must be an absolute http or https URL"},
			{"merchantInfo.settlementCurrency", "XYZ", "merchantInfo.settlementCurrency \"XYZ\" is not an ISO 4217 code"},
			{"productCodes", nil, "productCodes is required"},
			{"productCodes", []any{"CASHIER_PAYMENT"}, "productCodes[0] must be IN_STORE_PAYMENT"},
			{"storeInfo", nil, "storeInfo is required"},
			{"storeInfo.referenceStoreId", strings.Repeat("s", 33), "storeInfo.referenceStoreId is longer than 32"},
			{"storeInfo.storeName", nil, "storeInfo.storeName is required"},
			{"merchantInfo.unknownField", "x", "unknownField"},
		}
		for _, c := range cases {
			t.Run(c.path, func(t *testing.T) {
				res, ans := h.call(t, isv, ams.PathRegistration, encode(t, set(regBody("reg-bad", "M-1", ""), c.path, c.v)))
				if res.ResultCode != "PARAM_ILLEGAL" || res.ResultStatus != "F" || !strings.Contains(res.ResultMessage, c.want) {
					t.Fatalf("answer %s, want PARAM_ILLEGAL with %q", ans, c.want)
				}
			})
		}
		// Nothing was stored: the id is still free.
		if res, _ := h.call(t, isv, ams.PathRegistration, encode(t, regBody("reg-bad", "M-1", ""))); res.ResultStatus != "S" {
			t.Fatalf("a good request after the bad ones: %+v", res)
		}
		// Inquiry without an id.
		if res, _ := h.call(t, isv, ams.PathInquiryRegistrationStatus, `{}`); res.ResultCode != "PARAM_ILLEGAL" || !strings.Contains(res.ResultMessage, "registrationRequestId or referenceMerchantId is required") {
			t.Fatalf("empty inquiry: %+v", res)
		}
	})
}
