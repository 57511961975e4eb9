package http_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/sandbox"
)

// callAs sends an inquiry signed with key as version to the merchant API and returns the
// result. Answers to requests that do not verify are not signed, so the answer's
// signature is not checked here (TestPayFlow does).
func (h *harness) callAs(t *testing.T, clientID string, key *rsa.PrivateKey, version int) ams.Result {
	t.Helper()
	c := &antomsig.Caller{BaseURL: h.url, ClientID: clientID, Signer: antomsig.Signer{Key: key, KeyVersion: version}, Now: h.now}
	ans, err := c.Post(context.Background(), ams.PathInquiryPayment, []byte(`{"paymentRequestId":"nothing-here"}`))
	if err != nil {
		t.Fatalf("inquiry as %s v%d: %v (body %s)", clientID, version, err, ans.Body)
	}
	var r ams.ResultOnly
	if err := json.Unmarshal(ans.Body, &r); err != nil {
		t.Fatalf("answer is not JSON: %s", ans.Body)
	}
	return r.Result
}

func (h *harness) keys(t *testing.T, m *entrypay.Merchant) []*entrypay.MerchantKey {
	t.Helper()
	ks, err := h.gw.MerchantKeys(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

func fingerprint(k *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(k)
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, c := range sum {
		parts[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(parts, ":")
}

func wantStatus(t *testing.T, what string, resp *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d:\n%s", what, resp.StatusCode, status, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Errorf("%s: page lacks %q:\n%s", what, c, body)
		}
	}
}

func TestDevelopersKeys(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		resp, page := owner.get("/dashboard/developers")
		wantStatus(t, "developers page", resp, page, http.StatusOK, "<title>Developers — Noodle Bar</title>", h.merchant.ClientID,
			fingerprint(&merchantKey.PublicKey), "Sandbox", "-----BEGIN PUBLIC KEY-----", fingerprint(&gatewayKey.PublicKey), `id="key-1"`)
		csrf := hidden(t, page, "csrf")

		resp, pemFile := owner.get("/dashboard/developers/gateway-key.pem")
		if resp.StatusCode != http.StatusOK || pemFile != string(antomsig.PublicKeyPEM(&gatewayKey.PublicKey)) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("gateway key download: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Disposition"), pemFile)
		}

		// Bad keys are refused beside the form, naming the field; nothing is written.
		small, _ := rsa.GenerateKey(rand.Reader, 1024)
		ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
		for _, tc := range []struct {
			name, pem string
			file      []byte
			want      string
		}{
			{"empty", "", nil, "public key is required"},
			{"garbage", "hello", nil, "public key is neither a PEM block nor base64 DER"},
			{"broken PEM", "-----BEGIN PUBLIC KEY-----\nAAAA\n", nil, "public key: the PEM block could not be read"},
			{"small RSA", string(antomsig.PublicKeyPEM(&small.PublicKey)), nil, "public key is a 1024-bit RSA key; at least 2048 bits are required"},
			{"EC", "", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}), "the Antom signature scheme needs RSA"},
			{"private key", string(antomsig.PrivateKeyPEM(small)), nil, "this is a PRIVATE key"},
			{"both", string(antomsig.PublicKeyPEM(&strangerKey.PublicKey)), antomsig.PublicKeyPEM(&strangerKey.PublicKey), "paste the key or choose a file, not both"},
		} {
			resp, body := owner.postFiles("/dashboard/developers/keys", map[string]string{"csrf": csrf, "pem": tc.pem}, map[string][]byte{"file": tc.file})
			wantStatus(t, tc.name, resp, body, http.StatusUnprocessableEntity, "Key not added: ", tc.want)
		}
		if ks := h.keys(t, h.merchant); len(ks) != 1 {
			t.Fatalf("bad uploads wrote keys: %+v", ks)
		}

		// A new key as a file becomes version 2; both versions verify (overlap).
		resp, body := owner.postFiles("/dashboard/developers/keys", map[string]string{"csrf": csrf}, map[string][]byte{"file": antomsig.PublicKeyPEM(&strangerKey.PublicKey)})
		wantStatus(t, "upload", resp, body, http.StatusSeeOther)
		resp, page = owner.get(resp.Header.Get("Location"))
		wantStatus(t, "after upload", resp, page, http.StatusOK, "The new key version is active", `id="key-2"`, fingerprint(&strangerKey.PublicKey))
		for v, k := range map[int]*rsa.PrivateKey{1: merchantKey, 2: strangerKey} {
			if res := h.callAs(t, h.merchant.ClientID, k, v); res.ResultCode != "ORDER_NOT_EXIST" {
				t.Errorf("version %d before any revocation: %+v", v, res)
			}
		}
		// A key signed as the wrong version does not verify.
		if res := h.callAs(t, h.merchant.ClientID, merchantKey, 2); res.ResultCode != "INVALID_SIGNATURE" {
			t.Errorf("key 1 claiming version 2: %+v", res)
		}
		// And a pasted key (base64 DER in the box) is version 3.
		resp, body = owner.postFiles("/dashboard/developers/keys", map[string]string{"csrf": csrf, "pem": antomsig.EncodePublicKey(&merchantKey.PublicKey)}, nil)
		wantStatus(t, "paste", resp, body, http.StatusSeeOther)

		// Revoking asks first, then version 1 is refused like an unknown version while 2 works.
		resp, body = owner.get("/dashboard/developers/keys/1/revoke")
		wantStatus(t, "revoke confirmation", resp, body, http.StatusOK, "Revoke key version 1?", fingerprint(&merchantKey.PublicKey))
		unknown := h.callAs(t, h.merchant.ClientID, merchantKey, 9)
		if unknown.ResultCode != "KEY_NOT_FOUND" {
			t.Fatalf("unknown version: %+v", unknown)
		}
		resp, body = owner.post("/dashboard/developers/keys/1/revoke", url.Values{"csrf": {csrf}})
		wantStatus(t, "revoke", resp, body, http.StatusSeeOther)
		if res := h.callAs(t, h.merchant.ClientID, merchantKey, 1); res.ResultCode != unknown.ResultCode || res.ResultStatus != unknown.ResultStatus {
			t.Errorf("revoked version 1: %+v, want %+v as for an unknown version", res, unknown)
		}
		if res := h.callAs(t, h.merchant.ClientID, strangerKey, 2); res.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("version 2 after revoking 1: %+v", res)
		}
		resp, body = owner.post("/dashboard/developers/keys/1/revoke", url.Values{"csrf": {csrf}})
		wantStatus(t, "revoke twice", resp, body, http.StatusUnprocessableEntity, "key version 1 is already revoked")
		resp, body = owner.post("/dashboard/developers/keys/3/revoke", url.Values{"csrf": {csrf}})
		wantStatus(t, "revoke 3", resp, body, http.StatusSeeOther)
		// Version 2 is now the last active key.
		resp, body = owner.post("/dashboard/developers/keys/2/revoke", url.Values{"csrf": {csrf}})
		wantStatus(t, "revoke the last", resp, body, http.StatusUnprocessableEntity, "key version 2 is the last active key")
		resp, body = owner.post("/dashboard/developers/keys/9/revoke", url.Values{"csrf": {csrf}})
		wantStatus(t, "revoke unknown", resp, body, http.StatusNotFound)
		// A request without a key version uses the newest active one (3 is revoked).
		reqBody := []byte(`{"paymentRequestId":"nothing-here"}`)
		ts := antomsig.FormatMillis(time.Now())
		sig, err := antomsig.Sign(strangerKey, antomsig.Content("POST", ams.PathInquiryPayment, h.merchant.ClientID, ts, reqBody))
		if err != nil {
			t.Fatal(err)
		}
		_, _, answer := h.raw(t, "POST", ams.PathInquiryPayment, map[string]string{"Client-Id": h.merchant.ClientID, "Request-Time": ts,
			"Signature": "algorithm=RSA256,signature=" + sig, "Content-Type": "application/json; charset=UTF-8"}, reqBody)
		if !strings.Contains(string(answer), `"resultCode":"ORDER_NOT_EXIST"`) {
			t.Errorf("no key version with 2 the only active one: %s", answer)
		}
		ks := h.keys(t, h.merchant)
		if len(ks) != 3 || ks[0].Active() || !ks[1].Active() || ks[2].Active() {
			t.Fatalf("keys %+v", ks)
		}
		actions := map[string]int{}
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			actions[e.Action]++
		}
		if actions[entrypay.AuditKeyUploaded] != 2 || actions[entrypay.AuditKeyRevoked] != 2 {
			t.Errorf("audit actions %v", actions)
		}
	})
}

func TestDevelopersNotifyURLAndMode(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		csrf := owner.csrfOf("/dashboard/developers")
		for _, tc := range []struct{ in, want string }{
			{"ftp://files.example/notify", "notify URL must be an absolute http or https URL"},
			{"/notify", "notify URL must be an absolute http or https URL"},
			{"https://user:pw@shop.example/n", "notify URL must not carry user information"},
			{"https://shop.example/" + strings.Repeat("a", 2050), "notify URL is longer than 2048 characters"},
		} {
			resp, body := owner.post("/dashboard/developers/notify-url", url.Values{"csrf": {csrf}, "notify_url": {tc.in}})
			wantStatus(t, tc.in, resp, body, http.StatusUnprocessableEntity, "Not saved: "+tc.want)
		}
		if m, _ := h.gw.Merchant(context.Background(), h.merchant.ID); m.NotifyURL != "" {
			t.Fatalf("a refused URL was saved: %q", m.NotifyURL)
		}
		resp, body := owner.post("/dashboard/developers/notify-url", url.Values{"csrf": {csrf}, "notify_url": {" https://shop.example/antom/notify "}})
		wantStatus(t, "save URL", resp, body, http.StatusSeeOther)
		_, page := owner.get(resp.Header.Get("Location"))
		if !strings.Contains(page, `value="https://shop.example/antom/notify"`) || !strings.Contains(page, "The notification URL is saved.") {
			t.Errorf("page after saving the URL:\n%s", page)
		}

		// Mode: sandbox → live drops the prefix; the keys follow the client id.
		old := h.merchant.ClientID
		resp, body = owner.get("/dashboard/developers/mode")
		wantStatus(t, "mode confirmation", resp, body, http.StatusOK, "Switch Noodle Bar to live?", strings.TrimPrefix(old, entrypay.SandboxPrefix))
		resp, body = owner.post("/dashboard/developers/mode", url.Values{"csrf": {csrf}, "mode": {"production"}})
		wantStatus(t, "bad mode", resp, body, http.StatusUnprocessableEntity, "mode must be sandbox or live")
		resp, body = owner.post("/dashboard/developers/mode", url.Values{"csrf": {csrf}, "mode": {"live"}})
		wantStatus(t, "to live before the KYB review", resp, body, http.StatusUnprocessableEntity, "going live needs entrypay&#39;s approval of your business (its review is pending)")
		if m, _ := h.gw.Merchant(context.Background(), h.merchant.ID); m.ClientID != old {
			t.Fatalf("switched to live without approval: %s", m.ClientID)
		}
		operator, err := h.gw.UserByEmail(context.Background(), h.user(t, nil, entrypay.RoleOperator))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.gw.SetKYB(context.Background(), operator, h.merchant.ID, entrypay.KYBApproved, ""); err != nil {
			t.Fatal(err)
		}
		resp, body = owner.post("/dashboard/developers/mode", url.Values{"csrf": {csrf}, "mode": {"live"}})
		wantStatus(t, "to live", resp, body, http.StatusSeeOther)
		m, _ := h.gw.Merchant(context.Background(), h.merchant.ID)
		if m.Sandbox() || m.ClientID != strings.TrimPrefix(old, entrypay.SandboxPrefix) || m.NotifyURL != "https://shop.example/antom/notify" {
			t.Fatalf("after switching to live: %+v", m)
		}
		if res := h.callAs(t, m.ClientID, merchantKey, 1); res.ResultCode != "ORDER_NOT_EXIST" {
			t.Errorf("new client id: %+v", res)
		}
		if res := h.callAs(t, old, merchantKey, 1); res.ResultCode != "CLIENT_INVALID" {
			t.Errorf("old client id: %+v", res)
		}
		resp, body = owner.post("/dashboard/developers/mode", url.Values{"csrf": {csrf}, "mode": {"sandbox"}})
		wantStatus(t, "back to sandbox", resp, body, http.StatusSeeOther)
		if m, _ = h.gw.Merchant(context.Background(), h.merchant.ID); m.ClientID != old {
			t.Fatalf("back in sandbox the client id is %q, want %q", m.ClientID, old)
		}
		actions := map[string]int{}
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			actions[e.Action]++
		}
		if actions[entrypay.AuditNotifyURLChanged] != 1 || actions[entrypay.AuditModeChanged] != 2 {
			t.Errorf("audit actions %v", actions)
		}
	})
}

// failingPayment makes a successful payment whose notification's first attempt the
// merchant's server answers with HTTP 500; it returns the payment and the server.
func (h *harness) failingPayment(t *testing.T, m *entrypay.Merchant, requestID string) (string, *merchantServer) {
	t.Helper()
	shop := newMerchantServer(t)
	shop.fail = 1
	res, body := h.call(t, m, ams.PathPay, payBody(requestID, 1250, hkUA, shop.url))
	if res.ResultStatus != "S" {
		t.Fatalf("pay: %s", body)
	}
	var pay ams.PayResponse
	_ = json.Unmarshal(body, &pay)
	if _, err := h.sb.Finish(context.Background(), tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess); err != nil {
		t.Fatal(err)
	}
	ids, err := notificationIDs(h, pay.PaymentID)
	if err != nil || len(ids) != 1 {
		t.Fatalf("notifications of %s: %v %v", pay.PaymentID, ids, err)
	}
	if err := h.gw.DeliverNotification(context.Background(), ids[0], false); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("first attempt: %v, want HTTP 500", err)
	}
	return pay.PaymentID, shop
}

var notificationIDRE = regexp.MustCompile(`/dashboard/developers/notifications/(ntf_[0-9A-Z]+)"`)

func TestDevelopersNotifications(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		payID, shop := h.failingPayment(t, h.merchant, "order-n1")
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		resp, page := owner.get("/dashboard/developers/notifications?failed=1")
		wantStatus(t, "failed only", resp, page, http.StatusOK, "<title>Notification delivery log — Noodle Bar</title>", payID, "HTTP 500", "PENDING", "Redeliver")
		mm := notificationIDRE.FindStringSubmatch(page)
		if mm == nil {
			t.Fatalf("no notification link:\n%s", page)
		}
		id := mm[1]
		csrf := hidden(t, page, "csrf")
		resp, page = owner.get("/dashboard/developers/notifications/" + id)
		wantStatus(t, "detail", resp, page, http.StatusOK, "HTTP 500", "schedule", `&#34;paymentId&#34;:&#34;`+payID)

		// Redelivery: a new attempt now, acknowledged this time.
		resp, body := owner.post("/dashboard/developers/notifications/"+id+"/redeliver", url.Values{"csrf": {csrf}})
		wantStatus(t, "redeliver", resp, body, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/dashboard/developers/notifications/"+id+"?attempt=2" {
			t.Fatalf("redirect to %q", loc)
		}
		if n := receive(t, shop); n.PaymentID != payID {
			t.Fatalf("redelivered %+v", n)
		}
		_, page = owner.get(resp.Header.Get("Location"))
		if !strings.Contains(page, `<dd id="status">DELIVERED</dd>`) || !strings.Contains(page, "Attempt 2 made") || !strings.Contains(page, "HTTP 200") || !strings.Contains(page, "by hand") {
			t.Errorf("detail after redelivery:\n%s", page)
		}
		_, page = owner.get("/dashboard/developers/notifications?failed=1")
		if strings.Contains(page, id) {
			t.Errorf("a delivered notification is listed as failed:\n%s", page)
		}
		if es := h.audit(t, entrypay.AuditQuery{Subject: id}); len(es) != 1 || es[0].Action != entrypay.AuditNotificationRedelivered || !strings.Contains(es[0].Detail, "HTTP 200, acknowledged") {
			t.Errorf("audit of the redelivery: %+v", es)
		}

		// Another merchant's notification is not found, to see or to redeliver.
		otherPay, _ := h.failingPayment(t, h.live, "order-other")
		otherIDs, _ := notificationIDs(h, otherPay)
		resp, body = owner.get("/dashboard/developers/notifications/" + otherIDs[0])
		wantStatus(t, "other merchant's detail", resp, body, http.StatusNotFound)
		resp, body = owner.post("/dashboard/developers/notifications/"+otherIDs[0]+"/redeliver", url.Values{"csrf": {csrf}})
		wantStatus(t, "other merchant's redelivery", resp, body, http.StatusNotFound)
		resp, body = owner.get("/dashboard/developers/notifications/ntf_NOPE")
		wantStatus(t, "unknown notification", resp, body, http.StatusNotFound)
		if as := h.attempts(t, otherIDs[0]); len(as) != 1 {
			t.Errorf("the other merchant's notification has %d attempts", len(as))
		}

		// The test notification: refused without a URL, then sent, signed, and logged.
		resp, body = owner.post("/dashboard/developers/test-notification", url.Values{"csrf": {csrf}})
		wantStatus(t, "test without URL", resp, body, http.StatusUnprocessableEntity, "Not sent: notify URL is not set")
		resp, body = owner.post("/dashboard/developers/notify-url", url.Values{"csrf": {csrf}, "notify_url": {shop.url}})
		wantStatus(t, "save URL", resp, body, http.StatusSeeOther)
		resp, body = owner.post("/dashboard/developers/test-notification", url.Values{"csrf": {csrf}})
		wantStatus(t, "test", resp, body, http.StatusOK, `id="test-result"`, "Acknowledged", "HTTP 200")
		n := receive(t, shop)
		if n.PaymentRequestID != entrypay.TestNotificationRequestID || !strings.HasPrefix(n.PaymentID, entrypay.TestNotificationPrefix) || n.PaymentAmount == nil || n.PaymentAmount.Value != "100" {
			t.Fatalf("test notification %+v", n)
		}
		shop.mu.Lock()
		shop.fail = 1
		shop.mu.Unlock()
		resp, body = owner.post("/dashboard/developers/test-notification", url.Values{"csrf": {csrf}})
		wantStatus(t, "failing test", resp, body, http.StatusOK, "Not acknowledged", "HTTP 500")
		_, page = owner.get("/dashboard/developers/notifications")
		if strings.Count(page, ">Test</td>") != 2 || !strings.Contains(page, payID) {
			t.Errorf("log with two tests:\n%s", page)
		}
		_, page = owner.get("/dashboard/developers/notifications?failed=1")
		if strings.Count(page, ">Test</td>") != 1 {
			t.Errorf("failed only shows %d tests, want 1:\n%s", strings.Count(page, ">Test</td>"), page)
		}
		if ts := h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}); !hasAction(ts, entrypay.AuditTestNotificationSent, 2) {
			t.Errorf("audit: %+v", ts)
		}
		// The tests touched no payment: the merchant still has the one.
		if ps, _ := h.gw.MerchantPayments(context.Background(), entrypay.PaymentFilter{MerchantID: h.merchant.ID, Limit: 10}); len(ps) != 1 {
			t.Errorf("%d payments after the tests", len(ps))
		}
	})
}

func hasAction(es []*entrypay.AuditEntry, action string, n int) bool {
	c := 0
	for _, e := range es {
		if e.Action == action {
			c++
		}
	}
	return c == n
}

func (h *harness) attempts(t *testing.T, notificationID string) []*entrypay.NotificationAttempt {
	t.Helper()
	var as []*entrypay.NotificationAttempt
	err := h.gw.Config().DB.InReadTx(context.Background(), func(tx entrypay.Tx) error {
		var err error
		as, err = tx.NotificationAttempts(context.Background(), notificationID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestDevelopersRoles: a viewer sees the pages but every change is a 403 page, and a POST
// without the CSRF token is a 403 page; nothing changes either way.
func TestDevelopersRoles(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		_, _ = h.failingPayment(t, h.merchant, "order-r1")
		ids, _ := notificationIDs(h, mustPaymentOf(t, h, "order-r1"))
		pemKey := string(antomsig.PublicKeyPEM(&strangerKey.PublicKey))
		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		resp, page := viewer.get("/dashboard/developers")
		wantStatus(t, "viewer page", resp, page, http.StatusOK, h.merchant.ClientID)
		if strings.Contains(page, `action="/dashboard/developers/keys"`) || strings.Contains(page, "Revoke") || strings.Contains(page, "Send test notification") {
			t.Errorf("a viewer is offered changes:\n%s", page)
		}
		_, page = viewer.get("/dashboard/developers/notifications")
		if strings.Contains(page, "Redeliver") {
			t.Errorf("a viewer is offered redelivery:\n%s", page)
		}
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		for _, b := range []struct {
			name   string
			b      *browser
			csrf   string
			status int
		}{
			{"viewer", viewer, viewer.csrfOf("/dashboard/developers"), http.StatusForbidden},
			{"refunder", h.signedIn(t, h.merchant, entrypay.RoleRefunder), "", http.StatusForbidden},
			{"owner without CSRF", owner, "", http.StatusForbidden},
			{"owner with a wrong CSRF", owner, "wrong", http.StatusForbidden},
		} {
			csrf := b.csrf
			if b.name == "refunder" {
				csrf = b.b.csrfOf("/dashboard/developers")
			}
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{"/dashboard/developers/notify-url", url.Values{"notify_url": {"https://evil.example/"}}},
				{"/dashboard/developers/keys/1/revoke", url.Values{}},
				{"/dashboard/developers/mode", url.Values{"mode": {"live"}}},
				{"/dashboard/developers/test-notification", url.Values{}},
				{"/dashboard/developers/notifications/" + ids[0] + "/redeliver", url.Values{}},
			} {
				if csrf != "" {
					post.form.Set("csrf", csrf)
				}
				if resp, body := b.b.post(post.path, post.form); resp.StatusCode != b.status {
					t.Errorf("%s POST %s: %d, want %d\n%s", b.name, post.path, resp.StatusCode, b.status, body)
				}
			}
			fields := map[string]string{"pem": pemKey}
			if csrf != "" {
				fields["csrf"] = csrf
			}
			if resp, _ := b.b.postFiles("/dashboard/developers/keys", fields, nil); resp.StatusCode != b.status {
				t.Errorf("%s key upload: %d, want %d", b.name, resp.StatusCode, b.status)
			}
		}
		for _, path := range []string{"/dashboard/developers/mode", "/dashboard/developers/keys/1/revoke"} {
			if resp, _ := viewer.get(path); resp.StatusCode != http.StatusForbidden {
				t.Errorf("viewer GET %s: %d, want 403", path, resp.StatusCode)
			}
		}
		m, _ := h.gw.Merchant(context.Background(), h.merchant.ID)
		if m.NotifyURL != "" || m.ClientID != h.merchant.ClientID || len(h.keys(t, m)) != 1 || len(h.attempts(t, ids[0])) != 1 {
			t.Errorf("refused requests changed something: %+v", m)
		}
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			switch e.Action {
			case entrypay.AuditKeyUploaded, entrypay.AuditKeyRevoked, entrypay.AuditNotifyURLChanged, entrypay.AuditModeChanged,
				entrypay.AuditTestNotificationSent, entrypay.AuditNotificationRedelivered:
				t.Errorf("refused request audited: %+v", e)
			}
		}
	})
}

func mustPaymentOf(t *testing.T, h *harness, requestID string) string {
	t.Helper()
	ps, err := h.gw.MerchantPayments(context.Background(), entrypay.PaymentFilter{MerchantID: h.merchant.ID, RequestID: requestID, Limit: 1})
	if err != nil || len(ps) != 1 {
		t.Fatalf("payment %s: %v %v", requestID, ps, err)
	}
	return ps[0].ID
}
