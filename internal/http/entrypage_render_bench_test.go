package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// BenchmarkRenderAmount measures the amount page's rendering alone (renderAmount: the
// page's data in the customer's language and the template), for a branded store of a
// code as CodePage returns it. BenchmarkEntryPage measures the whole GET, database reads
// included.
func BenchmarkRenderAmount(b *testing.B) {
	s := NewServer(Config{PublicURL: "https://pay.example"})
	wallet, ok := s.cfg.Wallets.Detect(benchUA)
	if !ok {
		b.Fatalf("no wallet detected in %q", benchUA)
	}
	now := time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC)
	m := &entrypay.Merchant{ID: "mer_01JDQ8W3Y5Z6A7B8C9D0E1F2G3", Name: "Noodle Bar", MCC: "5812", Region: "HK", SettlementCurrency: "HKD", CreatedAt: now}
	cp := &entrypay.CodePage{
		Code:     &entrypay.EntryCode{Value: "K7M2Q9X4T8WR", MerchantID: m.ID, StoreID: "sto_01JDQ8W3Y5Z6A7B8C9D0E1F2G4", Label: "Counter", Status: entrypay.CodeActive, CreatedAt: now, UpdatedAt: now},
		Store:    &entrypay.Store{ID: "sto_01JDQ8W3Y5Z6A7B8C9D0E1F2G4", MerchantID: m.ID, Name: "陳記麵家", DisplayName: "Noodle Bar", Currency: "HKD", CreatedAt: now},
		Merchant: m,
		Branding: &entrypay.Branding{
			MerchantID: m.ID, Color: "#d9480f",
			Greetings:     map[string]string{"en": "Welcome!", "zh-Hant": "歡迎！"},
			PresetAmounts: []int64{4800, 6800, 8800}, MaxAmount: 100000,
			Logo: []byte("\x89PNG\r\n\x1a\n"), LogoType: "image/png", UpdatedAt: now,
		},
	}
	for _, lang := range []string{"en", "zh-Hant"} {
		b.Run(lang, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/c/"+cp.Code.Value+"?lang="+lang, nil)
			req.Header.Set("User-Agent", benchUA)
			rec := httptest.NewRecorder()
			s.renderAmount(rec, req, cp, wallet, lang, newRequestToken(), "", "")
			if page := rec.Body.String(); rec.Code != http.StatusOK || !strings.Contains(page, `lang="`+lang+`"`) || !strings.Contains(page, "HK$48.00") {
				b.Fatalf("amount page: HTTP %d\n%s", rec.Code, page)
			}
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.renderAmount(rec, req, cp, wallet, lang, newRequestToken(), "", "")
				if rec.Code != http.StatusOK {
					b.Fatalf("amount page: HTTP %d\n%s", rec.Code, rec.Body)
				}
			}
		})
	}
}
