package http_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// codesPath is a codes API's sandbox path (the harness's merchant is a sandbox one).
func codesPath(api string) string { return ams.SandboxPrefix + "/v1/codes/" + api }

// wantResult checks an answer's result code and that its message names want.
func wantResult(t *testing.T, what string, res ams.Result, body []byte, code, want string) {
	t.Helper()
	if res.ResultCode != code || !strings.Contains(res.ResultMessage, want) {
		t.Fatalf("%s: got %s %q, want %s naming %q\n%s", what, res.ResultCode, res.ResultMessage, code, want, body)
	}
}

// codesCall calls the API and decodes a successful answer into v.
func (h *harness) codesCall(t *testing.T, m *entrypay.Merchant, api, body string, v any) {
	t.Helper()
	res, raw := h.call(t, m, codesPath(api), body)
	if res.ResultStatus != "S" {
		t.Fatalf("%s: %s", api, raw)
	}
	// Answers leave out empty fields: decode each into a zero value.
	reflect.ValueOf(v).Elem().SetZero()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v\n%s", api, err, raw)
	}
}

func b64(data []byte) string { return base64.StdEncoding.EncodeToString(data) }

// svgParses checks data is well-formed XML with an <svg> root.
func svgParses(t *testing.T, what string, data []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s does not parse: %v", what, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element %q", what, root)
	}
}

func TestCodesAPI(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		m := h.merchant
		// Another merchant's store and code, which m must not reach.
		theirs, err := h.gw.CreateStore(ctx, entrypay.NewStore{MerchantID: h.live.ID, Name: "Theirs"})
		if err != nil {
			t.Fatal(err)
		}
		theirCode, err := h.gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: theirs.ID})
		if err != nil {
			t.Fatal(err)
		}

		var stores ams.ListStoresResponse
		h.codesCall(t, m, "listStores", `{}`, &stores)
		if stores.Stores == nil || len(stores.Stores) != 0 {
			t.Fatalf("stores before any: %+v", stores)
		}

		// createStore: bad input names the field and writes nothing.
		for _, tc := range []struct{ body, want string }{
			{`{}`, "storeName is required"},
			{`{"storeName":"  "}`, "name is required"},
			{`{"storeName":"Central","storeDisplayName":"` + strings.Repeat("x", 129) + `"}`, "storeDisplayName is longer than 128"},
			{`{"storeName":"Central","referenceStoreId":"` + strings.Repeat("r", 65) + `"}`, "referenceStoreId is longer than 64"},
			{`{"storeName":{"a":1}}`, "storeName"},
			{`{"storeName":"Central","storeColour":"red"}`, "storeColour"},
			{``, "request body is empty"},
		} {
			res, body := h.call(t, m, codesPath("createStore"), tc.body)
			wantResult(t, "createStore "+tc.body, res, body, "PARAM_ILLEGAL", tc.want)
		}
		if n := len(h.storeList(t, m)); n != 0 {
			t.Fatalf("%d stores after refused requests", n)
		}
		var created ams.CreateStoreResponse
		h.codesCall(t, m, "createStore", `{"storeName":"Central","storeDisplayName":"Noodle Bar Central","referenceStoreId":"S-1"}`, &created)
		if !strings.HasPrefix(created.StoreID, "sto_") || created.Store == nil || created.Store.ReferenceStoreID != "S-1" || created.Store.Currency != "HKD" || created.Store.StoreMCC != "5812" {
			t.Fatalf("createStore: %+v", created)
		}
		storeID := created.StoreID
		// The same request again finds the same store; the reference with another name is
		// a conflict.
		var again ams.CreateStoreResponse
		h.codesCall(t, m, "createStore", `{"storeName":"Central","storeDisplayName":"Noodle Bar Central","referenceStoreId":"S-1"}`, &again)
		if again.StoreID != storeID {
			t.Fatalf("createStore again: %s, want %s", again.StoreID, storeID)
		}
		res, body := h.call(t, m, codesPath("createStore"), `{"storeName":"Causeway Bay","referenceStoreId":"S-1"}`)
		wantResult(t, "reference reused", res, body, "REPEAT_REQ_INCONSISTENT", "S-1")
		h.codesCall(t, m, "listStores", `{}`, &stores)
		if len(stores.Stores) != 1 || stores.Stores[0].StoreID != storeID || stores.Stores[0].StoreDisplayName != "Noodle Bar Central" {
			t.Fatalf("listStores: %+v", stores)
		}

		// createCode.
		for _, tc := range []struct{ body, want string }{
			{`{}`, "storeId is required"},
			{`{"storeId":"` + storeID + `","codeLabel":"` + strings.Repeat("x", 65) + `"}`, "codeLabel is longer than 64"},
			{`{"storeId":"` + storeID + `","fixedAmount":{"currency":"HKD","value":"-5"}}`, "fixedAmount"},
			{`{"storeId":"` + storeID + `","fixedAmount":{"currency":"HKD","value":"0"}}`, `fixedAmount.value "0" must be a positive integer`},
			{`{"storeId":"` + storeID + `","fixedAmount":{"currency":"USD","value":"500"}}`, "fixedAmount.currency USD"},
			{`{"storeId":"` + storeID + `","fixedAmount":{"value":"500"}}`, "fixedAmount"},
			{`{"storeId":"` + theirs.ID + `"}`, "storeId: no store"},
			{`{"storeId":"sto_nope"}`, "storeId: no store"},
		} {
			res, body := h.call(t, m, codesPath("createCode"), tc.body)
			wantResult(t, "createCode "+tc.body, res, body, "PARAM_ILLEGAL", tc.want)
		}
		if list := h.storeList(t, h.live); len(list) != 1 || len(list[0].Codes) != 1 {
			t.Fatalf("the other merchant's codes changed: %+v", list)
		}
		var code ams.CodeResponse
		h.codesCall(t, m, "createCode", `{"storeId":"`+storeID+`","codeLabel":"Table 4"}`, &code)
		c := code.Code
		if c == nil || len(c.CodeValue) != entrypay.CodeLength || c.CodeStatus != "ACTIVE" || c.StoreID != storeID || c.CodeLabel != "Table 4" ||
			c.CodeURL != entrypay.CodeURL(h.url, c.CodeValue) || !strings.HasPrefix(c.EmvPayload, "000201") || !strings.Contains(c.EmvPayload, "/C/"+c.CodeValue) {
			t.Fatalf("createCode: %+v", c)
		}
		value := c.CodeValue
		var fixed ams.CodeResponse
		h.codesCall(t, m, "createCode", `{"storeId":"`+storeID+`","codeLabel":"Bowl","fixedAmount":{"currency":"HKD","value":"4800"}}`, &fixed)
		if fixed.Code == nil || fixed.Code.FixedAmount == nil || fixed.Code.FixedAmount.Value != "4800" {
			t.Fatalf("fixed code: %+v", fixed.Code)
		}
		// The customer page renders the new code.
		status, _, page := h.page(t, "GET", "/c/"+value+"?lang=en", hkUA, "", nil)
		if status != 200 || !strings.Contains(page, "Noodle Bar Central") {
			t.Fatalf("customer page: %d\n%s", status, page)
		}
		token(t, page)
		if status, _, page := h.page(t, "GET", "/c/"+fixed.Code.CodeValue+"?lang=en", hkUA, "", nil); status != 200 || !strings.Contains(page, "48.00") {
			t.Fatalf("fixed-amount page: %d\n%s", status, page)
		}

		// listCodes.
		var codes ams.ListCodesResponse
		h.codesCall(t, m, "listCodes", `{}`, &codes)
		if len(codes.Codes) != 2 || codes.Codes[0].CodeValue != value {
			t.Fatalf("listCodes: %+v", codes)
		}
		h.codesCall(t, m, "listCodes", `{"storeId":"`+storeID+`","codeStatus":"DISABLED"}`, &codes)
		if len(codes.Codes) != 0 {
			t.Fatalf("disabled codes: %+v", codes)
		}
		for _, tc := range []struct{ body, want string }{
			{`{"codeStatus":"GONE"}`, "codeStatus must be ACTIVE or DISABLED"},
			{`{"storeId":"` + theirs.ID + `"}`, "storeId: no store"},
		} {
			res, body := h.call(t, m, codesPath("listCodes"), tc.body)
			wantResult(t, "listCodes "+tc.body, res, body, "PARAM_ILLEGAL", tc.want)
		}

		// disableCode, enableCode, replaceCode: bad values and another merchant's code.
		for _, api := range []string{"disableCode", "enableCode", "replaceCode", "codeImage"} {
			for _, tc := range []struct{ body, want string }{
				{`{}`, "codeValue is required"},
				{`{"codeValue":"not-a-code"}`, "codeValue \"not-a-code\" is not an entry code"},
				{`{"codeValue":"` + theirCode.Value + `"}`, "codeValue: no entry code"},
				{`{"codeValue":"ZZZZZZZZZZZZ"}`, "codeValue: no entry code"},
			} {
				res, body := h.call(t, m, codesPath(api), tc.body)
				wantResult(t, api+" "+tc.body, res, body, "PARAM_ILLEGAL", tc.want)
			}
		}
		if cp, err := h.gw.CodePage(ctx, theirCode.Value); err != nil || cp.Code.Status != entrypay.CodeActive || cp.Code.ReplacedBy != "" {
			t.Fatalf("the other merchant's code changed: %+v %v", cp, err)
		}

		h.codesCall(t, m, "disableCode", `{"codeValue":"`+strings.ToLower(value)+`"}`, &code)
		if code.Code.CodeValue != value || code.Code.CodeStatus != "DISABLED" {
			t.Fatalf("disableCode: %+v", code.Code)
		}
		if status, _, page := h.page(t, "GET", "/c/"+value+"?lang=en", hkUA, "", nil); status != http.StatusGone || !strings.Contains(page, "no longer in use") {
			t.Fatalf("disabled code's page: %d\n%s", status, page)
		}
		h.codesCall(t, m, "listCodes", `{"storeId":"`+storeID+`","codeStatus":"DISABLED"}`, &codes)
		if len(codes.Codes) != 1 || codes.Codes[0].CodeValue != value {
			t.Fatalf("disabled codes: %+v", codes)
		}
		h.codesCall(t, m, "enableCode", `{"codeValue":"`+value+`"}`, &code)
		if code.Code.CodeStatus != "ACTIVE" {
			t.Fatalf("enableCode: %+v", code.Code)
		}
		if status, _, _ := h.page(t, "GET", "/c/"+value, hkUA, "", nil); status != 200 {
			t.Fatalf("enabled code's page: %d", status)
		}
		var replaced ams.CodeResponse
		h.codesCall(t, m, "replaceCode", `{"codeValue":"`+value+`"}`, &replaced)
		if replaced.ReplacedCodeValue != value || replaced.Code.CodeValue == value || replaced.Code.CodeStatus != "ACTIVE" || replaced.Code.CodeLabel != "Table 4" {
			t.Fatalf("replaceCode: %+v", replaced)
		}
		h.codesCall(t, m, "listCodes", `{"codeStatus":"DISABLED"}`, &codes)
		if len(codes.Codes) != 1 || codes.Codes[0].ReplacedBy != replaced.Code.CodeValue {
			t.Fatalf("replaced code: %+v", codes)
		}
		res, body = h.call(t, m, codesPath("enableCode"), `{"codeValue":"`+value+`"}`)
		wantResult(t, "enable a replaced code", res, body, "PARAM_ILLEGAL", "was replaced by "+replaced.Code.CodeValue)
		value = replaced.Code.CodeValue

		// codeImage in each format.
		for _, tc := range []struct{ body, mediaType, name string }{
			{`{"codeValue":"` + value + `"}`, "image/png", "entry-code-" + value + ".png"},
			{`{"codeValue":"` + value + `","imageFormat":"png","payload":"emv"}`, "image/png", "entry-code-" + value + ".png"},
			{`{"codeValue":"` + value + `","imageFormat":"svg"}`, "image/svg+xml", "entry-code-" + value + ".svg"},
			{`{"codeValue":"` + value + `","imageFormat":"poster","paperSize":"a5"}`, "image/svg+xml", "entry-code-" + value + "-poster-A5.svg"},
		} {
			var img ams.CodeImageResponse
			h.codesCall(t, m, "codeImage", tc.body, &img)
			data, err := base64.StdEncoding.DecodeString(img.ImageData)
			if err != nil || img.MediaType != tc.mediaType || img.FileName != tc.name {
				t.Fatalf("codeImage %s: %s %s %v", tc.body, img.MediaType, img.FileName, err)
			}
			if tc.mediaType == "image/png" {
				if p, err := png.Decode(bytes.NewReader(data)); err != nil || p.Bounds().Dx() < 100 {
					t.Fatalf("codeImage %s: PNG does not decode: %v", tc.body, err)
				}
			} else {
				svgParses(t, "codeImage "+tc.body, data)
			}
		}
		for _, tc := range []struct{ body, want string }{
			{`{"codeValue":"` + value + `","imageFormat":"gif"}`, "imageFormat must be png, svg or poster"},
			{`{"codeValue":"` + value + `","imageFormat":"poster","paperSize":"A4"}`, "paperSize must be A5 or A6"},
			{`{"codeValue":"` + value + `","paperSize":"A5"}`, "paperSize is for imageFormat poster only"},
			{`{"codeValue":"` + value + `","payload":"bits"}`, "payload must be url or emv"},
		} {
			res, body := h.call(t, m, codesPath("codeImage"), tc.body)
			wantResult(t, "codeImage "+tc.body, res, body, "PARAM_ILLEGAL", tc.want)
		}

		// Branding.
		var got ams.BrandingResponse
		h.codesCall(t, m, "getBranding", `{}`, &got)
		if got.Branding == nil || got.Branding.Logo != nil || got.Branding.ThemeColor != "" {
			t.Fatalf("branding before any: %+v", got.Branding)
		}
		logo := pngOf(t, 96, 48, false)
		good := func(logoJSON string) string {
			return `{"displayName":"Chan's","themeColor":"#D9480F","greetings":{"en":"Welcome!","zh-Hant":"歡迎光臨！"},` +
				`"presetAmounts":[{"currency":"HKD","value":"4800"},{"currency":"HKD","value":"6850"}],"maxAmount":{"currency":"HKD","value":"50000"}` + logoJSON + `}`
		}
		withLogo := func(mediaType string, data []byte) string {
			return good(`,"logo":{"mediaType":"` + mediaType + `","imageData":"` + b64(data) + `"}`)
		}
		for _, tc := range []struct{ what, body, want string }{
			{"text as logo", withLogo("image/png", []byte("hello, I am not an image")), "logo.imageData: the file is not a PNG, JPEG, GIF or WebP image"},
			{"svg as logo", withLogo("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)), "logo.imageData: the file is not a PNG"},
			{"oversized logo", withLogo("image/png", pngOf(t, 400, 400, true)), "logo.imageData: the file is larger than 256 KB"},
			{"huge image", withLogo("image/png", pngOf(t, 3000, 10, false)), "logo.imageData: the image is 3000×10 pixels"},
			{"wrong media type", withLogo("image/jpeg", logo), "logo.mediaType \"image/jpeg\" is not the image's type image/png"},
			{"not base64", good(`,"logo":{"mediaType":"image/png","imageData":"%%%"}`), "logo.imageData is not base64"},
			{"no image data", good(`,"logo":{"mediaType":"image/png"}`), "logo.imageData is required"},
			{"logo and removal", good(`,"removeLogo":"true","logo":{"mediaType":"image/png","imageData":"` + b64(logo) + `"}`), "removeLogo"},
			{"bad colour", `{"themeColor":"red"}`, "themeColor \"red\" must be #rrggbb"},
			{"unknown language", `{"greetings":{"xx":"hi"}}`, "greetings: language \"xx\""},
			{"long greeting", `{"greetings":{"en":"` + strings.Repeat("x", 141) + `"}}`, "greeting (en) must be at most 140"},
			{"preset in USD", `{"presetAmounts":[{"currency":"USD","value":"100"}]}`, "presetAmounts[0].currency must be HKD"},
			{"preset zero", `{"presetAmounts":[{"currency":"HKD","value":"0"}]}`, `presetAmounts[0].value "0" must be a positive integer`},
			{"preset above max", `{"presetAmounts":[{"currency":"HKD","value":"900"}],"maxAmount":{"currency":"HKD","value":"500"}}`, "preset amount"},
			{"long display name", `{"displayName":"` + strings.Repeat("x", 65) + `"}`, "displayName is longer than 64"},
			{"bad removeLogo", `{"removeLogo":"maybe"}`, "removeLogo must be true or false"},
		} {
			res, body := h.call(t, m, codesPath("setBranding"), tc.body)
			wantResult(t, "setBranding "+tc.what, res, body, "PARAM_ILLEGAL", tc.want)
		}
		if b, err := h.gw.Branding(ctx, m.ID); err != nil || b.Color != "" || len(b.Logo) != 0 {
			t.Fatalf("branding after refused requests: %+v %v", b, err)
		}
		var set ams.BrandingResponse
		h.codesCall(t, m, "setBranding", withLogo("image/png", logo), &set)
		sb := set.Branding
		if sb == nil || sb.ThemeColor != "#d9480f" || sb.DisplayName != "Chan's" || sb.Greetings["zh-Hant"] != "歡迎光臨！" || len(sb.PresetAmounts) != 2 ||
			sb.MaxAmount == nil || sb.MaxAmount.Value != "50000" || sb.Logo == nil || string(sb.Logo.MediaType) != "image/png" || string(sb.Logo.ImageData) != b64(logo) {
			t.Fatalf("setBranding: %+v", sb)
		}
		status, _, cust := h.page(t, "GET", "/c/"+value, hkUA, "", nil)
		if status != 200 || !strings.Contains(cust, `<img class="logo" src="/m/`+m.ID+`/logo"`) || !strings.Contains(cust, "歡迎光臨！") {
			t.Fatalf("customer page after branding %d:\n%s", status, cust)
		}
		// Without a logo the logo is kept; getBranding shows what was saved.
		h.codesCall(t, m, "setBranding", `{"themeColor":"#0a7cff","greetings":{"en":"Hello!"}}`, &set)
		h.codesCall(t, m, "getBranding", `{}`, &got)
		if gb := got.Branding; gb.ThemeColor != "#0a7cff" || gb.Greetings["en"] != "Hello!" || len(gb.Greetings) != 1 || gb.Logo == nil || string(gb.Logo.ImageData) != b64(logo) || len(gb.PresetAmounts) != 0 {
			t.Fatalf("getBranding: %+v", gb)
		}
		h.codesCall(t, m, "setBranding", `{"removeLogo":"true"}`, &set)
		if set.Branding.Logo != nil {
			t.Fatalf("logo not removed: %+v", set.Branding)
		}

		// The Go client speaks these APIs too.
		client, err := ams.NewClient(ams.Config{BaseURL: h.url, ClientID: m.ClientID, PrivateKey: merchantKey, GatewayKey: &gatewayKey.PublicKey})
		if err != nil {
			t.Fatal(err)
		}
		if ls, err := client.ListStores(ctx); err != nil || len(ls.Stores) != 1 || ls.Stores[0].StoreID != storeID {
			t.Fatalf("client ListStores: %+v %v", ls, err)
		}
		if gb, err := client.GetBranding(ctx); err != nil || gb.Branding == nil || gb.Branding.Logo != nil {
			t.Fatalf("client GetBranding: %+v %v", gb, err)
		}
		if img, err := client.CodeImage(ctx, &ams.CodeImageRequest{CodeValue: ams.String(value), ImageFormat: "svg"}); err != nil || img.MediaType != "image/svg+xml" {
			t.Fatalf("client CodeImage: %+v %v", img, err)
		}
		_, err = client.CreateCode(ctx, &ams.CreateCodeRequest{StoreID: ams.String(theirs.ID)})
		var re *ams.ResultError
		if !errors.As(err, &re) || re.Result.ResultCode != "PARAM_ILLEGAL" {
			t.Fatalf("client CreateCode for another merchant's store: %v", err)
		}

		// Every change is audited under the client's name.
		wantList(t, "audit", h.auditActions(t, m), []string{
			"store_created:" + storeID, "code_created:" + c.CodeValue, "code_created:" + fixed.Code.CodeValue,
			"code_disabled:" + c.CodeValue, "code_enabled:" + c.CodeValue, "code_replaced:" + c.CodeValue,
			"logo_uploaded:" + m.ID, "branding_changed:" + m.ID, "branding_changed:" + m.ID, "logo_removed:" + m.ID, "branding_changed:" + m.ID,
		})
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: m.ID}) {
			if e.Email != "client "+m.ClientID || e.UserID != "" {
				t.Fatalf("audit entry by %q (user %q)", e.Email, e.UserID)
			}
		}
		if es := h.audit(t, entrypay.AuditQuery{MerchantID: h.live.ID}); len(es) != 0 {
			t.Fatalf("the other merchant has audit entries: %+v", es[0])
		}
	})
}

func TestPartnerCodesAPI(t *testing.T) {
	engines(t, func(t *testing.T, kind string) {
		h := newHarness(t, kind)
		ctx := context.Background()
		partner, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "POS Vendor", MCC: "5812", Region: "HK", SettlementCurrency: "HKD",
			Sandbox: true, Kind: entrypay.KindPartner, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		// A second sandbox merchant: a sandbox partner serves sandbox merchants only.
		b, err := h.gw.CreateMerchant(ctx, entrypay.NewMerchant{Name: "Tea Shop", MCC: "5812", Region: "HK", SettlementCurrency: "HKD",
			Sandbox: true, PublicKey: antomsig.EncodePublicKey(&merchantKey.PublicKey)})
		if err != nil {
			t.Fatal(err)
		}
		now := h.now()
		codesTok := &entrypay.AgentToken{Token: entrypay.NewAgentTokenValue(), PartnerID: partner.ID, MerchantID: h.merchant.ID,
			Scopes: []entrypay.Scope{entrypay.ScopeCodes}, Label: "POS", CreatedAt: now, CreatedBy: "test"}
		payTok := &entrypay.AgentToken{Token: entrypay.NewAgentTokenValue(), PartnerID: partner.ID, MerchantID: b.ID,
			Scopes: []entrypay.Scope{entrypay.ScopePayments, entrypay.ScopeReports}, Label: "POS", CreatedAt: now.Add(time.Second), CreatedBy: "test"}
		revoked := &entrypay.AgentToken{Token: entrypay.NewAgentTokenValue(), PartnerID: partner.ID, MerchantID: b.ID,
			Scopes: []entrypay.Scope{entrypay.ScopeCodes}, CreatedAt: now.Add(2 * time.Second), RevokedAt: now.Add(3 * time.Second), CreatedBy: "test"}
		err = h.db.Store.InTx(ctx, func(tx entrypay.Tx) error {
			for _, tok := range []*entrypay.AgentToken{codesTok, payTok, revoked} {
				if err := tx.InsertAgentToken(ctx, tok); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The partner's own call lists the merchants that authorized it.
		pmPath := ams.SandboxPrefix + "/v1/reports/partnerMerchants"
		res, body := h.agentCall(t, partner.ClientID, merchantKey, 1, pmPath, `{}`, "")
		var pm ams.PartnerMerchantsResponse
		if err := json.Unmarshal(body, &pm); err != nil || res.ResultStatus != "S" || len(pm.Merchants) != 2 ||
			pm.Merchants[0].MerchantID != h.merchant.ID || strings.Join(pm.Merchants[0].Scopes, ",") != "codes" ||
			pm.Merchants[1].MerchantID != b.ID || strings.Join(pm.Merchants[1].Scopes, ",") != "payments,reports" {
			t.Fatalf("partnerMerchants: %s", body)
		}
		// A merchant's own call may not.
		res, body = h.call(t, h.merchant, pmPath, `{}`)
		wantResult(t, "partnerMerchants by a merchant", res, body, "ACCESS_DENIED", "for partners")

		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, codesPath("createStore"), `{"storeName":"Kiosk","referenceStoreId":"POS-1"}`, codesTok.Token)
		var created ams.CreateStoreResponse
		if err := json.Unmarshal(body, &created); err != nil || res.ResultStatus != "S" {
			t.Fatalf("partner createStore for A: %s", body)
		}
		var code ams.CodeResponse
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, codesPath("createCode"), `{"storeId":"`+created.StoreID+`"}`, codesTok.Token)
		if err := json.Unmarshal(body, &code); err != nil || res.ResultStatus != "S" || code.Code == nil {
			t.Fatalf("partner createCode for A: %s", body)
		}
		if cp, err := h.gw.CodePage(ctx, code.Code.CodeValue); err != nil || cp.Merchant.ID != h.merchant.ID {
			t.Fatalf("partner's code is not A's: %+v %v", cp, err)
		}
		for _, e := range h.audit(t, entrypay.AuditQuery{MerchantID: h.merchant.ID}) {
			if (e.Action == entrypay.AuditStoreCreated || e.Action == entrypay.AuditCodeCreated) && e.Email != "partner "+partner.ClientID {
				t.Fatalf("audit entry %s by %q", e.Action, e.Email)
			}
		}
		// Outside the token's scopes.
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, ams.SandboxPrefix+"/v1/reports/settlementBatches", `{}`, codesTok.Token)
		wantResult(t, "reports without scope reports", res, body, "ACCESS_DENIED", "reports")
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, codesPath("listStores"), `{}`, payTok.Token)
		wantResult(t, "codes without scope codes", res, body, "ACCESS_DENIED", "codes")
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, ams.SandboxPrefix+"/v1/reports/settlementBatches", `{}`, payTok.Token)
		if res.ResultStatus != "S" {
			t.Fatalf("reports with scope reports: %s", body)
		}
		// A code of merchant A is out of reach with the token of merchant B.
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, codesPath("disableCode"), `{"codeValue":"`+code.Code.CodeValue+`"}`, payTok.Token)
		wantResult(t, "A's code with B's token", res, body, "ACCESS_DENIED", "codes")
		res, body = h.agentCall(t, partner.ClientID, merchantKey, 1, codesPath("listStores"), `{}`, revoked.Token)
		if res.ResultCode != "ACCESS_DENIED" {
			t.Fatalf("revoked token: %s", body)
		}
	})
}
