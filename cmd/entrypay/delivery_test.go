package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/sftp/sftptest"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestReportUpload sets a merchant's SFTP delivery, takes a payment, closes its clearing
// day with `settle run --sftp-key`, and finds the reports on the merchant's server — the
// same bytes as in --reports-dir — uploaded once however often the run repeats, and again
// on `reports --upload`.
//
// The server books payments in clearing zone UTC−12 and the run closes the same date in
// UTC+14: that day has always ended by the time a payment of it exists (it ends 22 hours
// after the UTC−12 day begins), so the test runs at any time of day.
func TestReportUpload(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	m := createMerchant(t, dsn)
	keyFile := filepath.Join(t.TempDir(), "entrypay_sftp")
	pub := runCmd(t, "keys", "sftp-generate", "--out", keyFile)
	if !strings.HasPrefix(pub, "ssh-ed25519 ") {
		t.Fatalf("sftp-generate printed %q, want an authorized_keys line", pub)
	}
	if err := run(context.Background(), []string{"entrypay", "keys", "sftp-generate", "--out", keyFile}, noEnv, nil, io.Discard, io.Discard); err == nil {
		t.Fatal("sftp-generate overwrote an existing key")
	}
	root := t.TempDir()
	srv := sftptest.Start(t, "noodles", pub, root)

	for _, bad := range [][]string{
		{"--address", srv.Addr, "--user", "noodles", "--dir", "inbox", "--host-key", "not a key"},
		{"--address", srv.Addr, "--user", "noodles", "--dir", "../inbox", "--host-key", srv.HostKey},
		{"--address", "sftp.example", "--user", "noodles", "--dir", "inbox", "--host-key", srv.HostKey},
		{"--address", srv.Addr, "--user", "", "--dir", "inbox", "--host-key", srv.HostKey},
	} {
		args := append([]string{"entrypay", "merchant", "sftp", "--db", dsn, "--merchant", m.MerchantID}, bad...)
		if err := run(context.Background(), args, noEnv, nil, io.Discard, io.Discard); err == nil {
			t.Errorf("merchant sftp %v accepted", bad)
		}
	}
	runCmd(t, "merchant", "sftp", "--db", dsn, "--merchant", m.MerchantID, "--address", srv.Addr, "--user", "noodles", "--dir", "inbox", "--host-key", srv.HostKey)
	if out := runCmd(t, "merchant", "sftp", "--db", dsn, "--merchant", m.MerchantID); !strings.Contains(out, "noodles@"+srv.Addr+":inbox/YYYYMMDD/") {
		t.Fatalf("merchant sftp shows %q", out)
	}

	s := startServe(t, append(fastServeArgs(dsn), "--clearing-zone", "-12:00")...)
	sh := newShop(t, m.gatewayKey)
	_, cashier := m.pay(t, s.url, "order-sftp", 4200, sh.url)
	confirm(t, s.url, cashier, "SUCCESS")
	sh.next(t)

	date := time.Now().In(time.FixedZone("UTC-12", -12*3600)).Format(time.DateOnly)
	day := strings.ReplaceAll(date, "-", "")
	reportsDir := t.TempDir()
	for range 2 { // the second run finds the day closed and uploaded, and sends nothing
		runCmd(t, "settle", "run", "--db", dsn, "--date", date, "--clearing-zone", "+14:00", "--sftp-key", keyFile, "--reports-dir", reportsDir)
	}
	if srv.Logins() != 1 {
		t.Fatalf("SFTP logins after two runs = %d, want 1", srv.Logins())
	}
	uploaded, err := os.ReadDir(filepath.Join(root, "inbox", day))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range uploaded {
		names = append(names, e.Name())
		got, _ := os.ReadFile(filepath.Join(root, "inbox", day, e.Name()))
		want, err := os.ReadFile(filepath.Join(reportsDir, m.MerchantID, e.Name()))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s on the server differs from the reports dir (%v)", e.Name(), err)
		}
	}
	if len(names) != 3 || !strings.HasPrefix(names[0], "settlementItems_HKD_") || !strings.HasPrefix(names[1], "settlementSummary_HKD_") || names[2] != "transactionItems_"+day+"_000.csv" {
		t.Fatalf("files on the server: %v, want the settlement details and summary and the transaction details", names)
	}
	tx, _ := os.ReadFile(filepath.Join(root, "inbox", day, names[2]))
	if !strings.Contains(string(tx), "4200") || !strings.HasSuffix(string(tx), "<END>\n") {
		t.Errorf("transaction details lack the payment:\n%s", tx)
	}

	// The operator can send a day again.
	out := runCmd(t, "reports", "--db", dsn, "--merchant", m.MerchantID, "--date", date, "--clearing-zone", "+14:00", "--out", t.TempDir(), "--upload", "--sftp-key", keyFile)
	if !strings.Contains(out, "uploaded 3 files to noodles@"+srv.Addr+":inbox/"+day+"/") || srv.Logins() != 2 {
		t.Fatalf("reports --upload: %q, logins %d", out, srv.Logins())
	}
	runCmd(t, "merchant", "sftp", "--db", dsn, "--merchant", m.MerchantID, "--off")
	if err := run(context.Background(), []string{"entrypay", "merchant", "sftp", "--db", dsn, "--merchant", m.MerchantID}, noEnv, nil, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no report delivery") {
		t.Fatalf("merchant sftp after --off: %v", err)
	}
}
