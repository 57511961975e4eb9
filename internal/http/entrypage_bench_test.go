package http_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entrypay/entrypay"
	ephttp "github.com/entrypay/entrypay/internal/http"
	"github.com/entrypay/entrypay/internal/sandbox"
	"github.com/entrypay/entrypay/internal/testdb"
)

// benchLogo is a 72×72 PNG of noise (15.7 KB, a merchant logo's size): CodePage reads
// the branding, logo included, for every page.
func benchLogo(b *testing.B) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 72, 72))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range 72 {
		for x := range 72 {
			img.SetNRGBA(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// pageBench is a harness with a branded store and its entry code, one paid payment at
// that code, and a server on the harness's configuration that the benchmark calls in
// process (no network between it and the handler).
type pageBench struct {
	srv   *ephttp.Server
	code  string
	token string // the paid payment's request token
}

func newPageBench(b *testing.B, kind string) *pageBench {
	b.Helper()
	var cfg *ephttp.Config
	h := newHarness(b, kind, func(c *ephttp.Config) { cfg = c })
	ctx := context.Background()
	st, err := h.gw.CreateStore(ctx, entrypay.NewStore{MerchantID: h.merchant.ID, Name: "陳記麵家", DisplayName: "Noodle Bar", Currency: "HKD"})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := h.gw.SetBranding(ctx, entrypay.Branding{
		MerchantID: h.merchant.ID, Color: "#d9480f",
		Greetings:     map[string]string{"en": "Welcome!", "zh-Hant": "歡迎！"},
		PresetAmounts: []int64{4800, 6800, 8800}, MaxAmount: 100000, Logo: benchLogo(b),
	}, false); err != nil {
		b.Fatal(err)
	}
	code, err := h.gw.CreateEntryCode(ctx, entrypay.NewEntryCode{StoreID: st.ID, Label: "Counter"})
	if err != nil {
		b.Fatal(err)
	}
	// The harness's server registered its metrics in h.registry; this one gets its own.
	own := *cfg
	own.Registry = prometheus.NewRegistry()
	pb := &pageBench{srv: ephttp.NewServer(own), code: code.Value}

	// One customer pays at the code: amount page, submit, the wallet side confirms.
	page := pb.get(b, "/c/"+pb.code+"?lang=en").Body.String()
	m := tokenRe.FindStringSubmatch(page)
	if m == nil {
		b.Fatalf("no token in the amount page:\n%s", page)
	}
	pb.token = m[1]
	form := url.Values{"token": {pb.token}, "lang": {"en"}, "amount": {"12.50"}}
	req := httptest.NewRequest(http.MethodPost, "/c/"+pb.code, strings.NewReader(form.Encode()))
	req.Header.Set("User-Agent", hkUA)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	pb.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("submit: HTTP %d\n%s", rec.Code, rec.Body)
	}
	if _, err := h.sb.Finish(ctx, tokenOf(rec.Header().Get("Location")), sandbox.OutcomeSuccess); err != nil {
		b.Fatal(err)
	}
	if p, _, err := h.gw.Payment(ctx, h.merchant, entrypay.PaymentRef{RequestID: pb.token}); err != nil || p.Status != entrypay.PaymentSuccess {
		b.Fatalf("payment after the wallet's confirmation: %+v, %v", p, err)
	}
	return pb
}

// get serves GET target as the AlipayHK in-app browser on its first visit (no device
// cookie) and returns the answer; anything but 200 fails the benchmark.
func (pb *pageBench) get(b *testing.B, target string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.Header.Set("User-Agent", hkUA)
	rec := httptest.NewRecorder()
	pb.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: HTTP %d\n%s", target, rec.Code, rec.Body)
	}
	return rec
}

// BenchmarkEntryPage measures the customer's pages through the real handler: the amount
// page (GET /c/{code}: wallet and language chosen, the code's store, merchant and
// branding read, the page rendered) for a branded merchant, and the result page of a
// paid payment (GET /c/{code}/r/{token}: the code and the payment read, the page
// rendered). BenchmarkRenderAmount measures the amount page's rendering alone.
func BenchmarkEntryPage(b *testing.B) {
	for _, kind := range testdb.Engines() {
		b.Run(kind, func(b *testing.B) {
			pb := newPageBench(b, kind)
			for _, pg := range []struct{ name, path, want string }{
				{"amount", "/c/" + pb.code, `name="token"`},
				{"result", "/c/" + pb.code + "/r/" + pb.token, `data-final="true"`},
			} {
				b.Run(pg.name, func(b *testing.B) {
					for _, lang := range []string{"en", "zh-Hant"} {
						b.Run(lang, func(b *testing.B) {
							target := pg.path + "?lang=" + url.QueryEscape(lang)
							if page := pb.get(b, target).Body.String(); !strings.Contains(page, pg.want) || !strings.Contains(page, `lang="`+lang+`"`) {
								b.Fatalf("GET %s lacks %q or lang=%q:\n%s", target, pg.want, lang, page)
							}
							b.ReportAllocs()
							for b.Loop() {
								pb.get(b, target)
							}
						})
					}
				})
			}
		})
	}
}
