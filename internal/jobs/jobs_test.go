package jobs

import (
	"testing"
	"time"

	"github.com/entrypay/entrypay"
)

// TestNotifySchedule checks that attempt n+1 comes the n-th interval of Antom's schedule
// after attempt n: 0 s, 2 min, 10 min, 10 min, 1 h, 2 h, 6 h, 15 h.
func TestNotifySchedule(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	want := []time.Duration{2 * time.Minute, 10 * time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour}
	for i, d := range want {
		attempt := i + 1
		if got := NextNotifyAttempt(entrypay.DefaultNotifySchedule, attempt, now); !got.Equal(now.Add(d)) {
			t.Errorf("after attempt %d: next at +%s, want +%s", attempt, got.Sub(now), d)
		}
	}
	var total time.Duration
	for _, d := range entrypay.DefaultNotifySchedule {
		total += d
	}
	if len(entrypay.DefaultNotifySchedule) != 8 || total != 24*time.Hour+22*time.Minute {
		t.Errorf("schedule has %d attempts over %s, want 8 over 24h22m", len(entrypay.DefaultNotifySchedule), total)
	}
}
