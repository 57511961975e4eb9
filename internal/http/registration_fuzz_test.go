package http

import (
	"testing"

	"github.com/entrypay/entrypay"
)

// FuzzRegistrationRequest feeds arbitrary bodies through the registration request's
// decoding and field checks: whatever comes in, the answer is PARAM_ILLEGAL naming a
// field, or a registration with every required KYB field.
func FuzzRegistrationRequest(f *testing.F) {
	f.Add([]byte(`{"registrationRequestId":"r1","productCodes":["IN_STORE_PAYMENT"],"merchantInfo":{"referenceMerchantId":"M1","merchantMCC":"5812","merchantName":"Dim Sum","merchantAddress":{"region":"HK","address1":"1 Road"},"registrationDetail":{"legalName":"Dim Sum Ltd","registrationType":"ENTERPRISE_REGISTRATION_NO","registrationNo":"123","businessType":"ENTERPRISE","contactInfo":[{"contactType":"EMAIL","contactNo":"a@b.example"}]},"websites":[{"url":"https://x.example"}]},"storeInfo":{"referenceStoreId":"S1","storeName":"Central"}}`))
	f.Add([]byte(`{"merchantInfo":{"registrationDetail":{}}}`))
	f.Add([]byte(`{"productCodes":[{}],"storeInfo":[]}`))
	f.Add([]byte(`{"merchantInfo":{"merchantMCC":5812,"merchantAddress":{"region":"hk"}}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := parseRegistration(body)
		if err != nil {
			if entrypay.ErrorCodeOf(err) != entrypay.EInvalid {
				t.Fatalf("parseRegistration error %v is not PARAM_ILLEGAL", err)
			}
			return
		}
		d := in.Details
		if in.RequestID == "" || d.ReferenceMerchantID == "" || len(d.MCC) != 4 || d.Name == "" || d.LegalName == "" ||
			d.RegistrationNo == "" || d.RegistrationType == "" || d.BusinessType == "" || len(d.Address.Region) != 2 ||
			d.StoreReferenceID == "" || d.StoreName == "" || len(d.ProductCodes) != 1 {
			t.Fatalf("parseRegistration accepted %+v", in)
		}
	})
}
