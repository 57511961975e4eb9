package main

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entrypay/entrypay/internal/testdb"
)

// TestWalletFaults takes payments, refunds and cancels under load while the wallet side
// misbehaves in turn: slow, timing out, answering garbage, HTTP 500, unknown results, bad
// signatures, and notifying twice at once and late. Every payment still ends with one
// outcome, notified to the merchant, booked once, reconciled with the wallet side.
func TestWalletFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault tests run under load for half a minute per store")
	}
	faults := []struct {
		api, mode string
		delayMs   int
	}{
		{"pay", "delay", 1500},
		{"pay", "timeout", 0},
		{"notify", "duplicate", 700},
		{"pay", "garbage", 0},
		{"pay", "http500", 0},
		{"inquiryPayment", "garbage", 0},
		{"pay", "unknown", 0},
		{"notify", "garbage", 0},
		{"pay", "badsig", 0},
		{"refund", "timeout", 0},
		{"notify", "badsig", 0},
		{"inquiryPayment", "timeout", 0},
		{"cancelPayment", "timeout", 0},
		{"refund", "garbage", 0},
		{"notify", "http500", 0},
		{"cancelPayment", "http500", 0},
		{"notify", "duplicate", 0},
	}
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			r := newRig(t, kind, testdb.DSN(t, kind))
			underLoad(t, r, func() {
				time.Sleep(time.Second)
				for _, f := range faults {
					r.setFault(f.api, f.mode, f.delayMs)
					time.Sleep(700 * time.Millisecond)
					r.setFault("", "", 0)
					time.Sleep(100 * time.Millisecond)
				}
				time.Sleep(time.Second)
			})
		})
	}
}

// TestMerchantFaults makes the merchant's endpoint answer HTTP 500, then hang, then
// acknowledge with a wrong body, each for a while under load: every notification is
// retried until acknowledged, each failed attempt is recorded with what went wrong, and
// nothing else changes.
func TestMerchantFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault tests run under load for half a minute per store")
	}
	behaviours := []string{shopHTTP500, shopHangs, shopWrongAck}
	for _, kind := range testdb.Engines() {
		t.Run(kind, func(t *testing.T) {
			// Enough attempts to outlast the faults: 24 at 500 ms.
			schedule := "0s" + strings.Repeat(",500ms", 23)
			r := newRig(t, kind, testdb.DSN(t, kind), "--notify-schedule", schedule)
			underLoad(t, r, func() {
				time.Sleep(time.Second)
				// Each fault lasts 1.5 s and until it has met a few notifications.
				for _, b := range behaviours {
					r.shop.set(b)
					time.Sleep(1500 * time.Millisecond)
					for start := time.Now(); r.shop.refusedCount(b) < 3; time.Sleep(50 * time.Millisecond) {
						if time.Since(start) > time.Minute {
							t.Fatalf("no notification met the %s fault within a minute", b)
						}
					}
				}
				r.shop.set(shopAcks)
				time.Sleep(time.Second)
			})
			for _, b := range behaviours {
				if r.shop.refusedCount(b) == 0 {
					t.Errorf("no notification met the %s fault", b)
				}
			}
			// Each failed attempt says why, for the merchant's delivery log.
			db, err := openDatabase(context.Background(), r.dsn, 8)
			if err != nil {
				t.Fatal(err)
			}
			defer db.close()
			for _, want := range []struct{ what, where string }{
				{"HTTP 500", "http_status = 500 AND error LIKE '%HTTP 500%'"},
				{"a timeout", "http_status = 0 AND error LIKE '%Timeout%'"},
				{"a wrong acknowledgement", `http_status = 200 AND error LIKE '%acknowledgement resultStatus "F"%'`},
			} {
				var n int
				if err := db.sql.QueryRow("SELECT COUNT(*) FROM notification_attempts WHERE NOT acknowledged AND " + want.where).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Errorf("no failed attempt recorded as %s", want.what)
				}
			}
		})
	}
}

// TestPostgresBackendsTerminated terminates the gateway's PostgreSQL connections again
// and again under load (pg_terminate_backend, what a failover or an operator does): calls
// in flight fail with U and are retried, and nothing is lost or done twice.
func TestPostgresBackendsTerminated(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault tests run under load for half a minute per store")
	}
	if !strings.Contains(strings.Join(testdb.Engines(), ","), "postgres") {
		t.Skip("PostgreSQL tests skipped: set ENTRYPAY_TEST_POSTGRES")
	}
	// The gateway's connections carry a name of their own, so that only they are
	// terminated and not those of tests running beside this one.
	u, err := url.Parse(testdb.DSN(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	app := "entrypay-fault-" + u.Query().Get("search_path")
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	r := newRig(t, "postgres", u.String())

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("ENTRYPAY_TEST_POSTGRES"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	terminated := 0
	underLoad(t, r, func() {
		time.Sleep(time.Second)
		for end := time.Now().Add(6 * time.Second); time.Now().Before(end); {
			var n int
			if err := conn.QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n); err != nil {
				t.Fatal(err)
			}
			terminated += n
			time.Sleep(250 * time.Millisecond)
		}
		time.Sleep(time.Second)
	})
	if terminated < 10 {
		t.Errorf("only %d backends terminated: the fault did not happen", terminated)
	}
	t.Logf("%d backends terminated", terminated)
}
