package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestCrash takes payments and refunds under load while the gateway process is killed
// with SIGKILL at random moments and restarted, against a standalone wallet side that
// outlives it. Afterwards: every payment the merchant was told S about exists; none has
// two outcomes; every SUCCESS and FAIL reached the merchant; refunds never exceed what
// was paid; nothing is booked twice; the books balance; and the wallet side's files
// reconcile with no discrepancy.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs for about a minute per store")
	}
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, testdb.DSN(t, kind))
			// Kill the gateway four times at random moments, restarting it each time on
			// the same address, each time after some payments went through.
			rng := rand.New(rand.NewPCG(42, uint64(len(kind))))
			underLoad(t, r, func() {
				for range 4 {
					r.progress(3, time.Minute)
					time.Sleep(time.Duration(700+rng.IntN(1300)) * time.Millisecond)
					r.gw.kill()
					time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
					r.gw.start()
				}
			})
		})
	}
}
