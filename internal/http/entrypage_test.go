package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/entrypay/entrypay"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/sandbox"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const plainUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"

// shop is a store with an entry code on the harness's gateway.
type shop struct {
	store *entrypay.Store
	code  *entrypay.EntryCode
}

func (h *harness) shop(t *testing.T, name string, brand *entrypay.Branding, fixed entrypay.Amount) shop {
	t.Helper()
	ctx := context.Background()
	s, err := h.gw.CreateStore(ctx, entrypay.NewStore{MerchantID: h.merchant.ID, Name: name, DisplayName: "Noodle Bar", Currency: "HKD"})
	if err != nil {
		t.Fatal(err)
	}
	if brand != nil {
		brand.MerchantID = h.merchant.ID
		if _, err := h.gw.SetBranding(ctx, *brand, false); err != nil {
			t.Fatal(err)
		}
	}
	c, err := h.gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: s.ID, Label: "Counter", FixedAmount: fixed})
	if err != nil {
		t.Fatal(err)
	}
	return shop{store: s, code: c}
}

// page fetches a customer page without following redirects.
func (h *harness) page(t *testing.T, method, path, ua, acceptLang string, form url.Values) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, h.url+path, body)
	req.Header.Set("User-Agent", ua)
	if acceptLang != "" {
		req.Header.Set("Accept-Language", acceptLang)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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

var tokenRe = regexp.MustCompile(`name="token" value="(ec_[0-9A-Z]{20})"`)

func token(t *testing.T, page string) string {
	t.Helper()
	m := tokenRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token in page:\n%s", page)
	}
	return m[1]
}

func TestAmountPage(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		sh := h.shop(t, "陳記麵家", &entrypay.Branding{Color: "#d9480f", Greetings: map[string]string{"en": "Welcome!", "zh-Hant": "歡迎！"}, PresetAmounts: []int64{4800}, MaxAmount: 100000}, entrypay.Amount{})
		path := "/c/" + strings.ToLower(sh.code.Value) // paths are matched in either case
		status, hdr, page := h.page(t, "GET", path, hkUA, "", nil)
		if status != 200 || !strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Fatalf("GET %s: %d %v", path, status, hdr)
		}
		for _, want := range []string{`lang="zh-Hant"`, "陳記麵家", "歡迎！", "請輸入金額", `data-key="."`, `data-currency="HKD"`, "HK$48.00", "使用AlipayHK付款", `--accent: #d9480f`} {
			if !strings.Contains(page, want) {
				t.Errorf("amount page lacks %q", want)
			}
		}
		tok := token(t, page)

		// Bad amounts come back with the reason in the customer's language.
		for _, tt := range []struct {
			amount, lang, want string
		}{
			{"abc", "zh-Hant", "請輸入有效的金額。"},
			{"12.345", "en", "HKD amounts have at most 2 decimal places."},
			{"0", "ko", "0보다 큰 금액을 입력하세요."},
			{"1000.01", "ja", "上限金額は"},
			{"", "th", "กรุณาใส่จำนวนเงินที่ถูกต้อง"},
		} {
			status, _, page := h.page(t, "POST", path, hkUA, "", url.Values{"token": {tok}, "lang": {tt.lang}, "amount": {tt.amount}})
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, tt.want) || !strings.Contains(page, `role="alert"`) {
				t.Errorf("amount %q (%s): HTTP %d, page lacks %q", tt.amount, tt.lang, status, tt.want)
			}
		}

		// A good amount goes to the cashier; the same form twice is one payment.
		form := url.Values{"token": {tok}, "lang": {"en"}, "amount": {"12,5"}, "note": {"Table 5\n<b>x</b>"}}
		status, hdr, _ = h.page(t, "POST", path, hkUA, "", form)
		cashier := hdr.Get("Location")
		if status != http.StatusSeeOther || !strings.HasPrefix(cashier, h.url+"/sandbox/cashier/") {
			t.Fatalf("submit: %d %s", status, cashier)
		}
		if _, hdr, _ := h.page(t, "POST", path, hkUA, "", form); hdr.Get("Location") != cashier {
			t.Fatalf("double submit went to %s, not %s", hdr.Get("Location"), cashier)
		}
		p, _, err := h.gw.Payment(context.Background(), h.merchant, entrypay.PaymentRef{RequestID: tok})
		if err != nil || p.Amount != (entrypay.Amount{Value: 1250, Currency: "HKD"}) || p.EntryCode != sh.code.Value || p.Wallet != "ALIPAY_HK" || p.UserAgent != hkUA || p.OrderDescription != "Noodle Bar: Table 5 <b>x</b>" {
			t.Fatalf("payment = %+v, %v", p, err)
		}

		// The result page never claims success before the wallet side says so.
		result := fmt.Sprintf("/c/%s/r/%s", sh.code.Value, tok)
		_, _, page = h.page(t, "GET", result+"?lang=en", hkUA, "", nil)
		if !strings.Contains(page, "Waiting for the payment result") || strings.Contains(page, "successful") || !strings.Contains(page, `data-final="false"`) {
			t.Fatalf("result before payment:\n%s", page)
		}
		if _, _, js := h.page(t, "GET", result+"/status", hkUA, "", nil); !strings.Contains(js, `"final":false`) {
			t.Fatalf("status before payment: %s", js)
		}
		if _, err := h.sb.Finish(context.Background(), tokenOf(cashier), sandbox.OutcomeSuccess); err != nil {
			t.Fatal(err)
		}
		_, _, page = h.page(t, "GET", result+"?lang=en", hkUA, "", nil)
		if !strings.Contains(page, "Payment successful") || !strings.Contains(page, "HK$12.50") || !strings.Contains(page, p.ID) {
			t.Fatalf("result after payment:\n%s", page)
		}
		if _, _, js := h.page(t, "GET", result+"/status", hkUA, "", nil); !strings.Contains(js, `"status":"SUCCESS"`) {
			t.Fatalf("status after payment: %s", js)
		}

		// A preset button pays its amount; a made-up preset is refused.
		_, _, page = h.page(t, "GET", path, hkUA, "", nil)
		status, hdr, _ = h.page(t, "POST", path, hkUA, "", url.Values{"token": {token(t, page)}, "preset": {"4800"}})
		if status != http.StatusSeeOther {
			t.Fatalf("preset: HTTP %d", status)
		}
		status, _, _ = h.page(t, "POST", path, hkUA, "", url.Values{"token": {token(t, page)}, "preset": {"4801"}})
		if status != http.StatusUnprocessableEntity {
			t.Fatalf("made-up preset: HTTP %d", status)
		}
	})
}

func TestCodePages(t *testing.T) {
	h := newHarness(t, "sqlite")
	sh := h.shop(t, "Central", nil, entrypay.Amount{})
	path := "/C/" + sh.code.Value

	// A plain browser is told to use a wallet app, with the code for a desktop.
	status, _, page := h.page(t, "GET", path, plainUA, "ms-MY,ms;q=0.9", nil)
	if status != 200 || !strings.Contains(page, "Buka kod ini dalam aplikasi dompet anda") || !strings.Contains(page, "GCash") || !strings.Contains(page, "/qr.svg") {
		t.Fatalf("plain browser: %d\n%s", status, page)
	}
	_, hdr, svg := h.page(t, "GET", path+"/qr.svg", plainUA, "", nil)
	if hdr.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg, "<svg") {
		t.Fatalf("qr.svg: %v", hdr)
	}
	// Unknown and disabled codes get a page, not an error.
	if status, _, page := h.page(t, "GET", "/c/ZZZZZZZZZZZZ", hkUA, "", nil); status != 404 || !strings.Contains(page, "無法識別此付款碼") {
		t.Fatalf("unknown code: %d\n%s", status, page)
	}
	if status, _, _ := h.page(t, "GET", "/c/not-a-code", plainUA, "", nil); status != 404 {
		t.Fatalf("malformed code: %d", status)
	}
	if _, err := h.gw.SetEntryCodeStatus(context.Background(), sh.code.Value, entrypay.CodeDisabled); err != nil {
		t.Fatal(err)
	}
	if status, _, page := h.page(t, "GET", path+"?lang=en", hkUA, "", nil); status != http.StatusGone || !strings.Contains(page, "no longer in use") {
		t.Fatalf("disabled code: %d\n%s", status, page)
	}
	if status, _, _ := h.page(t, "POST", path, hkUA, "", url.Values{"token": {"ec_AAAAAAAAAAAAAAAAAAAA"}, "amount": {"5"}}); status != http.StatusGone {
		t.Fatalf("paying a disabled code: %d", status)
	}

	// A price-tag code pays its fixed amount, whatever was typed.
	fixed := h.shop(t, "Kiosk", nil, entrypay.Amount{Value: 4500, Currency: "HKD"})
	_, _, page = h.page(t, "GET", "/c/"+fixed.code.Value+"?lang=en", hkUA, "", nil)
	if !strings.Contains(page, "HK$45.00") || strings.Contains(page, `id="keypad"`) {
		t.Fatalf("fixed code page:\n%s", page)
	}
	status, _, _ = h.page(t, "POST", "/c/"+fixed.code.Value, hkUA, "", url.Values{"token": {token(t, page)}, "amount": {"1"}})
	if status != http.StatusSeeOther {
		t.Fatalf("fixed code submit: %d", status)
	}

	// JPY has no minor unit: a 00 key, and no decimals.
	ctx := context.Background()
	js, _ := h.gw.CreateStore(ctx, entrypay.NewStore{MerchantID: h.merchant.ID, Name: "Tokyo", Currency: "JPY"})
	jc, _ := h.gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: js.ID})
	_, _, page = h.page(t, "GET", "/c/"+jc.Value+"?lang=ja", hkUA, "", nil)
	if !strings.Contains(page, `data-key="00"`) || strings.Contains(page, `data-key="."`) {
		t.Fatal("JPY page has no 00 key")
	}
	status, _, page = h.page(t, "POST", "/c/"+jc.Value, hkUA, "", url.Values{"token": {token(t, page)}, "lang": {"ja"}, "amount": {"500.5"}})
	if status != 422 || !strings.Contains(page, "小数点以下 0 桁") {
		t.Fatalf("JPY decimals: %d", status)
	}
}

// TestPagesEscapeMerchantText puts script into every merchant-supplied text and checks
// that no page lets it through.
func TestPagesEscapeMerchantText(t *testing.T) {
	h := newHarness(t, "sqlite")
	evil := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	sh := h.shop(t, evil, &entrypay.Branding{DisplayName: "D" + evil[:30], Greetings: map[string]string{"en": "G" + evil}}, entrypay.Amount{})
	ctx := context.Background()
	if _, err := h.gw.SetBranding(ctx, entrypay.Branding{MerchantID: h.merchant.ID, Color: `red;}</style><script>alert(3)</script>`}, true); err == nil {
		t.Fatal("a colour with markup was accepted")
	}
	if _, err := h.gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: sh.store.ID, Label: "L" + evil}); err != nil {
		t.Fatal(err)
	}
	path := "/c/" + sh.code.Value + "?lang=en"
	_, _, amountPage := h.page(t, "GET", path, hkUA, "", nil)
	_, _, openPage := h.page(t, "GET", path, plainUA, "", nil)
	_, hdr, _ := h.page(t, "POST", "/c/"+sh.code.Value, hkUA, "", url.Values{"token": {token(t, amountPage)}, "amount": {"3"}})
	tok := token(t, amountPage)
	_ = hdr
	_, _, resultPage := h.page(t, "GET", "/c/"+sh.code.Value+"/r/"+tok+"?lang=en", hkUA, "", nil)
	h.gw.SetEntryCodeStatus(ctx, sh.code.Value, entrypay.CodeDisabled)
	_, _, disabledPage := h.page(t, "GET", path, hkUA, "", nil)
	for name, page := range map[string]string{"amount": amountPage, "open wallet": openPage, "result": resultPage, "disabled": disabledPage} {
		for _, raw := range []string{"<script>alert", "<img src=x", "onerror=alert(2)>"} {
			if strings.Contains(page, raw) {
				t.Errorf("%s page contains %q unescaped", name, raw)
			}
		}
		if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s page does not show the store name escaped", name)
		}
	}
}

func TestAdminAPI(t *testing.T) {
	h := newHarness(t, "sqlite")
	ctx := context.Background()
	s, _ := h.gw.CreateStore(ctx, entrypay.NewStore{MerchantID: h.merchant.ID, Name: "Central", Currency: "HKD", MCC: "5812", Region: "HK"})
	call := func(method, path, token string, body []byte, contentType string) (int, []byte) {
		req, _ := http.NewRequest(method, h.url+path, bytes.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
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
	if status, _ := call("GET", "/admin/api/v1/codes?storeId="+s.ID, "", nil, ""); status != 401 {
		t.Fatalf("no token: %d", status)
	}
	if status, _ := call("GET", "/admin/api/v1/codes?storeId="+s.ID, "wrong", nil, ""); status != 401 {
		t.Fatalf("wrong token: %d", status)
	}
	status, body := call("POST", "/admin/api/v1/codes", adminToken, []byte(fmt.Sprintf(`{"storeId":%q,"label":"Table 4","amount":{"currency":"HKD","value":"4500"}}`, s.ID)), "application/json")
	var code struct {
		CodeValue string `json:"codeValue"`
		URL       string `json:"url"`
		QRVersion int    `json:"qrVersion"`
		Status    string `json:"status"`
	}
	if err := json.Unmarshal(body, &code); status != 201 || err != nil || code.Status != "ACTIVE" || !strings.HasSuffix(code.URL, "/C/"+code.CodeValue) {
		t.Fatalf("create: %d %s", status, body)
	}
	if code.URL != strings.ToUpper(code.URL) {
		t.Errorf("code URL %q is not upper case", code.URL)
	}
	for _, bad := range []struct{ body, mention string }{
		{`{"label":"x"}`, "storeId"},
		{`{"storeId":"sto_nope"}`, "store"},
		{fmt.Sprintf(`{"storeId":%q,"amount":{"currency":"HKD","value":"-1"}}`, s.ID), "amount.value"},
		{fmt.Sprintf(`{"storeId":%q,"colour":"red"}`, s.ID), "colour"},
		{`not json`, "JSON"},
	} {
		status, body := call("POST", "/admin/api/v1/codes", adminToken, []byte(bad.body), "application/json")
		if status != 400 || !strings.Contains(string(body), bad.mention) {
			t.Errorf("create %s: %d %s", bad.body, status, body)
		}
	}
	if status, body := call("GET", "/admin/api/v1/codes?storeId="+s.ID, adminToken, nil, ""); status != 200 || !strings.Contains(string(body), code.CodeValue) {
		t.Fatalf("list: %d %s", status, body)
	}
	// The PNG decodes to the code's URL.
	status, png := call("GET", "/admin/api/v1/codes/"+code.CodeValue+"/image?format=png&size=400", adminToken, nil, "")
	if status != 200 {
		t.Fatalf("image: %d %s", status, png)
	}
	if got := decodeQR(t, png); got != code.URL {
		t.Fatalf("QR says %q, want %q", got, code.URL)
	}
	if status, svg := call("GET", "/admin/api/v1/codes/"+code.CodeValue+"/image?format=poster&paper=A5", adminToken, nil, ""); status != 200 || !bytes.Contains(svg, []byte("148mm")) {
		t.Fatalf("poster: %d", status)
	}
	// Disable, enable, replace.
	for _, step := range []struct{ action, want string }{{"disable", "DISABLED"}, {"enable", "ACTIVE"}, {"replace", "ACTIVE"}} {
		status, body := call("POST", "/admin/api/v1/codes/"+code.CodeValue+"/"+step.action, adminToken, nil, "")
		if status != 200 || !strings.Contains(string(body), `"status": "`+step.want+`"`) {
			t.Fatalf("%s: %d %s", step.action, status, body)
		}
	}
	if status, body := call("POST", "/admin/api/v1/codes/"+code.CodeValue+"/enable", adminToken, nil, ""); status == 200 {
		t.Fatalf("a replaced code was re-enabled: %s", body)
	}
	// Branding and logo.
	status, body = call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/branding", adminToken, []byte(`{"displayName":"Noodle Bar","color":"#112233","greetings":{"en":"Hi","ko":"안녕하세요"},"presetAmounts":["2000",5000],"maxAmount":"100000"}`), "application/json")
	if status != 200 || !strings.Contains(string(body), `"5000"`) {
		t.Fatalf("branding: %d %s", status, body)
	}
	for _, bad := range []string{`{"color":"red"}`, `{"greetings":{"xx":"hi"}}`, `{"presetAmounts":["1.5"]}`, `{"maxAmount":"100","presetAmounts":["200"]}`} {
		if status, body := call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/branding", adminToken, []byte(bad), "application/json"); status != 400 {
			t.Errorf("branding %s: %d %s", bad, status, body)
		}
	}
	if status, body := call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/logo", adminToken, []byte(`<svg onload="alert(1)"/>`), "image/svg+xml"); status != 400 {
		t.Fatalf("svg logo: %d %s", status, body)
	}
	if status, _ := call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/logo", adminToken, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, entrypay.MaxLogoBytes)...), "image/png"); status != 400 {
		t.Fatalf("oversized logo: %d", status)
	}
	if status, body := call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/logo", adminToken, png, "image/png"); status != 200 || !strings.Contains(string(body), "logoUrl") {
		t.Fatalf("logo: %d %s", status, body)
	}
	status, hdr, logo := h.page(t, "GET", "/m/"+h.merchant.ID+"/logo", plainUA, "", nil)
	if status != 200 || hdr.Get("Content-Type") != "image/png" || hdr.Get("X-Content-Type-Options") != "nosniff" || logo != string(png) {
		t.Fatalf("logo: %d %v", status, hdr)
	}
	// The branding survives a later branding change (the logo is kept).
	call("PUT", "/admin/api/v1/merchants/"+h.merchant.ID+"/branding", adminToken, []byte(`{"displayName":"Noodle Bar 2"}`), "application/json")
	if status, _, _ := h.page(t, "GET", "/m/"+h.merchant.ID+"/logo", plainUA, "", nil); status != 200 {
		t.Fatal("logo lost by a branding change")
	}
}

func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// TestGoldenPages keeps the pages' HTML structure in golden files (go test -update
// rewrites them). Ids, tokens and ports that change from run to run are replaced first.
func TestGoldenPages(t *testing.T) {
	h := newHarness(t, "sqlite")
	sh := h.shop(t, "陳記麵家", &entrypay.Branding{Color: "#d9480f", Greetings: map[string]string{"en": "Welcome!", "zh-Hant": "歡迎！"}, PresetAmounts: []int64{4800, 6800}}, entrypay.Amount{})
	path := "/c/" + sh.code.Value
	normalize := func(s string) string {
		s = strings.ReplaceAll(s, h.url, "http://HOST")
		s = strings.ReplaceAll(s, strings.ToUpper(h.url), "HTTP://HOST")
		s = strings.ReplaceAll(s, sh.code.Value, "CODE")
		s = tokenRe.ReplaceAllString(s, `name="token" value="ec_TOKEN"`)
		s = regexp.MustCompile(`ec_[0-9A-Z]{20}`).ReplaceAllString(s, "ec_TOKEN")
		s = regexp.MustCompile(`pay_[0-9A-Z]{26}`).ReplaceAllString(s, "pay_ID")
		s = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d UTC`).ReplaceAllString(s, "TIME")
		return s
	}
	_, _, amountEN := h.page(t, "GET", path+"?lang=en", hkUA, "", nil)
	_, _, amountZH := h.page(t, "GET", path, hkUA, "", nil)
	_, _, open := h.page(t, "GET", path, plainUA, "fil", nil)
	_, _, unknown := h.page(t, "GET", "/c/ZZZZZZZZZZZZ?lang=en", hkUA, "", nil)
	_, _, badAmount := h.page(t, "POST", path, hkUA, "", url.Values{"token": {token(t, amountEN)}, "lang": {"en"}, "amount": {"1.234"}})
	_, hdr, _ := h.page(t, "POST", path, hkUA, "", url.Values{"token": {token(t, amountEN)}, "lang": {"en"}, "amount": {"20"}})
	if _, err := h.sb.Finish(context.Background(), tokenOf(hdr.Get("Location")), sandbox.OutcomeSuccess); err != nil {
		t.Fatal(err)
	}
	_, _, result := h.page(t, "GET", path+"/r/"+token(t, amountEN)+"?lang=en", hkUA, "", nil)
	for name, page := range map[string]string{
		"amount_en": amountEN, "amount_zh-Hant": amountZH, "open_wallet_fil": open, "unknown_en": unknown,
		"amount_error_en": badAmount, "result_success_en": result,
	} {
		file := filepath.Join("testdata", "golden", name+".html")
		got := normalize(page)
		if *update {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, file, got)
		}
	}
}

func TestPageRateLimit(t *testing.T) {
	h := newHarness(t, "sqlite", func(c *ephttp.Config) { c.PageLimit, c.PageBurst = 0.001, 2 })
	sh := h.shop(t, "Central", nil, entrypay.Amount{})
	path := "/c/" + sh.code.Value
	var statuses []int
	for range 4 {
		_, _, page := h.page(t, "GET", path+"?lang=en", hkUA, "", nil)
		status, _, body := h.page(t, "POST", path, hkUA, "", url.Values{"token": {token(t, page)}, "lang": {"en"}, "amount": {"5"}})
		statuses = append(statuses, status)
		if status == http.StatusTooManyRequests && !strings.Contains(body, "Too many attempts") {
			t.Fatalf("429 page: %s", body)
		}
	}
	if statuses[0] != http.StatusSeeOther || statuses[1] != http.StatusSeeOther || statuses[2] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v, want two payments then 429", statuses)
	}
}
