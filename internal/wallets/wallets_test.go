package wallets

import "testing"

func TestDetect(t *testing.T) {
	table := Builtin()
	tests := []struct {
		ua   string
		want string
		ok   bool
	}{
		// The AlipayHK sample from Antom's docs carries both markers: HK must win.
		{"Mozilla/5.0 (Linux; Android 9) NebulaSDK/1.8.100112 Nebula AlipayDefined(nt:WIFI,ws:360|0|3.0) AliApp(APHK/2.6.0.160) AlipayClientHK/2.6.0.160 Language/zh-HK useStatusBar/true isConcaveScreen/true AlipayClient/10.1.32.600 Alipay Language/zh-Hans", "ALIPAY_HK", true},
		{"Mozilla/5.0 NebulaSDK/1.8.100112 Nebula PSDType(1) AlipayDefined(nt:4G,ws:320|504|2.0) AliApp(AP/10.1.32.600) AlipayClient/10.1.32.600 Alipay Language/zh-Hans", "ALIPAY_CN", true},
		{"Mozilla/5.0 ... AliApp(AP/10.1.32.600) AlipayClient/10.1.32.600 Alipay Language/zh-Hans AlipayConnect", "ALIPAY_CN", true},
		{"Mozilla/5.0 (Linux; Android 14) GCash/5.80.0 AlipayConnect iapconnectsdk/2.37.0", "GCASH", true},
		{"Mozilla/5.0 (iPhone) KAKAOTALK 10.4.5 AlipayConnect", "KAKAOPAY", true},
		{"Mozilla/5.0 TrueMoney/5.40 AlipayConnect", "TRUEMONEY", true},
		{"Mozilla/5.0 TNGD/1.8 AlipayConnect", "TNG", true},
		{"Mozilla/5.0 DANA/2.3 AlipayConnect", "DANA", true},
		{"Mozilla/5.0 SomeNewWallet/1.0 AlipayConnect iapconnectsdk/2.16.11", Generic, true},
		{"Mozilla/5.0 someNewWallet/1.0 alipayconnect", Generic, true},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := table.Detect(tt.ua)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Detect(%q) = %q, %v; want %q, %v", tt.ua, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseRefusesBadTables(t *testing.T) {
	for _, data := range []string{
		`{"wallets":[{"code":"A","currency":"USD"}],"rules":[{"marker":"x","wallet":"B"}]}`,
		`{"wallets":[{"code":"A","currency":"USD"}],"rules":[{"marker":"","wallet":"A"}]}`,
		`{"wallets":[{"code":"","currency":"USD"}]}`,
		`not json`,
	} {
		if _, err := Parse([]byte(data)); err == nil {
			t.Errorf("Parse(%s) succeeded", data)
		}
	}
	for _, w := range Builtin().Wallets {
		if w.MinAmount <= 0 || len(w.Currency) != 3 || w.PspID == "" {
			t.Errorf("wallet %+v is incomplete", w)
		}
	}
}
