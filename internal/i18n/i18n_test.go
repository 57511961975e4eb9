package i18n

import "testing"

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("zh-Hant", "pay_to", "store", "麵館"); got != "向 麵館 付款" {
		t.Errorf("T = %q", got)
	}
	if got := c.T("xx", "pay", "store", "x"); got != "Pay" {
		t.Errorf("fallback = %q", got)
	}
	if got := c.T("en", "no_such_key"); got != "no_such_key" {
		t.Errorf("unknown key = %q", got)
	}
}

func TestChoose(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	hk := "Mozilla/5.0 AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK useStatusBar/true AlipayClient/10.1.32.600 Alipay Language/zh-Hans"
	tests := []struct {
		explicit, ua, accept string
		wallet               []string
		want                 string
	}{
		{"", hk, "en-US", nil, "zh-Hant"},
		{"", "AliApp(AP/10.1) AlipayClient/10.1 Alipay Language/zh-Hans", "", nil, "zh-Hans"},
		{"", "AlipayClient Language/zh_CN", "", nil, "zh-Hans"},
		{"ko", hk, "", nil, "ko"},
		{"xx", "", "th-TH,th;q=0.9,en;q=0.8", nil, "th"},
		{"", "GCash/5.8 AlipayConnect", "", []string{"fil", "en"}, "fil"},
		{"", "GCash/5.8 AlipayConnect", "tl-PH", nil, "fil"},
		{"", "", "ja,en;q=0.5", nil, "ja"},
		{"", "", "zh-TW", nil, "zh-Hant"},
		{"", "", "zh-CN", nil, "zh-Hans"},
		{"", "", "ms-MY", nil, "ms"},
		{"", "", "id", nil, "id"},
		{"", "", "de-DE,fr;q=0.8", nil, "en"},
		{"", "", "", nil, "en"},
		{"", "", "!!garbage", nil, "en"},
	}
	for _, tt := range tests {
		if got := c.Choose(tt.explicit, tt.ua, tt.accept, tt.wallet); got != tt.want {
			t.Errorf("Choose(%q, %q, %q, %v) = %s, want %s", tt.explicit, tt.ua, tt.accept, tt.wallet, got, tt.want)
		}
	}
}

func TestChooseOrder(t *testing.T) {
	c, _ := Load()
	// The wallet's language beats the phone's, even when the phone's matches exactly.
	if got := c.Choose("", "AlipayClientHK/2.6 Language/zh-HK", "en-US,en;q=0.9", nil); got != "zh-Hant" {
		t.Errorf("got %s, want zh-Hant", got)
	}
	// The phone's language beats the wallet's home country.
	if got := c.Choose("", "KAKAOTALK 10.4 AlipayConnect", "en-US,en;q=0.9", []string{"ko"}); got != "en" {
		t.Errorf("got %s, want en", got)
	}
}
