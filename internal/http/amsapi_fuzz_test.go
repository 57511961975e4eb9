package http

import (
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/ams"
)

// FuzzPayRequest feeds arbitrary bodies through the pay request's decoding and field
// checks: whatever comes in, the answer is a typed error naming a field, or a valid input.
func FuzzPayRequest(f *testing.F) {
	f.Add([]byte(`{"productCode":"IN_STORE_PAYMENT","paymentRequestId":"r1","paymentAmount":{"currency":"HKD","value":"100"},"paymentMethod":{"paymentMethodType":"CONNECT_WALLET"},"paymentFactor":{"inStorePaymentScenario":"EntryCode"},"paymentNotifyUrl":"https://m.example/n","order":{"orderDescription":"x","orderAmount":{"currency":"HKD","value":100},"merchant":{"store":{"referenceStoreId":"S","storeMcc":"5812"}},"env":{"userAgent":"AlipayClient"}}}`))
	f.Add([]byte(`{"paymentAmount":{"value":{}}}`))
	f.Add([]byte(`{"order":{"env":{"userAgent":true}},"paymentExpiryTime":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"paymentAmount":{"currency":"IDR","value":"150050"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ams.PayRequest
		if err := decode(body, &req); err != nil {
			if entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
				t.Fatalf("decode error %v is not PARAM_ILLEGAL", err)
			}
			return
		}
		in, err := payInput(&req)
		if err != nil {
			if c := entrypay.ErrorCodeOf(err); c != entrypay.EInvalid && c != entrypay.ECurrencyNotSupported {
				t.Fatalf("payInput error %v has code %s", err, c)
			}
			return
		}
		if in.RequestID == "" || in.UserAgent == "" || in.Amount.Value <= 0 {
			t.Fatalf("payInput accepted %+v", in)
		}
	})
}
