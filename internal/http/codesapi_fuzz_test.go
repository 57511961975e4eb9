package http

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// FuzzCodesRequests feeds arbitrary bodies through every codes API's request parser:
// whatever comes in, the answer is PARAM_ILLEGAL (or an unsupported currency) naming a
// field, or an input that holds what the API needs.
func FuzzCodesRequests(f *testing.F) {
	f.Add([]byte(`{"storeName":"Central","storeDisplayName":"Noodle Bar","referenceStoreId":"S-1"}`))
	f.Add([]byte(`{"storeId":"sto_1","codeLabel":"Table 4","fixedAmount":{"currency":"HKD","value":"4800"}}`))
	f.Add([]byte(`{"storeId":"sto_1","codeStatus":"DISABLED"}`))
	f.Add([]byte(`{"codeValue":"ABCDEFGHJKMN","imageFormat":"poster","paperSize":"a5","payload":"emv"}`))
	f.Add([]byte(`{"displayName":"Chan's","themeColor":"#D9480F","greetings":{"en":"Hi","xx":"?"},"presetAmounts":[{"currency":"HKD","value":"100"}],"maxAmount":{"currency":"HKD","value":"500"},"logo":{"mediaType":"image/png","imageData":"iVBORw0KGgo="},"removeLogo":"false"}`))
	f.Add([]byte(`{"fixedAmount":{"value":{}},"greetings":[1]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(what string, err error) bool {
			t.Helper()
			if err == nil {
				return true
			}
			if c := entrypay.ErrorCodeOf(err); c != entrypay.EInvalid && c != entrypay.ECurrencyNotSupported {
				t.Fatalf("%s: error %v has code %s", what, err, c)
			}
			return false
		}
		if in, err := createStoreInput(body); check("createStore", err) && in.Name == "" {
			t.Fatalf("createStore accepted %+v", in)
		}
		if in, err := createCodeInput(body); check("createCode", err) && (in.StoreID == "" || in.FixedAmount.Value < 0) {
			t.Fatalf("createCode accepted %+v", in)
		}
		if _, status, err := listCodesInput(body); check("listCodes", err) && status != "" && status != entrypay.CodeActive && status != entrypay.CodeDisabled {
			t.Fatalf("listCodes accepted status %q", status)
		}
		if v, err := codeValueInput(body); check("codeValue", err) {
			if _, ok := entrypay.NormalizeCode(v); !ok {
				t.Fatalf("codeValue accepted %q", v)
			}
		}
		if v, format, paper, payload, err := codeImageInput(body); check("codeImage", err) {
			if _, ok := entrypay.NormalizeCode(v); !ok || (format != "png" && format != "svg" && format != "poster") ||
				(paper != "A5" && paper != "A6") || (payload != "url" && payload != "emv") {
				t.Fatalf("codeImage accepted %q %q %q %q", v, format, paper, payload)
			}
		}
		if b, keep, err := setBrandingInput(body, "HKD"); check("setBranding", err) {
			if len(b.Logo) > 0 && (keep || len(b.Logo) > entrypay.MaxLogoBytes) {
				t.Fatalf("setBranding accepted a logo of %d bytes (keep %v)", len(b.Logo), keep)
			}
			if b.Color != "" && !hexColor(b.Color) || len(b.PresetAmounts) > 6 {
				t.Fatalf("setBranding accepted %+v", b)
			}
			for _, v := range b.PresetAmounts {
				if v <= 0 {
					t.Fatalf("setBranding accepted preset %d", v)
				}
			}
		}
	})
}
