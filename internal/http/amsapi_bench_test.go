package http

import (
	"testing"

	"github.com/entrypay/entrypay/ams"
)

// benchUA is the AlipayHK User-Agent the merchant API tests send (hkUA in amsapi_test.go).
const benchUA = "Mozilla/5.0 (Linux; Android 13) AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK AlipayConnect"

// payBodies are pay requests as merchants send them: "tests" is the body of the merchant
// API tests (payBody in amsapi_test.go); "sdk" has every optional field amsPay reads, and
// a few an official SDK sends that it ignores.
var payBodies = []struct {
	name string
	body string
}{
	{"tests", `{"productCode":"IN_STORE_PAYMENT","paymentRequestId":"order-1","paymentAmount":{"currency":"HKD","value":"1250"},` +
		`"paymentMethod":{"paymentMethodType":"CONNECT_WALLET"},"paymentFactor":{"inStorePaymentScenario":"EntryCode"},` +
		`"paymentNotifyUrl":"https://merchant.example/n","order":{"orderDescription":"noodles","merchant":{"merchantName":"Noodle Bar","store":{"referenceStoreId":"S1","storeName":"Central","storeMcc":"5812"}},"env":{"userAgent":"` + benchUA + `"}}}`},
	{"sdk", `{"productCode":"IN_STORE_PAYMENT","paymentRequestId":"2026112614300012345678","paymentAmount":{"currency":"HKD","value":"12850"},` +
		`"paymentMethod":{"paymentMethodType":"CONNECT_WALLET","customerId":"cust-000981"},` +
		`"paymentFactor":{"inStorePaymentScenario":"EntryCode"},"paymentExpiryTime":"2026-11-26T14:45:00+08:00",` +
		`"paymentNotifyUrl":"https://pos.merchant.example/antom/notify?store=S1","paymentRedirectUrl":"https://pos.merchant.example/done/2026112614300012345678",` +
		`"settlementStrategy":{"settlementCurrency":"USD"},"merchantRegion":"HK",` +
		`"order":{"referenceOrderId":"ORD-2026-11-26-000123","orderDescription":"2 × beef noodles, 1 × milk tea",` +
		`"orderAmount":{"currency":"HKD","value":"12850"},` +
		`"merchant":{"referenceMerchantId":"M-77","merchantMCC":"5812","merchantName":"Noodle Bar","store":{"referenceStoreId":"S1","storeName":"陳記麵家 Central","storeMCC":"5812","storeTerminalId":"T-03"}},` +
		`"env":{"terminalType":"APP","osType":"ANDROID","userAgent":"` + benchUA + `","clientIp":"203.0.113.24","deviceTokenId":"dev-8f3a2c","cookieId":"ck-51d0e7"}}}`},
}

// BenchmarkPayRequest measures what amsPay does with a pay body before it calls the
// gateway: decode it strictly (jsonwire, unknown fields refused) into ams.PayRequest and
// check it field by field into an entrypay.PayInput. Signature checking comes before it
// (BenchmarkVerify, BenchmarkParseHeader and BenchmarkParsePublicKey in antomsig); the
// gateway's Pay after it (BenchmarkPay).
func BenchmarkPayRequest(b *testing.B) {
	for _, tc := range payBodies {
		b.Run(tc.name, func(b *testing.B) {
			body := []byte(tc.body)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				var req ams.PayRequest
				if err := decode(body, &req); err != nil {
					b.Fatal(err)
				}
				in, err := payInput(&req)
				if err != nil {
					b.Fatal(err)
				}
				if in.Amount.Value == 0 || in.UserAgent == "" {
					b.Fatalf("payInput = %+v", in)
				}
			}
		})
	}
}
