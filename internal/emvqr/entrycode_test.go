package emvqr

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hkMerchant is the merchant of vectorHK.
var hkMerchant = Merchant{
	GUID: "com.example.wallet", URL: "MERCHANT-000123", MCC: "5812", Currency: "HKD",
	Country: "HK", Name: "Demo Noodle Bar", City: "Hong Kong",
}

func TestStaticEntryCode(t *testing.T) {
	tests := []struct {
		name string
		m    Merchant
		want string // the whole payload, or "" to check only contains
		// contains lists substrings the payload must have.
		contains []string
	}{
		{name: "stack.md vector", m: hkMerchant, want: vectorHK},
		{
			name: "entrypay URL with default GUID",
			m: Merchant{URL: "HTTPS://EP.IO/C/7QK2M9XRT4BD", MCC: "5812", Currency: "THB",
				Country: "TH", Name: "Som Tam Corner", City: "Bangkok"},
			contains: []string{"000201010211", "26480012COM.ENTRYPAY0128HTTPS://EP.IO/C/7QK2M9XRT4BD", "5303764"},
		},
		{
			name: "Chinese names in template 64",
			m: Merchant{URL: "HTTPS://EP.IO/C/7QK2M9XRT4BD", MCC: "4111", Currency: "CNY",
				Country: "CN", Name: "BEST TRANSPORT", City: "BEIJING",
				Language: "ZH", NameAlt: "最佳运输", CityAlt: "北京"},
			contains: []string{"5303156", "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京6304"},
		},
		{
			name: "template 64 without a city",
			m: Merchant{URL: "HTTPS://EP.IO/C/7QK2M9XRT4BD", MCC: "5812", Currency: "JPY",
				Country: "JP", Name: "Ramen Ichi", City: "Tokyo", Language: "ja", NameAlt: "ラーメン一"},
			contains: []string{"5303392", "64150002ja0105ラーメン一6304"},
		},
		{
			name: "longest URL with default GUID",
			m: Merchant{URL: "HTTPS://" + strings.Repeat("A", 71), MCC: "0000", Currency: "USD",
				Country: "US", Name: strings.Repeat("N", 25), City: strings.Repeat("C", 15)},
			contains: []string{"2699", "5303840"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StaticEntryCode(tt.m)
			if err != nil {
				t.Fatalf("StaticEntryCode: %v", err)
			}
			t.Logf("%s (%d characters)", got, len([]rune(got)))
			if tt.want != "" && got != tt.want {
				t.Errorf("StaticEntryCode =\n %s\nwant\n %s", got, tt.want)
			}
			for _, c := range tt.contains {
				if !strings.Contains(got, c) {
					t.Errorf("payload %s lacks %s", got, c)
				}
			}
			if hasObject(t, got, "54") {
				t.Error("static code carries an amount (ID 54)")
			}
			m, err := ParseEntryCode(got)
			if err != nil {
				t.Fatalf("ParseEntryCode: %v", err)
			}
			want := tt.m
			if want.GUID == "" {
				want.GUID = DefaultGUID
			}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("ParseEntryCode (-want +got):\n%s", diff)
			}
		})
	}
}

func hasObject(t *testing.T, s, id string) bool {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	_, ok := p.Get(id)
	return ok
}

func TestStaticEntryCodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Merchant)
		msg    string
	}{
		{"name too long", func(m *Merchant) { m.Name = strings.Repeat("N", 26) }, "merchant name (ID 59) is 26 characters, at most 25"},
		{"city too long", func(m *Merchant) { m.City = "Hong Kong Island" }, "merchant city (ID 60) is 16 characters, at most 15"},
		{"name not ASCII", func(m *Merchant) { m.Name = "Café Noodle" }, "merchant name (ID 59) has 'é' at character 3, outside printable ASCII"},
		{"Chinese name at the root", func(m *Merchant) { m.Name = "最佳运输" }, "outside printable ASCII (other scripts go in template 64)"},
		{"control character", func(m *Merchant) { m.City = "Hong\nKong" }, "merchant city (ID 60) has '\\n' at character 4"},
		{"empty name", func(m *Merchant) { m.Name = "" }, "merchant name (ID 59) is empty"},
		{"empty URL", func(m *Merchant) { m.URL = "" }, "URL (26.01) is empty"},
		{"URL over 99", func(m *Merchant) { m.URL = "HTTPS://EP.IO/C/" + strings.Repeat("X", 84) }, "URL is 100 characters; an EMV data object holds at most 99"},
		{"URL overflows template 26", func(m *Merchant) { m.GUID = ""; m.URL = "HTTPS://" + strings.Repeat("A", 72) },
			`template 26 would be 100 characters, at most 99: with GUID "COM.ENTRYPAY" the URL can have at most 79 characters, it has 80`},
		{"GUID too long", func(m *Merchant) { m.GUID = strings.Repeat("G", 33) }, "GUID (26.00) is 33 characters, at most 32"},
		{"MCC not digits", func(m *Merchant) { m.MCC = "58A2" }, `merchant category code "58A2" (ID 52) is not four digits`},
		{"unknown currency", func(m *Merchant) { m.Currency = "XYZ" }, `unknown ISO 4217 currency "XYZ"`},
		{"numeric currency", func(m *Merchant) { m.Currency = "344" }, `unknown ISO 4217 currency "344"`},
		{"lower-case country", func(m *Merchant) { m.Country = "hk" }, `country "hk" (ID 58) is not two upper-case letters`},
		{"alternate name without language", func(m *Merchant) { m.NameAlt = "最佳运输" }, `language "" (64.00) is not two letters`},
		{"language without alternate name", func(m *Merchant) { m.Language = "ZH" }, "alternate merchant name (64.01) is empty"},
		{"alternate name too long", func(m *Merchant) { m.Language = "ZH"; m.NameAlt = strings.Repeat("运", 26) }, "alternate merchant name (64.01) is 26 characters, at most 25"},
		{"alternate city too long", func(m *Merchant) {
			m.Language = "ZH"
			m.NameAlt = "最佳运输"
			m.CityAlt = strings.Repeat("京", 16)
		}, "alternate merchant city (64.02) is 16 characters, at most 15"},
		{"alternate name with control character", func(m *Merchant) { m.Language = "ZH"; m.NameAlt = "最佳\x00运输" }, "non-printing character U+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := hkMerchant
			tt.change(&m)
			got, err := StaticEntryCode(m)
			if err == nil {
				t.Fatalf("StaticEntryCode = %q, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestParseEntryCodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  string
	}{
		{"not a payload", "hello", "emvqr: "},
		{"dynamic code", vectorKH, `point of initiation is "12", want "11" (static)`},
		{"format indicator 00", vectorOdd, `payload format indicator is "00"`},
		{"amount present", withCRC("000201010211540510.00"), "carries no amount (ID 54)"},
		{"no template 26", withCRC("0002010102115204581253033445802HK5915Demo Noodle Bar6009Hong Kong"), "no merchant account template 26"},
		{"template 26 without URL", withCRC("000201010211" + "26220018com.example.wallet" + "5204581253033445802HK5915Demo Noodle Bar6009Hong Kong"), "URL (26.01) is empty"},
		{"no currency", withCRC("00020101021126410018com.example.wallet0115MERCHANT-000123520458125802HK5915Demo Noodle Bar6009Hong Kong"), "no transaction currency (ID 53)"},
		{"unknown numeric currency", withCRC("00020101021126410018com.example.wallet0115MERCHANT-0001235204581253039995802HK5915Demo Noodle Bar6009Hong Kong"), `unknown ISO 4217 numeric currency "999"`},
		{"name too long", withCRC("00020101021126410018com.example.wallet0115MERCHANT-0001235204581253033445802HK5926Demo Noodle Bar and Grills6009Hong Kong"), "is 26 characters, at most 25"},
		{"template 64 without language", withCRC("00020101021126410018com.example.wallet0115MERCHANT-0001235204581253033445802HK5915Demo Noodle Bar6009Hong Kong64080104最佳运输"), "template 64 has no language (64.00)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseEntryCode(tt.in)
			if err == nil {
				t.Fatalf("ParseEntryCode = %+v, want an error", m)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
		})
	}
}

func TestParseEntryCodeIgnoresOtherObjects(t *testing.T) {
	// A code with extra data (a store label in 62, a postal code) still yields the merchant.
	s := withCRC(strings.TrimSuffix(vectorHK, "6304BD07") + "61055800062090305STORE")
	m, err := ParseEntryCode(s)
	if err != nil {
		t.Fatalf("ParseEntryCode: %v", err)
	}
	if diff := cmp.Diff(hkMerchant, m); diff != "" {
		t.Errorf("ParseEntryCode (-want +got):\n%s", diff)
	}
}
