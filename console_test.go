package entrypay_test

import (
	"testing"

	"github.com/entrypay/entrypay"
)

func TestWalletHealth(t *testing.T) {
	for _, tc := range []struct {
		s       entrypay.WalletStats
		health  string
		permill int
	}{
		{entrypay.WalletStats{}, "too few payments", -1},
		{entrypay.WalletStats{Success: 5, Fail: 4}, "too few payments", 555},
		{entrypay.WalletStats{Success: 7, Fail: 3}, "unhealthy", 700},               // 30 %
		{entrypay.WalletStats{Success: 16, Fail: 3, Processing: 1}, "healthy", 842}, // 15 %
		{entrypay.WalletStats{Success: 15, Fail: 2, Processing: 3, NoAnswer: 3}, "unhealthy", 882},
		{entrypay.WalletStats{Success: 30, Cancelled: 10}, "healthy", 1000},
	} {
		if got := tc.s.Health(); got != tc.health {
			t.Errorf("%+v: Health = %q, want %q", tc.s, got, tc.health)
		}
		if got := tc.s.SuccessPermille(); got != tc.permill {
			t.Errorf("%+v: SuccessPermille = %d, want %d", tc.s, got, tc.permill)
		}
	}
}
