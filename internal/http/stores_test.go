package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
)

// getBytes fetches path and returns the answer and the raw body.
func (b *browser) getBytes(path string) (*http.Response, []byte) {
	b.t.Helper()
	resp, body := b.get(path)
	return resp, []byte(body)
}

// pngOf is a real PNG of w×h pixels; noise makes it big (it does not compress).
func pngOf(t *testing.T, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{R: uint8(200 * x / w), G: 80, B: 160, A: 255}
			if noise {
				c = color.RGBA{R: uint8(rand.IntN(256)), G: uint8(rand.IntN(256)), B: uint8(rand.IntN(256)), A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantPage(t *testing.T, what string, resp *http.Response, body string, status int, contains ...string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, status, body)
	}
	for _, c := range contains {
		if !strings.Contains(body, c) {
			t.Fatalf("%s: page lacks %q:\n%s", what, c, body)
		}
	}
}

// storeList reads the merchant's stores and codes from the gateway.
func (h *harness) storeList(t *testing.T, m *entrypay.Merchant) []entrypay.StoreCodes {
	t.Helper()
	list, err := h.gw.MerchantStores(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// auditActions lists the merchant's audit actions, oldest first.
func (h *harness) auditActions(t *testing.T, m *entrypay.Merchant) []string {
	t.Helper()
	var out []string
	for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: m.ID}) {
		switch e.Action {
		case entrypay.AuditLogin, entrypay.AuditPasswordSet, entrypay.AuditUserCreated:
			continue
		}
		out = append([]string{e.Action + ":" + e.Subject}, out...)
	}
	return out
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestDashboardStores(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		resp, page := owner.get("/dashboard/stores")
		wantPage(t, "empty list", resp, page, 200, "No stores yet", `<title>Stores and entry codes — Noodle Bar</title>`, `id="create-store"`)
		formToken := hidden(t, page, "csrf")

		// A store: bad input is refused with the field named, and nothing is written.
		resp, page = owner.post("/dashboard/stores", url.Values{"csrf": {formToken}, "name": {"  "}, "display_name": {"Chan's"}})
		wantPage(t, "store without a name", resp, page, 422, "Store not created: Name is required", `value="Chan&#39;s"`)
		resp, page = owner.post("/dashboard/stores", url.Values{"csrf": {formToken}, "name": {"Central"}, "display_name": {strings.Repeat("x", 129)}})
		wantPage(t, "long display name", resp, page, 422, "Display name must be at most 128 characters")
		if n := len(h.storeList(t, h.merchant)); n != 0 {
			t.Fatalf("%d stores after refused forms", n)
		}
		// Without the CSRF token: 403, nothing written.
		resp, page = owner.post("/dashboard/stores", url.Values{"name": {"Central"}})
		wantPage(t, "no CSRF", resp, page, 403)
		if n := len(h.storeList(t, h.merchant)); n != 0 {
			t.Fatalf("%d stores after a POST without CSRF", n)
		}
		resp, page = owner.post("/dashboard/stores", url.Values{"csrf": {formToken}, "name": {"Central <b>"}, "display_name": {"Chan's Noodle Bar"}})
		wantPage(t, "create store", resp, page, 303)
		if loc := resp.Header.Get("Location"); loc != "/dashboard/stores?done=store_created" {
			t.Fatalf("redirect to %q", loc)
		}
		stores := h.storeList(t, h.merchant)
		if len(stores) != 1 || stores[0].Store.Name != "Central <b>" || stores[0].Store.Currency != "HKD" || stores[0].Store.MerchantID != h.merchant.ID {
			t.Fatalf("stores %+v", stores)
		}
		store := stores[0].Store
		resp, page = owner.get("/dashboard/stores?done=store_created")
		wantPage(t, "list", resp, page, 200, "Store created.", "Central &lt;b&gt;", "No codes yet", `id="create-code-`+store.ID+`"`)

		// A code: a bad amount or label is refused, naming the field.
		codesPath := "/dashboard/stores/" + store.ID + "/codes"
		resp, page = owner.post(codesPath, url.Values{"csrf": {formToken}, "label": {"Table 4"}, "amount": {"12.345"}})
		wantPage(t, "bad amount", resp, page, 422, "Code not created for Central &lt;b&gt;: Fixed amount &#34;12.345&#34;", `value="Table 4"`)
		resp, page = owner.post(codesPath, url.Values{"csrf": {formToken}, "amount": {"0"}})
		wantPage(t, "zero amount", resp, page, 422, "Fixed amount &#34;0&#34;")
		resp, page = owner.post(codesPath, url.Values{"csrf": {formToken}, "label": {strings.Repeat("x", 65)}})
		wantPage(t, "long label", resp, page, 422, "Label must be at most 64 characters")
		if codes := h.storeList(t, h.merchant)[0].Codes; len(codes) != 0 {
			t.Fatalf("%d codes after refused forms", len(codes))
		}
		resp, page = owner.post(codesPath, url.Values{"csrf": {formToken}, "label": {"Table 4"}, "amount": {"45"}})
		wantPage(t, "create code", resp, page, 303)
		codes := h.storeList(t, h.merchant)[0].Codes
		if len(codes) != 1 || codes[0].Label != "Table 4" || codes[0].FixedAmount != (entrypay.Amount{Value: 4500, Currency: "HKD"}) || codes[0].Status != entrypay.CodeActive {
			t.Fatalf("codes %+v", codes)
		}
		code := codes[0].Value
		if loc := resp.Header.Get("Location"); loc != "/dashboard/stores?done=code_created&code="+code+"#code-"+code {
			t.Fatalf("redirect to %q", loc)
		}
		resp, page = owner.get("/dashboard/stores?done=code_created&code=" + code)
		wantPage(t, "list with code", resp, page, 200, "Code "+code+" created.", entrypay.CodeURL(h.url, code), "45.00 HKD", "/dashboard/codes/"+code+"/disable")
		// A notice is chosen by name; the URL cannot put text on the page.
		if _, page = owner.get("/dashboard/stores?done=code_created&code=%3Cscript%3E"); strings.Contains(page, "<script>") || strings.Contains(page, `class="notice"`) {
			t.Fatalf("notice from the URL:\n%s", page)
		}

		// Disable asks for a confirmation; without it, 422 and nothing changes.
		resp, page = owner.get("/dashboard/codes/" + code + "/disable")
		wantPage(t, "disable page", resp, page, 200, `type="checkbox" id="confirm" name="confirm"`, `<label class="inline" for="confirm">`)
		resp, page = owner.post("/dashboard/codes/"+code+"/disable", url.Values{"csrf": {formToken}})
		wantPage(t, "disable unconfirmed", resp, page, 422, "Confirm: tick the box")
		if c := h.storeList(t, h.merchant)[0].Codes[0]; c.Status != entrypay.CodeActive {
			t.Fatalf("unconfirmed disable changed the code: %+v", c)
		}
		resp, page = owner.post("/dashboard/codes/"+strings.ToLower(code)+"/disable", url.Values{"csrf": {formToken}, "confirm": {"yes"}})
		wantPage(t, "disable", resp, page, 303)
		if c := h.storeList(t, h.merchant)[0].Codes[0]; c.Status != entrypay.CodeDisabled {
			t.Fatalf("after disable: %+v", c)
		}
		_, page = owner.get("/dashboard/stores?done=code_disabled&code=" + code)
		wantPage(t, "list after disable", &http.Response{StatusCode: 200}, page, 200, "Code "+code+" disabled", `action="/dashboard/codes/`+code+`/enable"`)
		resp, page = owner.post("/dashboard/codes/"+code+"/enable", url.Values{"csrf": {formToken}})
		wantPage(t, "enable", resp, page, 303)
		if c := h.storeList(t, h.merchant)[0].Codes[0]; c.Status != entrypay.CodeActive {
			t.Fatalf("after enable: %+v", c)
		}

		// Replace: confirmed, a new code for the same store, label and amount.
		resp, page = owner.post("/dashboard/codes/"+code+"/replace", url.Values{"csrf": {formToken}, "confirm": {"no"}})
		wantPage(t, "replace unconfirmed", resp, page, 422, "Confirm: tick the box to replace the code")
		if n := len(h.storeList(t, h.merchant)[0].Codes); n != 1 {
			t.Fatalf("unconfirmed replace made %d codes", n)
		}
		resp, page = owner.post("/dashboard/codes/"+code+"/replace", url.Values{"csrf": {formToken}, "confirm": {"yes"}})
		wantPage(t, "replace", resp, page, 303)
		codes = h.storeList(t, h.merchant)[0].Codes
		if len(codes) != 2 || codes[0].Status != entrypay.CodeDisabled || codes[0].ReplacedBy != codes[1].Value || codes[1].Label != "Table 4" || codes[1].FixedAmount.Value != 4500 {
			t.Fatalf("after replace: %+v %+v", codes[0], codes[1])
		}
		fresh := codes[1].Value
		// A replaced code cannot come back: the gateway's rule, shown on the page.
		resp, page = owner.post("/dashboard/codes/"+code+"/enable", url.Values{"csrf": {formToken}})
		wantPage(t, "enable replaced", resp, page, 422, "was replaced by "+fresh)

		// Downloads: the admin API's images, as attachments.
		for _, d := range []struct{ format, contentType, name string }{
			{"png", "image/png", "entry-code-" + fresh + ".png"},
			{"svg", "image/svg+xml", "entry-code-" + fresh + ".svg"},
			{"poster", "image/svg+xml", "entry-code-" + fresh + "-poster-A6.svg"},
		} {
			resp, data := owner.getBytes("/dashboard/codes/" + fresh + "/download/" + d.format)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != d.contentType || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				resp.Header.Get("Content-Disposition") != `attachment; filename=`+d.name {
				t.Fatalf("download %s: %d %v", d.format, resp.StatusCode, resp.Header)
			}
			if d.format == "png" && decodeQR(t, data) != entrypay.CodeURL(h.url, fresh) {
				t.Fatalf("the PNG does not carry the code's URL")
			}
			if d.format != "png" && !bytes.Contains(data, []byte("<svg")) {
				t.Fatalf("download %s is not SVG: %.100s", d.format, data)
			}
		}
		resp, page = owner.get("/dashboard/codes/" + fresh + "/download/pdf")
		wantPage(t, "unknown format", resp, page, 404)

		wantAudit := []string{"store_created:" + store.ID, "code_created:" + code, "code_disabled:" + code, "code_enabled:" + code, "code_replaced:" + code}
		wantList(t, "audit", h.auditActions(t, h.merchant), wantAudit)
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID, Limit: 1}) {
			if e.UserID == "" || e.Email == "" || e.Detail != "replaced by "+fresh {
				t.Fatalf("audit entry %+v", e)
			}
		}

		// A viewer sees the page and downloads, and changes nothing.
		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		resp, page = viewer.get("/dashboard/stores")
		wantPage(t, "viewer's list", resp, page, 200, fresh, "/download/poster")
		if strings.Contains(page, "create-store") || strings.Contains(page, "/replace") || strings.Contains(page, "create-code") {
			t.Fatalf("a viewer is shown forms:\n%s", page)
		}
		vcsrf := hidden(t, page, "csrf")
		if resp, _ := viewer.getBytes("/dashboard/codes/" + fresh + "/download/png"); resp.StatusCode != 200 {
			t.Fatalf("viewer's download: %d", resp.StatusCode)
		}
		for _, path := range []string{"/dashboard/stores", codesPath, "/dashboard/codes/" + fresh + "/disable", "/dashboard/codes/" + fresh + "/replace", "/dashboard/codes/" + code + "/enable"} {
			resp, page := viewer.post(path, url.Values{"csrf": {vcsrf}, "name": {"Viewer's"}, "confirm": {"yes"}})
			wantPage(t, "viewer POST "+path, resp, page, 403, "Your role does not allow changes")
		}
		resp, page = viewer.get("/dashboard/codes/" + fresh + "/disable")
		wantPage(t, "viewer's confirmation page", resp, page, 403)
		refunder := h.signedIn(t, h.merchant, entrypay.RoleRefunder)
		resp, page = refunder.post("/dashboard/stores", url.Values{"csrf": {refunder.csrfOf("/dashboard/stores")}, "name": {"Refunder's"}})
		wantPage(t, "refunder POST", resp, page, 403)
		wantList(t, "audit after viewer", h.auditActions(t, h.merchant), wantAudit)
		if list := h.storeList(t, h.merchant); len(list) != 1 || len(list[0].Codes) != 2 || list[0].Codes[1].Status != entrypay.CodeActive {
			t.Fatalf("the viewer changed something: %+v", list)
		}

		// Another merchant's owner: every route with these ids is the 404 page.
		other := h.signedIn(t, h.live, entrypay.RoleOwner)
		ocsrf := other.csrfOf("/dashboard/stores")
		for _, path := range []string{"/dashboard/codes/" + fresh + "/disable", "/dashboard/codes/" + fresh + "/replace", "/dashboard/codes/" + code + "/enable",
			"/dashboard/codes/" + fresh + "/download/png", "/dashboard/codes/" + fresh + "/download/svg", "/dashboard/codes/" + fresh + "/download/poster"} {
			resp, page := other.get(path)
			wantPage(t, "other merchant GET "+path, resp, page, 404)
		}
		for _, path := range []string{codesPath, "/dashboard/codes/" + fresh + "/disable", "/dashboard/codes/" + fresh + "/replace", "/dashboard/codes/" + code + "/enable"} {
			for _, confirm := range []string{"yes", ""} {
				resp, page := other.post(path, url.Values{"csrf": {ocsrf}, "confirm": {confirm}, "label": {"theirs"}})
				wantPage(t, "other merchant POST "+path, resp, page, 404)
			}
		}
		if _, page := other.get("/dashboard/stores"); strings.Contains(page, fresh) || strings.Contains(page, store.ID) {
			t.Fatalf("another merchant's list shows these codes:\n%s", page)
		}
		wantList(t, "audit after the other merchant", h.auditActions(t, h.merchant), wantAudit)
		wantList(t, "the other merchant's audit", h.auditActions(t, h.live), nil)
		if list := h.storeList(t, h.merchant); len(list) != 1 || len(list[0].Codes) != 2 || list[0].Codes[1].Status != entrypay.CodeActive {
			t.Fatalf("the other merchant changed something: %+v", list)
		}
		// The code still takes payments: the customer page opens.
		if status, _, _ := h.page(t, "GET", "/c/"+fresh, hkUA, "", nil); status != 200 {
			t.Fatalf("customer page of the new code: %d", status)
		}
	})
}

var presetButtonRE = regexp.MustCompile(`name="preset" value="(\d+)"`)

func TestDashboardBranding(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		sh := h.shop(t, "Central", nil, entrypay.Amount{})
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		resp, page := owner.get("/dashboard/branding")
		wantPage(t, "branding page", resp, page, 200, `<title>Customer page branding — Noodle Bar</title>`, `enctype="multipart/form-data"`,
			`formaction="/dashboard/branding/preview" formtarget="preview"`, `<iframe class="preview" name="preview"`, `for="greeting_zh-Hant"`, `for="greeting_fil"`)
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("branding page headers %v", resp.Header)
		}
		formToken := hidden(t, page, "csrf")
		// The preview may be framed by the dashboard, and only there; it posts nowhere.
		resp, page = owner.get("/dashboard/branding/preview")
		wantPage(t, "preview", resp, page, 200, `<h1 class="store-name">Central</h1>`)
		if csp := resp.Header.Get("Content-Security-Policy"); resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.Contains(csp, "frame-ancestors 'self'") || !strings.Contains(csp, "form-action 'none'") {
			t.Fatalf("preview headers %v", resp.Header)
		}
		// Every other dashboard page stays unframeable.
		for _, path := range []string{"/dashboard/stores", "/dashboard/settlement", "/dashboard/"} {
			if resp, _ := owner.get(path); resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Fatalf("%s headers %v", path, resp.Header)
			}
		}

		logo := pngOf(t, 96, 48, false)
		good := map[string]string{"csrf": formToken, "display_name": "Chan's", "color": "#D9480F", "presets": "48, 68.5", "max_amount": "500",
			"greeting_en": "Welcome!", "greeting_zh-Hant": "歡迎光臨！"}
		with := func(k, v string) map[string]string {
			f := map[string]string{}
			for kk, vv := range good {
				f[kk] = vv
			}
			f[k] = v
			return f
		}
		// Bad input: 422, the field named, nothing saved.
		for _, c := range []struct {
			name   string
			fields map[string]string
			files  map[string][]byte
			want   string
		}{
			{"colour", with("color", "red;}</style>"), nil, "Brand colour &#34;red;}&lt;/style&gt;&#34; must be #rrggbb"},
			{"preset", with("presets", "48, abc"), nil, "Preset amounts: Preset amount &#34;abc&#34;"},
			{"preset decimals", with("presets", "48.123"), nil, "Preset amounts: Preset amount &#34;48.123&#34;"},
			{"too many presets", with("presets", "1 2 3 4 5 6 7"), nil, "At most 6 preset amounts"},
			{"preset above the maximum", with("presets", "600"), nil, "Preset amount 600.00 HKD is above the maximum 500.00 HKD"},
			{"maximum", with("max_amount", "lots"), nil, "Maximum amount &#34;lots&#34;"},
			{"greeting", with("greeting_ko", strings.Repeat("가", 141)), nil, "Greeting (ko) must be at most 140 characters"},
			{"display name", with("display_name", strings.Repeat("x", 65)), nil, "Display name must be at most 64 characters"},
			{"text as logo", good, map[string][]byte{"logo": []byte("hello, I am not an image")}, "Logo: the file is not a PNG, JPEG, GIF or WebP image."},
			{"svg as logo", good, map[string][]byte{"logo": []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}, "Logo: the file is not a PNG"},
			{"PNG signature, no image", good, map[string][]byte{"logo": append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)}, "Logo: the file is not a PNG"},
			{"oversized logo", good, map[string][]byte{"logo": pngOf(t, 400, 400, true)}, "Logo: the file is larger than 256 KB"},
			{"huge image", good, map[string][]byte{"logo": pngOf(t, 3000, 10, false)}, "Logo: the image is 3000×10 pixels"},
		} {
			resp, page := owner.postFiles("/dashboard/branding", c.fields, c.files)
			wantPage(t, c.name, resp, page, 422, "Branding not saved. ", c.want)
			// The form keeps what was typed.
			if c.name == "colour" && !strings.Contains(page, `value="Welcome!"`) {
				t.Fatalf("the refused form lost the greeting:\n%s", page)
			}
		}
		// A body far over the limit is cut off: 413.
		resp, page = owner.postFiles("/dashboard/branding", good, map[string][]byte{"logo": bytes.Repeat([]byte("x"), 2<<20)})
		wantPage(t, "huge upload", resp, page, 413, "The upload is too large")
		// Without the CSRF token: 403.
		resp, page = owner.postFiles("/dashboard/branding", with("csrf", ""), map[string][]byte{"logo": logo})
		wantPage(t, "no CSRF", resp, page, 403)
		if b, _ := h.gw.Branding(ctx, h.merchant.ID); b.Color != "" || b.LogoType != "" || len(b.PresetAmounts) != 0 {
			t.Fatalf("refused forms saved branding: %+v", b)
		}
		wantList(t, "audit after refused forms", h.auditActions(t, h.merchant), nil)

		// Preview: the unsaved branding, the upload inline, nothing stored.
		resp, page = owner.postFiles("/dashboard/branding/preview", with("lang", "zh-Hant"), map[string][]byte{"logo": logo})
		wantPage(t, "preview", resp, page, 200, `<img class="logo" src="data:image/png;base64,`, `<p class="greeting">歡迎光臨！</p>`, `--accent: #d9480f`, `<p class="display-name">Chan&#39;s</p>`)
		if got := presetButtonRE.FindAllStringSubmatch(page, -1); len(got) != 2 || got[0][1] != "4800" || got[1][1] != "6850" {
			t.Fatalf("preview presets %v", got)
		}
		if resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Fatalf("preview headers %v", resp.Header)
		}
		resp, page = owner.postFiles("/dashboard/branding/preview", with("color", "blue"), nil)
		wantPage(t, "preview of bad input", resp, page, 422, "Preview not shown. Brand colour")
		if b, _ := h.gw.Branding(ctx, h.merchant.ID); b.Color != "" || b.LogoType != "" {
			t.Fatalf("the preview saved branding: %+v", b)
		}

		// Save.
		resp, page = owner.postFiles("/dashboard/branding", good, map[string][]byte{"logo": logo})
		wantPage(t, "save", resp, page, 303)
		b, err := h.gw.Branding(ctx, h.merchant.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.DisplayName != "Chan's" || b.Color != "#d9480f" || b.MaxAmount != 50000 || fmt.Sprint(b.PresetAmounts) != "[4800 6850]" ||
			b.Greetings["zh-Hant"] != "歡迎光臨！" || len(b.Greetings) != 2 || b.LogoType != "image/png" || !bytes.Equal(b.Logo, logo) {
			t.Fatalf("saved branding %+v", b)
		}
		wantList(t, "audit after save", h.auditActions(t, h.merchant), []string{"logo_uploaded:" + h.merchant.ID, "branding_changed:" + h.merchant.ID})
		resp, page = owner.get("/dashboard/branding?done=branding_changed")
		wantPage(t, "branding after save", resp, page, 200, "Branding saved.", `id="logo-now" src="/m/`+h.merchant.ID+`/logo?v=`, `value="48.00, 68.50"`, `value="500.00"`, `id="remove_logo"`)
		// The logo is served with its type, not sniffed.
		resp, data := owner.getBytes("/m/" + h.merchant.ID + "/logo")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(data, logo) {
			t.Fatalf("logo: %d %v", resp.StatusCode, resp.Header)
		}
		// The customer page shows it, and the saved preview too.
		status, _, cust := h.page(t, "GET", "/c/"+sh.code.Value, hkUA, "", nil)
		if status != 200 || !strings.Contains(cust, `<img class="logo" src="/m/`+h.merchant.ID+`/logo"`) || !strings.Contains(cust, "歡迎光臨！") {
			t.Fatalf("customer page %d:\n%s", status, cust)
		}
		if _, page = owner.get("/dashboard/branding/preview?lang=en"); !strings.Contains(page, `src="/m/`+h.merchant.ID+`/logo"`) || !strings.Contains(page, "Welcome!") {
			t.Fatalf("saved preview:\n%s", page)
		}

		// Saving again without a file keeps the logo; a greeting change is audited alone.
		resp, page = owner.postFiles("/dashboard/branding", with("greeting_en", "Hello!"), nil)
		wantPage(t, "save greeting", resp, page, 303)
		if b, _ := h.gw.Branding(ctx, h.merchant.ID); !bytes.Equal(b.Logo, logo) || b.Greetings["en"] != "Hello!" {
			t.Fatalf("after the greeting change %+v", b)
		}
		// Remove the logo.
		good["greeting_en"] = "Hello!"
		resp, page = owner.postFiles("/dashboard/branding", with("remove_logo", "yes"), nil)
		wantPage(t, "remove logo", resp, page, 303)
		if resp, _ := owner.get("/m/" + h.merchant.ID + "/logo"); resp.StatusCode != 404 {
			t.Fatalf("removed logo still served: %d", resp.StatusCode)
		}
		wantList(t, "audit after removal", h.auditActions(t, h.merchant), []string{"logo_uploaded:" + h.merchant.ID, "branding_changed:" + h.merchant.ID,
			"branding_changed:" + h.merchant.ID, "logo_removed:" + h.merchant.ID})
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID, Limit: 2}) {
			if e.Action == entrypay.AuditBrandingChanged && e.Detail != "greetings" {
				t.Fatalf("branding_changed detail %q, want greetings", e.Detail)
			}
		}

		// A viewer sees the branding and may not post either form.
		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		resp, page = viewer.get("/dashboard/branding")
		wantPage(t, "viewer's branding page", resp, page, 200, "Hello!")
		if strings.Contains(page, `id="save-button"`) {
			t.Fatalf("a viewer is shown the form")
		}
		vcsrf := hidden(t, page, "csrf")
		for _, path := range []string{"/dashboard/branding", "/dashboard/branding/preview"} {
			resp, page := viewer.postFiles(path, map[string]string{"csrf": vcsrf, "color": "#000000"}, map[string][]byte{"logo": logo})
			wantPage(t, "viewer POST "+path, resp, page, 403)
		}
		if b, _ := h.gw.Branding(ctx, h.merchant.ID); b.Color != "#d9480f" || b.LogoType != "" {
			t.Fatalf("the viewer changed the branding: %+v", b)
		}
		// Another merchant's owner edits only its own branding.
		other := h.signedIn(t, h.live, entrypay.RoleOwner)
		resp, page = other.postFiles("/dashboard/branding", map[string]string{"csrf": other.csrfOf("/dashboard/stores"), "color": "#123456"}, nil)
		wantPage(t, "other merchant's save", resp, page, 303)
		if b, _ := h.gw.Branding(ctx, h.merchant.ID); b.Color != "#d9480f" {
			t.Fatalf("another merchant changed this one's branding: %+v", b)
		}
		if b, _ := h.gw.Branding(ctx, h.live.ID); b.Color != "#123456" {
			t.Fatalf("the other merchant's branding: %+v", b)
		}
	})
}

func TestDashboardSettlement(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		clock := &movableClock{}
		clock.MoveTo(clock.at(10, time.Now().In(entrypay.DefaultClearing.Location).AddDate(0, 0, 1)))
		h := newHarnessAt(t, kind, clock.Now)
		ctx := context.Background()
		date := h.gw.ClearingOf().Date(clock.Now())
		h.paid(t, h.merchant, "order-1", 1250)
		h.paid(t, h.live, "order-2", 990)

		// Before the day closes: the batch is open, without reports.
		owner := h.signedIn(t, h.merchant, entrypay.RoleOwner)
		resp, page := owner.get("/dashboard/settlement")
		batchID := entrypay.BatchID(h.merchant.ID, "HKD", date)
		wantPage(t, "open batch", resp, page, 200, `<title>Settlement — Noodle Bar</title>`, `id="batch-`+batchID+`"`, "OPEN", "Still collecting")
		if strings.Contains(page, "/details") || strings.Contains(page, "/transactions") {
			t.Fatalf("reports offered for an open batch:\n%s", page)
		}
		resp, page = owner.get("/dashboard/settlement/batches/" + batchID + "/details")
		wantPage(t, "open batch's report", resp, page, 409, "still open")
		resp, page = owner.get("/dashboard/settlement/days/" + date + "/transactions")
		wantPage(t, "open day's report", resp, page, 409, "is not over")

		clock.Advance(15 * time.Hour)
		if _, err := h.gw.CloseDay(ctx, date); err != nil {
			t.Fatal(err)
		}
		owner = h.signedIn(t, h.merchant, entrypay.RoleOwner) // the clock moved past the session
		resp, page = owner.get("/dashboard/settlement")
		wantPage(t, "closed batch", resp, page, 200, "CLOSED", "12.50 HKD", "/dashboard/settlement/batches/"+batchID+"/details", "/dashboard/settlement/batches/"+batchID+"/summary",
			"/dashboard/settlement/days/"+date+"/transactions")
		if strings.Contains(page, h.live.ID) {
			t.Fatalf("another merchant's batch is listed:\n%s", page)
		}

		// The files are the report API's, byte for byte.
		api := func(path, body string) ams.ReportResponse {
			res, raw := h.call(t, h.merchant, path, body)
			var r ams.ReportResponse
			_ = json.Unmarshal(raw, &r)
			if res.ResultStatus != "S" {
				t.Fatalf("%s: %s", path, raw)
			}
			return r
		}
		for _, c := range []struct {
			path string
			want ams.ReportResponse
		}{
			{"/dashboard/settlement/batches/" + batchID + "/details", api(ams.PathSettlementItems, `{"settlementBatchId":"`+batchID+`"}`)},
			{"/dashboard/settlement/batches/" + batchID + "/summary", api(ams.PathSettlementSummary, `{"settlementBatchId":"`+batchID+`"}`)},
			{"/dashboard/settlement/days/" + date + "/transactions", api(ams.PathTransactionItems, `{"transactionDate":"`+date+`"}`)},
		} {
			resp, data := owner.getBytes(c.path)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
				resp.Header.Get("Content-Disposition") != "attachment; filename="+c.want.FileName {
				t.Fatalf("%s: %d %v", c.path, resp.StatusCode, resp.Header)
			}
			if string(data) != c.want.FileContent || !strings.Contains(string(data), "1250") {
				t.Fatalf("%s differs from the report API's file:\n%s\n---\n%s", c.path, data, c.want.FileContent)
			}
		}
		// A viewer downloads too.
		viewer := h.signedIn(t, h.merchant, entrypay.RoleViewer)
		if resp, _ := viewer.getBytes("/dashboard/settlement/batches/" + batchID + "/summary"); resp.StatusCode != 200 {
			t.Fatalf("viewer's download: %d", resp.StatusCode)
		}
		// Another merchant's batch, a day it has no batch on, an unknown report: 404.
		theirs := entrypay.BatchID(h.live.ID, "HKD", date)
		for _, path := range []string{"/dashboard/settlement/batches/" + theirs + "/details", "/dashboard/settlement/batches/" + theirs + "/summary",
			"/dashboard/settlement/batches/stl_nosuch/details", "/dashboard/settlement/batches/" + batchID + "/everything",
			"/dashboard/settlement/days/2020-01-01/transactions", "/dashboard/settlement/days/yesterday/transactions"} {
			resp, page := owner.get(path)
			wantPage(t, path, resp, page, 404)
		}
		// The other merchant sees its own batch only, and not this one's files.
		other := h.signedIn(t, h.live, entrypay.RoleOwner)
		if _, page := other.get("/dashboard/settlement"); strings.Contains(page, batchID) || !strings.Contains(page, theirs) {
			t.Fatalf("the other merchant's settlement page:\n%s", page)
		}
		if resp, _ := other.get("/dashboard/settlement/batches/" + batchID + "/details"); resp.StatusCode != 404 {
			t.Fatalf("the other merchant got this one's report: %d", resp.StatusCode)
		}
	})
}
