package http_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/totp"
)

const goodPassword = "correct horse battery staple"

// browser is a cookie-keeping client that does not follow redirects, so tests see them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (h *harness) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: h.url, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request and returns the answer with its body read.
func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (b *browser) get(path string) (*http.Response, string) { return b.do("GET", path, nil) }

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	return b.do("POST", path, form)
}

var hiddenRE = regexp.MustCompile(`name="(csrf|nonce)" value="([^"]*)"`)

// hidden returns the value of a hidden field of page.
func hidden(t *testing.T, page, name string) string {
	t.Helper()
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("no hidden %s field in page:\n%s", name, page)
	return ""
}

// csrfOf returns the CSRF token of the page at path, which b must be allowed to see.
func (b *browser) csrfOf(path string) string {
	b.t.Helper()
	resp, page := b.get(path)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return hidden(b.t, page, "csrf")
}

// postFiles posts fields and files (name → content) as multipart/form-data.
func (b *browser) postFiles(path string, fields map[string]string, files map[string][]byte) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for k, data := range files {
		if data == nil {
			continue
		}
		fw, err := mw.CreateFormFile(k, k+".png")
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", b.base+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

// login signs b in through the form and returns the answer.
func (b *browser) login(email, password string) (*http.Response, string) {
	b.t.Helper()
	_, page := b.get("/dashboard/login")
	return b.post("/dashboard/login", url.Values{"csrf": {hidden(b.t, page, "csrf")}, "email": {email}, "password": {password}})
}

// user creates a dashboard user of merchant m (nil: an operator) whose password is
// goodPassword, and returns its email.
func (h *harness) user(t *testing.T, m *entrypay.Merchant, role entrypay.Role) string {
	t.Helper()
	in := entrypay.NewUser{Email: fmt.Sprintf("%s-%s@shop.example", role, entrypay.RandomCode(6)), Role: role}
	if m != nil {
		in.MerchantID = m.ID
	}
	u, token, err := h.gw.CreateUser(context.Background(), in, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.gw.UseLink(context.Background(), token, goodPassword); err != nil {
		t.Fatal(err)
	}
	return u.Email
}

// signedIn returns a browser signed in as a new user of m with role.
func (h *harness) signedIn(t *testing.T, m *entrypay.Merchant, role entrypay.Role) *browser {
	t.Helper()
	b := h.browser(t)
	if resp, body := b.login(h.user(t, m, role), goodPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	return b
}

// paid makes a successful payment of value minor HKD units for m and returns its id.
func (h *harness) paid(t *testing.T, m *entrypay.Merchant, requestID string, value int) string {
	t.Helper()
	shop := newMerchantServer(t)
	res, body := h.call(t, m, ams.PathPay, payBody(requestID, value, hkUA, shop.url))
	if res.ResultStatus != "S" {
		t.Fatalf("pay: %s", body)
	}
	var pay ams.PayResponse
	_ = json.Unmarshal(body, &pay)
	if _, err := h.sb.Finish(context.Background(), tokenOf(pay.RedirectActionForm.RedirectURL), sandbox.OutcomeSuccess); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, h, pay.PaymentID)
	receive(t, shop)
	return pay.PaymentID
}

func (h *harness) refunds(t *testing.T, paymentID string) []*entrypay.Refund {
	t.Helper()
	var rs []*entrypay.Refund
	err := h.gw.Config().DB.InTx(context.Background(), func(tx entrypay.Tx) error {
		var err error
		rs, err = tx.RefundsOfPayment(context.Background(), paymentID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (h *harness) audit(t *testing.T, q entrypay.AuditQuery) []*entrypay.AuditEntry {
	t.Helper()
	es, err := h.gw.AuditLog(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

const loginRefused = "The email or password is incorrect, or the account is temporarily locked."

func TestDashboardLogin(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		email := h.user(t, h.merchant, entrypay.RoleOwner)
		for _, tc := range []struct {
			name, email, password string
			status                int
		}{
			{"right password", email, goodPassword, http.StatusSeeOther},
			{"email in another case", strings.ToUpper(email), goodPassword, http.StatusSeeOther},
			{"wrong password", email, goodPassword + "!", http.StatusUnauthorized},
			{"unknown email", "nobody@shop.example", goodPassword, http.StatusUnauthorized},
			{"empty password", email, "", http.StatusUnauthorized},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := h.browser(t)
				resp, body := b.login(tc.email, tc.password)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
				}
				cookie := sessionCookieOf(resp)
				if tc.status != http.StatusSeeOther {
					// One message, whatever was wrong.
					if !strings.Contains(body, loginRefused) || cookie != nil {
						t.Fatalf("refusal: cookie %v, body %s", cookie, body)
					}
					return
				}
				if resp.Header.Get("Location") != "/dashboard/" || cookie == nil {
					t.Fatalf("success: Location %q, cookie %v", resp.Header.Get("Location"), cookie)
				}
				if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/dashboard" || cookie.Secure {
					t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/dashboard, not Secure over http", cookie)
				}
				resp, body = b.get("/dashboard/")
				if resp.StatusCode != http.StatusOK || !strings.Contains(body, "<title>Noodle Bar — Dashboard</title>") {
					t.Fatalf("home: %d %s", resp.StatusCode, body)
				}
				for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("%s = %q, want %q", k, got, v)
					}
				}
				// Logout ends the session: the same cookie no longer opens a page.
				if resp, _ := b.post("/dashboard/logout", url.Values{"csrf": {hidden(t, body, "csrf")}}); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("logout: %d", resp.StatusCode)
				}
				b.c.Jar.SetCookies(mustURL(t, h.url+"/dashboard/"), []*http.Cookie{cookie})
				if resp, _ := b.get("/dashboard/"); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("after logout: %d, want a redirect to login", resp.StatusCode)
				}
			})
		}
		// The audit log has the failures, with the unknown email too.
		var actions []string
		for _, e := range h.audit(t, entrypay.AuditQuery{}) {
			actions = append(actions, e.Action+":"+e.Email)
		}
		got := strings.Join(actions, " ")
		for _, want := range []string{"login:" + email, "login_failed:" + email, "login_failed:nobody@shop.example", "logout:"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log lacks %q: %s", want, got)
			}
		}
	})
}

func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "entrypay_session" && c.Value != "" {
			return c
		}
	}
	return nil
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDashboardLockout(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		clock := &movableClock{}
		h := newHarnessAt(t, kind, clock.Now)
		email := h.user(t, h.merchant, entrypay.RoleViewer)
		b := h.browser(t)
		for i := range entrypay.MaxFailedLogins {
			if resp, _ := b.login(email, fmt.Sprintf("wrong password %d", i)); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, resp.StatusCode)
			}
		}
		// Locked: the right password is refused with the same message.
		resp, body := b.login(email, goodPassword)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, loginRefused) {
			t.Fatalf("locked account: %d %s", resp.StatusCode, body)
		}
		clock.Advance(entrypay.LockoutDuration - time.Minute)
		if resp, _ := b.login(email, goodPassword); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("14 minutes later: %d, want still locked", resp.StatusCode)
		}
		clock.Advance(time.Minute + time.Second)
		if resp, body := b.login(email, goodPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the lockout: %d %s", resp.StatusCode, body)
		}
		var actions []string
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			actions = append([]string{e.Action}, actions...)
		}
		want := "login_failed login_failed login_failed login_failed lockout login_locked login_locked login"
		if got := strings.Join(actions[len(actions)-8:], " "); got != want {
			t.Errorf("audit actions %q, want %q", got, want)
		}
	})
}

func TestDashboardLoginRateLimit(t *testing.T) {
	h := newHarness(t, "sqlite")
	b := h.browser(t)
	for i := range 10 {
		if resp, _ := b.login("nobody@shop.example", "x"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := b.login("nobody@shop.example", "x"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th attempt in a minute: %d, want 429", resp.StatusCode)
	}
}

func TestDashboardNeedsSession(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		clock := &movableClock{}
		h := newHarnessAt(t, kind, clock.Now)
		anon := h.browser(t)
		for _, tc := range []struct{ method, path string }{
			{"GET", "/dashboard/"},
			{"GET", "/dashboard/payments"},
			{"GET", "/dashboard/payments/pay_X"},
			{"POST", "/dashboard/payments/pay_X/refund"},
			{"POST", "/dashboard/logout"},
		} {
			resp, _ := anon.do(tc.method, tc.path, url.Values{})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/login" {
				t.Errorf("%s %s without a session: %d to %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// Sessions expire after 30 idle minutes, and every page view slides that.
		b := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		for range 3 {
			clock.Advance(20 * time.Minute)
			if resp, _ := b.get("/dashboard/"); resp.StatusCode != http.StatusOK {
				t.Fatalf("20 minutes after the last page: %d", resp.StatusCode)
			}
		}
		clock.Advance(31 * time.Minute)
		if resp, _ := b.get("/dashboard/"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("31 idle minutes: %d, want a redirect", resp.StatusCode)
		}
		// And after 12 hours whatever the activity.
		b = h.signedIn(t, h.merchant, entrypay.RoleOwner)
		for range 12 * 3 {
			clock.Advance(20 * time.Minute)
			b.get("/dashboard/")
		}
		clock.Advance(20 * time.Minute)
		if resp, _ := b.get("/dashboard/"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("12 h 20 min after login: %d, want a redirect", resp.StatusCode)
		}
	})
}

func TestDashboardRefund(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		payID := h.paid(t, h.merchant, "order-1", 1250)

		// A viewer sees the payment and no refund form, and a forged refund is refused.
		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		resp, page := viewer.get("/dashboard/payments/" + payID)
		if resp.StatusCode != http.StatusOK || strings.Contains(page, "/refund\"") {
			t.Fatalf("viewer's detail page: %d %s", resp.StatusCode, page)
		}
		resp, _ = viewer.post("/dashboard/payments/"+payID+"/refund", url.Values{"csrf": {hidden(t, page, "csrf")}, "nonce": {"n1"}, "amount": {"1.00"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("viewer's refund: %d, want 403", resp.StatusCode)
		}
		if rs := h.refunds(t, payID); len(rs) != 0 {
			t.Fatalf("viewer made refunds: %v", rs)
		}

		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		_, page = owner.get("/dashboard/payments/" + payID)
		form := url.Values{"csrf": {hidden(t, page, "csrf")}, "nonce": {hidden(t, page, "nonce")}, "amount": {"2.50"}}

		// Without the CSRF token, or with another, nothing happens.
		for name, csrf := range map[string][]string{"missing": nil, "wrong": {"x" + form.Get("csrf")[1:]}} {
			bad := url.Values{"nonce": form["nonce"], "amount": form["amount"], "csrf": csrf}
			if resp, body := owner.post("/dashboard/payments/"+payID+"/refund", bad); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<title>Forbidden</title>") {
				t.Errorf("%s CSRF token: %d %s", name, resp.StatusCode, body)
			}
		}
		if rs := h.refunds(t, payID); len(rs) != 0 {
			t.Fatalf("refunds without a CSRF token: %v", rs)
		}

		// The form submitted twice asks for one refund.
		for range 2 {
			resp, _ = owner.post("/dashboard/payments/"+payID+"/refund", form)
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/dashboard/payments/"+payID+"?refund=rfd_") {
				t.Fatalf("refund: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		rs := h.refunds(t, payID)
		if len(rs) != 1 || rs[0].Amount != (entrypay.Amount{Value: 250, Currency: "HKD"}) || rs[0].Status != entrypay.RefundSuccess ||
			!strings.HasPrefix(rs[0].Origin, "dashboard, owner-") {
			t.Fatalf("refunds %+v, want one of 2.50 HKD", rs)
		}
		resp, page = owner.get(resp.Header.Get("Location"))
		for _, want := range []string{"Refund " + rs[0].ID + " requested.", rs[0].ID, "2.50 HKD", "SUCCESS",
			// The notification sent, and the merchant's answer to it.
			"The message sent", "&#34;paymentRequestId&#34;:&#34;order-1&#34;", "<td><code>{&#34;result&#34;:",
			// Who made the payment and who asked for the refund.
			"<dt>Created by</dt><dd>client " + h.merchant.ClientID + " key 1</dd>", "<td>dashboard, owner-"} {
			if !strings.Contains(page, want) {
				t.Errorf("detail page after the refund lacks %q", want)
			}
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("detail: %d", resp.StatusCode)
		}
		// More than what is left is refused, and said so.
		resp, body := owner.post("/dashboard/payments/"+payID+"/refund", url.Values{"csrf": form["csrf"], "nonce": {hidden(t, page, "nonce")}, "amount": {"10.01"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Refund not made") {
			t.Fatalf("over-refund: %d %s", resp.StatusCode, body)
		}
		audit := h.audit(t, entrypay.AuditQuery{Subject: payID})
		if len(audit) != 1 || audit[0].Action != entrypay.AuditRefundAsked || !strings.Contains(audit[0].Detail, rs[0].ID) || !strings.HasPrefix(audit[0].Email, "owner-") {
			t.Fatalf("audit of the payment: %+v", audit)
		}
	})
}

func TestDashboardMerchantIsolation(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		payID := h.paid(t, h.merchant, "secret-order", 990)
		other := h.signedIn(t, h.live, entrypay.RoleOwner)
		for _, tc := range []struct{ method, path string }{
			{"GET", "/dashboard/payments/" + payID},
			{"GET", "/dashboard/payments/pay_DOESNOTEXIST"},
		} {
			resp, body := other.get(tc.path)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret-order") {
				t.Errorf("%s: %d %s", tc.path, resp.StatusCode, body)
			}
		}
		_, page := other.get("/dashboard/payments")
		resp, _ := other.post("/dashboard/payments/"+payID+"/refund", url.Values{"csrf": {hidden(t, page, "csrf")}, "nonce": {"n"}, "amount": {"1"}})
		if resp.StatusCode != http.StatusNotFound || len(h.refunds(t, payID)) != 0 {
			t.Errorf("refund of another merchant's payment: %d", resp.StatusCode)
		}
		for _, q := range []string{"?q=" + payID, "?q=secret-order", ""} {
			if _, body := other.get("/dashboard/payments" + q); strings.Contains(body, `href="/dashboard/payments/`+payID) || strings.Contains(body, "<td>secret-order</td>") {
				t.Errorf("list %q shows another merchant's payment", q)
			}
		}
	})
}

func TestDashboardPaymentList(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		paid := h.paid(t, h.merchant, "order-paid", 1000)
		res, _ := h.call(t, h.merchant, ams.PathPay, payBody("order-open", 2000, hkUA, "https://shop.example/n"))
		if res.ResultStatus != "S" {
			t.Fatalf("pay: %+v", res)
		}
		b := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		today := time.Now().UTC().Format(time.DateOnly)
		for _, tc := range []struct {
			query     string
			status    int
			want, not []string
		}{
			{"", 200, []string{"order-paid", "order-open", "Dates are days in UTC"}, nil},
			{"?status=SUCCESS", 200, []string{"order-paid"}, []string{"order-open"}},
			{"?q=order-open", 200, []string{"order-open"}, []string{"order-paid"}},
			{"?q=" + paid, 200, []string{"order-paid"}, []string{"order-open"}},
			{"?from=" + today + "&to=" + today, 200, []string{"order-paid", "order-open"}, nil},
			{"?to=2020-01-01", 200, nil, []string{"order-paid", "order-open"}},
			{"?from=yesterday", 400, []string{"created from must be a date as YYYY-MM-DD", "order-paid"}, nil},
			{"?wallet=ALIPAY_HK", 200, []string{"order-paid", "order-open"}, nil},
			{"?wallet=KAKAOPAY", 200, nil, []string{"order-paid", "order-open"}},
			{"?min=15", 200, []string{"order-open"}, []string{"order-paid"}},
			{"?max=10.00&currency=hkd", 200, []string{"order-paid"}, []string{"order-open"}},
			{"?min=10&max=10", 200, []string{"order-paid"}, []string{"order-open"}},
			{"?currency=USD", 200, nil, []string{"order-paid", "order-open"}},
			{"?min=ten", 400, []string{"amount from &#34;ten&#34;", "order-paid"}, nil},
			{"?min=1.005", 400, []string{"amount from &#34;1.005&#34;"}, nil},
			{"?currency=HK", 400, []string{"currency must be an ISO 4217 code"}, nil},
			{"?code=EC-NONE", 200, nil, []string{"order-paid", "order-open"}},
			{"?store=sto_none", 200, nil, []string{"order-paid", "order-open"}},
		} {
			resp, body := b.get("/dashboard/payments" + tc.query)
			if resp.StatusCode != tc.status {
				t.Errorf("%q: status %d, want %d", tc.query, resp.StatusCode, tc.status)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("%q: page lacks %q", tc.query, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("%q: page shows %q", tc.query, n)
				}
			}
		}
		_, home := b.get("/dashboard/")
		for _, want := range []string{
			"<td>HKD</td><td class=\"num\">1</td><td class=\"num\">10.00 HKD</td>", // today and this month
			"Success rate: <strong>100.0 %</strong> (1 of 1 ended)",                // the open payment is in neither
			`<svg role="img" aria-label="Successful volume per day, HKD"`,
			"<td>ALIPAY_HK</td><td class=\"num\">1</td><td class=\"num\">100.0 %</td>",
		} {
			if !strings.Contains(home, want) {
				t.Errorf("home page lacks %s:\n%s", want, home)
			}
		}
	})
}

func TestDashboardLinks(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		clock := &movableClock{}
		h := newHarnessAt(t, kind, clock.Now)
		ctx := context.Background()
		invite := func(role entrypay.Role) (string, string) {
			u, token, err := h.gw.CreateUser(ctx, entrypay.NewUser{MerchantID: h.merchant.ID, Email: string(role) + "-" + entrypay.RandomCode(5) + "@shop.example", Role: role}, "test")
			if err != nil {
				t.Fatal(err)
			}
			return u.Email, "/dashboard/link/" + token
		}
		setPassword := func(b *browser, link, pw, confirm string) (*http.Response, string) {
			_, page := b.get(link)
			return b.post(link, url.Values{"csrf": {hidden(t, page, "csrf")}, "password": {pw}, "confirm": {confirm}})
		}

		email, link := invite(entrypay.RoleRefunder)
		b := h.browser(t)
		if resp, page := b.get(link); resp.StatusCode != http.StatusOK || !strings.Contains(page, email) || !strings.Contains(page, `<label for="confirm">`) {
			t.Fatalf("link page: %d %s", resp.StatusCode, page)
		}
		if resp, body := setPassword(b, link, "short", "short"); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least 12 characters") {
			t.Fatalf("short password: %d %s", resp.StatusCode, body)
		}
		if resp, _ := setPassword(b, link, goodPassword, goodPassword+"x"); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("different confirmation: %d", resp.StatusCode)
		}
		resp, _ := setPassword(b, link, goodPassword, goodPassword)
		if resp.StatusCode != http.StatusSeeOther || sessionCookieOf(resp) == nil {
			t.Fatalf("set password: %d", resp.StatusCode)
		}
		if resp, _ := b.get("/dashboard/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("signed in after setting the password: %d", resp.StatusCode)
		}
		// Used once: refused, on GET and on POST.
		b2 := h.browser(t)
		if resp, _ := b2.get(link); resp.StatusCode != http.StatusNotFound {
			t.Errorf("used link GET: %d", resp.StatusCode)
		}
		_, page := b2.get("/dashboard/login")
		if resp, _ := b2.post(link, url.Values{"csrf": {hidden(t, page, "csrf")}, "password": {"another good password"}, "confirm": {"another good password"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("used link POST: %d", resp.StatusCode)
		}
		if resp, _ := h.browser(t).login(email, "another good password"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the used link changed the password")
		}
		// The POST of a pre-session form needs its cookie token too.
		_, link2 := invite(entrypay.RoleViewer)
		if resp, _ := h.browser(t).post(link2, url.Values{"csrf": {"forged"}, "password": {goodPassword}, "confirm": {goodPassword}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("link POST without the form cookie: %d, want 403", resp.StatusCode)
		}

		// Expired: an invitation after 72 h, a reset after 1 h.
		_, late := invite(entrypay.RoleViewer)
		_, reset, err := h.gw.IssueLink(ctx, email, entrypay.LinkReset, "test")
		if err != nil {
			t.Fatal(err)
		}
		resetLink := "/dashboard/link/" + reset
		clock.Advance(time.Hour + time.Second)
		if resp, _ := h.browser(t).get(resetLink); resp.StatusCode != http.StatusNotFound {
			t.Errorf("reset link after 1 h: %d", resp.StatusCode)
		}
		if resp, _ := h.browser(t).get(late); resp.StatusCode != http.StatusOK {
			t.Errorf("invitation after 1 h: %d", resp.StatusCode)
		}
		clock.Advance(entrypay.InviteLinkTTL)
		b3 := h.browser(t)
		if resp, _ := b3.get(late); resp.StatusCode != http.StatusNotFound {
			t.Errorf("invitation after 73 h: %d", resp.StatusCode)
		}
		_, page = b3.get("/dashboard/login")
		if resp, _ := b3.post(late, url.Values{"csrf": {hidden(t, page, "csrf")}, "password": {goodPassword}, "confirm": {goodPassword}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("invitation used after 73 h: %d", resp.StatusCode)
		}
	})
}

func TestDashboardEscapesMerchantText(t *testing.T) {
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	m, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: `<script>alert(1)</script> & "Bar"`, MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	_, body := h.signedIn(t, m, entrypay.RoleOwner).get("/dashboard/")
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Bar&#34;") {
		t.Errorf("merchant name not escaped:\n%s", body)
	}
}

func TestDashboardOperator(t *testing.T) {
	h := newHarness(t, "sqlite")
	b := h.signedIn(t, nil, entrypay.RoleOperator)
	for _, path := range []string{"/dashboard/", "/dashboard/payments"} {
		if resp, _ := b.get(path); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/operator/" {
			t.Errorf("operator at %s: %d to %q, want 303 to the console", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if resp, body := b.get("/dashboard/operator/"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "<h1>Operator console</h1>") {
		t.Errorf("console: %d %s", resp.StatusCode, body)
	}
	// A merchant's user may not open the console.
	owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
	if resp, _ := owner.get("/dashboard/operator/"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("owner at the console: %d, want 403", resp.StatusCode)
	}
}

// TestDashboardCSV: the export holds the payments the filters select, every page, only
// the merchant's own, with its text defused for spreadsheets.
func TestDashboardCSV(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		paid := h.paid(t, h.merchant, "=HYPERLINK(\"http://evil\")", 1000)
		res, _ := h.call(t, h.merchant, ams.PathPay, payBody("order-open", 2000, hkUA, "https://shop.example/n"))
		if res.ResultStatus != "S" {
			t.Fatalf("pay: %+v", res)
		}
		theirs := h.paid(t, h.live, "their-order", 500)
		b := h.signedIn(t, h.merchant, entrypay.RoleViewer)

		_, page := b.get("/dashboard/payments?status=SUCCESS")
		if !strings.Contains(page, `href="/dashboard/payments.csv?status=SUCCESS"`) {
			t.Errorf("the list does not link its export:\n%s", page)
		}
		resp, body := b.get("/dashboard/payments.csv?status=SUCCESS")
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("export is not CSV: %v\n%s", err, body)
		}
		if len(rows) != 2 || rows[0][0] != "paymentId" || rows[1][0] != paid || rows[1][3] != "SUCCESS" || rows[1][5] != "10.00" || rows[1][6] != "HKD" {
			t.Fatalf("export rows %q", rows)
		}
		if rows[1][1] != `'=HYPERLINK("http://evil")` {
			t.Errorf("paymentRequestId exported as %q, want it defused with a leading quote", rows[1][1])
		}
		_, all := b.get("/dashboard/payments.csv")
		if strings.Count(all, "\n") != 3 || strings.Contains(all, theirs) || strings.Contains(all, "their-order") {
			t.Errorf("unfiltered export:\n%s", all)
		}
		if resp, _ := b.get("/dashboard/payments.csv?from=yesterday"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("bad date: %d", resp.StatusCode)
		}
		if resp, _ := h.browser(t).get("/dashboard/payments.csv"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboard/login" {
			t.Errorf("export without a session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// TestDashboardCancel: a refunder cancels an unpaid payment after confirming; a viewer and
// another merchant's user cannot; nothing happens unconfirmed.
func TestDashboardCancel(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		res, body := h.call(t, h.merchant, ams.PathPay, payBody("order-open", 2000, hkUA, "https://shop.example/n"))
		if res.ResultStatus != "S" {
			t.Fatalf("pay: %s", body)
		}
		var pay ams.PayResponse
		_ = json.Unmarshal(body, &pay)
		path := "/dashboard/payments/" + pay.PaymentID

		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		_, page := viewer.get(path)
		if strings.Contains(page, "/cancel\"") {
			t.Error("a viewer is offered the cancel form")
		}
		if resp, _ := viewer.post(path+"/cancel", url.Values{"csrf": {hidden(t, page, "csrf")}, "confirm": {"yes"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("viewer's cancel: %d, want 403", resp.StatusCode)
		}
		other, err := h.gw.CreateMerchant(context.Background(), entrypay.NewMerchant{Name: "Other", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		stranger := h.signedIn(t, other, entrypay.RoleOwner)
		_, home := stranger.get("/dashboard/")
		if resp, _ := stranger.post(path+"/cancel", url.Values{"csrf": {hidden(t, home, "csrf")}, "confirm": {"yes"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("another merchant's cancel: %d, want 404", resp.StatusCode)
		}

		refunder := h.signedIn(t, h.merchant, entrypay.RoleRefunder)
		_, page = refunder.get(path)
		if !strings.Contains(page, `action="`+path+`/cancel"`) {
			t.Fatalf("no cancel form:\n%s", page)
		}
		csrf := hidden(t, page, "csrf")
		if resp, body := refunder.post(path+"/cancel", url.Values{"csrf": {csrf}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "tick the box") {
			t.Errorf("unconfirmed cancel: %d %s", resp.StatusCode, body)
		}
		if p, _ := h.gw.PaymentByID(context.Background(), pay.PaymentID); p.Status != entrypay.PaymentProcessing {
			t.Fatalf("status after the refused cancels: %s", p.Status)
		}
		resp, _ := refunder.post(path+"/cancel", url.Values{"csrf": {csrf}, "confirm": {"yes"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("cancel: %d", resp.StatusCode)
		}
		if _, page := refunder.get(resp.Header.Get("Location")); !strings.Contains(page, "Cancel requested.") || !strings.Contains(page, "CANCELLED") || strings.Contains(page, "/cancel\"") {
			t.Errorf("page after the cancel:\n%s", page)
		}
		audit := h.audit(t, entrypay.AuditQuery{Subject: pay.PaymentID})
		if len(audit) != 1 || audit[0].Action != entrypay.AuditCancelAsked || !strings.HasPrefix(audit[0].Email, "refunder-") {
			t.Fatalf("audit: %+v", audit)
		}
	})
}

// TestDashboardTOTP: a user turns on the second factor with a code of the shown secret;
// then signing in needs a current code, each code works once, and a wrong one counts
// towards the lockout; turning it off needs a code too.
func TestDashboardTOTP(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		clock := time.Now().Truncate(30 * time.Second).Add(5 * time.Second)
		now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
		tick := func() { mu.Lock(); clock = clock.Add(30 * time.Second); mu.Unlock() }
		h := newHarnessAt(t, kind, now)
		email := h.user(t, h.merchant, entrypay.RoleOwner)
		b := h.browser(t)
		if resp, _ := b.login(email, goodPassword); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %d", resp.StatusCode)
		}
		_, page := b.get("/dashboard/account")
		if !strings.Contains(page, "<dt>Two-factor sign-in</dt><dd>off</dd>") {
			t.Fatalf("account page:\n%s", page)
		}
		csrf := hidden(t, page, "csrf")
		_, page = b.post("/dashboard/account/totp/new", url.Values{"csrf": {csrf}})
		secret := regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
		if secret == nil || !strings.Contains(page, "<svg") {
			t.Fatalf("set-up page:\n%s", page)
		}
		code := func(at time.Time) string {
			c, err := totp.Codes{}.Code(secret[1], at)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		wrong := "000000"
		if code(now()) == wrong {
			wrong = "111111"
		}
		resp, body := b.post("/dashboard/account/totp/enable", url.Values{"csrf": {csrf}, "secret": {secret[1]}, "code": {wrong}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Not turned on: code:") || !strings.Contains(body, secret[1]) {
			t.Fatalf("wrong code: %d %s", resp.StatusCode, body)
		}
		if resp, _ := b.post("/dashboard/account/totp/enable", url.Values{"csrf": {csrf}, "secret": {secret[1]}, "code": {code(now())}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable: %d", resp.StatusCode)
		}
		if _, page := b.get("/dashboard/account?done=on"); !strings.Contains(page, "<dt>Two-factor sign-in</dt><dd>on</dd>") {
			t.Fatalf("account page after enabling:\n%s", page)
		}

		fresh := h.browser(t)
		signIn := func(code string) (*http.Response, string) {
			_, page := fresh.get("/dashboard/login")
			return fresh.post("/dashboard/login", url.Values{"csrf": {hidden(t, page, "csrf")}, "email": {email}, "password": {goodPassword}, "code": {code}})
		}
		if resp, body := signIn(""); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "two-factor sign-in: enter the password again") {
			t.Fatalf("no code: %d %s", resp.StatusCode, body)
		}
		// The code that turned it on was used: it does not sign in.
		if resp, body := signIn(code(now())); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, loginRefused) {
			t.Fatalf("reused code: %d", resp.StatusCode)
		}
		tick()
		if resp, _ := signIn(code(now())); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("current code: %d", resp.StatusCode)
		}
		actions := []string{}
		for _, e := range h.audit(t, entrypay.AuditQuery{UserID: ""}) {
			if e.Email == email {
				actions = append(actions, e.Action+": "+e.Detail)
			}
		}
		joined := strings.Join(actions, "\n")
		if !strings.Contains(joined, "totp_enabled") || !strings.Contains(joined, "wrong or reused authentication code (1 in a row)") {
			t.Errorf("audit:\n%s", joined)
		}

		// Turning it off needs a code.
		_, page = fresh.get("/dashboard/account")
		csrf = hidden(t, page, "csrf")
		if resp, _ := fresh.post("/dashboard/account/totp/disable", url.Values{"csrf": {csrf}, "code": {wrong}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("disable with a wrong code: %d", resp.StatusCode)
		}
		tick()
		if resp, _ := fresh.post("/dashboard/account/totp/disable", url.Values{"csrf": {csrf}, "code": {code(now())}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("disable: %d", resp.StatusCode)
		}
		if resp, _ := h.browser(t).login(email, goodPassword); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("login after turning it off: %d", resp.StatusCode)
		}
	})
}
