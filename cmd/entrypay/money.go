package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/fx"
	"github.com/entrypay/entrypay/internal/statements"
	"github.com/entrypay/entrypay/internal/walletfiles"
)

// clearingFlags adds the clearing-cycle flags shared by settle, reports and reconcile.
func clearingFlags(fs interface {
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	IntVar(*int, string, int, string)
}, o *serveOptions) {
	fs.StringVar(&o.clearingZone, "clearing-zone", "+08:00", "time zone of the clearing day (offset or IANA name)")
	fs.DurationVar(&o.clearingCutoff, "clearing-cutoff", 0, "time of day the clearing day ends")
	fs.IntVar(&o.valueDays, "value-days", 1, "N of T+N")
}

// withMoney opens the database with a gateway that has the FX engine and the clearing
// cycle of the flags.
func withMoney(ctx context.Context, dsn string, o *serveOptions, fn func(gw *entrypay.Gateway) error) error {
	if err := o.check(); err != nil {
		return err
	}
	db, err := openDatabase(ctx, dsn, len(entrypay.DefaultNotifySchedule))
	if err != nil {
		return err
	}
	defer db.close()
	return fn(entrypay.NewGateway(entrypay.Config{DB: db.store, FX: &fx.Engine{}, Clearing: o.clearing()}))
}

func runLedger(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: entrypay ledger verify [--json]")
	}
	fs := flagSet("ledger verify", stderr)
	dsn := dbFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		r, err := gw.VerifyLedger(ctx)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%d entries, %d postings, %d account balances, %d payments, %d refunds, %d settlement batches\n",
			r.Entries, r.Postings, r.Accounts, r.Payments, r.Refunds, r.Batches)
		for _, p := range r.Problems {
			text += "PROBLEM: " + p + "\n"
		}
		if r.OK() {
			text += "the books balance\n"
		}
		if err := printResult(stdout, *asJSON, r, text); err != nil {
			return err
		}
		if !r.OK() {
			return fmt.Errorf("ledger verification found %d problems", len(r.Problems))
		}
		return nil
	})
}

func runFX(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: entrypay fx import --file F [--format csv|ecb] | set --base B --quote Q --price P | list")
	}
	sub := args[0]
	fs := flagSet("fx "+sub, stderr)
	dsn := dbFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	file := fs.String("file", "", "rates file (import)")
	format := fs.String("format", "csv", "csv (base,quote,price[,as_of]) or ecb (the ECB's eurofxref XML)")
	base := fs.String("base", "", "base currency (set)")
	quote := fs.String("quote", "", "quote currency (set)")
	price := fs.String("price", "", "units of quote per unit of base (set)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		var rates []entrypay.Rate
		switch sub {
		case "import":
			f, err := os.Open(*file)
			if err != nil {
				return fmt.Errorf("--file: %w", err)
			}
			defer f.Close()
			switch *format {
			case "csv":
				rates, err = fx.ParseRatesFile(f, "file", time.Now())
			case "ecb":
				rates, err = fx.ParseECB(f, time.Now())
			default:
				return fmt.Errorf("--format %q: want csv or ecb", *format)
			}
			if err != nil {
				return err
			}
		case "set":
			rates = []entrypay.Rate{{Base: *base, Quote: *quote, Price: *price, Source: "admin"}}
		case "list":
		default:
			return fmt.Errorf("unknown fx command %q (want import, set or list)", sub)
		}
		if len(rates) > 0 {
			if err := gw.AddRates(ctx, rates); err != nil {
				return err
			}
		}
		current, err := gw.Rates(ctx)
		if err != nil {
			return err
		}
		var b strings.Builder
		if len(rates) > 0 {
			fmt.Fprintf(&b, "%d rates stored\n", len(rates))
		}
		for _, r := range current {
			fmt.Fprintf(&b, "%s %s (%s, %s)\n", r.Pair(), r.Price, r.Source, r.AsOf.UTC().Format(time.RFC3339))
		}
		return printResult(stdout, *asJSON, map[string]any{"stored": len(rates), "rates": current}, b.String())
	})
}

// pricingFlag values.
func runPricing(ctx context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flagSet("merchant pricing", stderr)
	dsn := dbFlag(fs, getenv)
	merchantID := fs.String("merchant", "", "merchant id (required)")
	rate := fs.Int64("rate-bps", 0, "merchant discount rate in basis points of the settlement amount (250 = 2.5 %)")
	fixed := fs.String("fixed-fee", "", "fixed fee per payment in major units of the settlement currency, e.g. 0.30")
	refundFee := fs.String("refund-fee", "kept", "on refunds the fee is 'returned' (in proportion) or 'kept'")
	spread := fs.Int64("fx-spread-bps", 0, "spread on currency conversion in basis points")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *refundFee != "kept" && *refundFee != "returned" {
		return fmt.Errorf("--refund-fee %q: want kept or returned", *refundFee)
	}
	return withGateway(ctx, *dsn, func(gw *entrypay.Gateway) error {
		m, err := gw.Merchant(ctx, *merchantID)
		if err != nil {
			return err
		}
		p := entrypay.Pricing{MerchantID: m.ID, DiscountRateBps: *rate, RefundFeeReturned: *refundFee == "returned", FXSpreadBps: *spread}
		if *fixed != "" && *fixed != "0" {
			if p.FixedFee, err = entrypay.ParseMajor("--fixed-fee", *fixed, m.SettlementCurrency); err != nil {
				return err
			}
		}
		saved, err := gw.SetPricing(ctx, p)
		if err != nil {
			return err
		}
		return printResult(stdout, *asJSON, saved, fmt.Sprintf("pricing of %s: %d bps + %s, refund fee %s, FX spread %d bps\n",
			m.ID, saved.DiscountRateBps, saved.FixedFee, *refundFee, saved.FXSpreadBps))
	})
}

func runSettle(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: entrypay settle run --date D [--reports-dir DIR] | list [--date D] [--merchant M] | confirm --batch ID")
	}
	sub := args[0]
	fs := flagSet("settle "+sub, stderr)
	dsn := dbFlag(fs, getenv)
	var o serveOptions
	clearingFlags(fs, &o)
	date := fs.String("date", "", "clearing day YYYY-MM-DD (run: default yesterday in the clearing zone)")
	merchantID := fs.String("merchant", "", "only this merchant (list)")
	batchID := fs.String("batch", "", "settlement batch id (confirm)")
	reportsDir := fs.String("reports-dir", envOr(getenv, "ENTRYPAY_REPORTS_DIR", ""), "write every merchant's reports of the day here (run)")
	sftpKey := sftpKeyFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	sinks, err := newReportSinks(*reportsDir, *sftpKey, nil)
	if err != nil {
		return err
	}
	return withMoney(ctx, *dsn, &o, func(gw *entrypay.Gateway) error {
		var batches []*entrypay.SettlementBatch
		var err error
		switch sub {
		case "run":
			day := *date
			if day == "" {
				day = gw.ClearingOf().Date(time.Now().Add(-24 * time.Hour))
			}
			if batches, err = gw.CloseDay(ctx, day); err != nil {
				return err
			}
			if err := sinks.deliver(ctx, gw, day, batches, false); err != nil {
				return err
			}
		case "list":
			batches, err = gw.Batches(ctx, *merchantID, *date)
		case "confirm":
			var b *entrypay.SettlementBatch
			if b, err = gw.SettleBatch(ctx, *batchID); err == nil {
				batches = []*entrypay.SettlementBatch{b}
			}
		default:
			return fmt.Errorf("unknown settle command %q (want run, list or confirm)", sub)
		}
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, bt := range batches {
			fmt.Fprintf(&b, "%s  %-7s  %s  value %s  %d tx  gross %s  refunds %s  cancels %s  fees %s  net %s  carried in %s  payout %s\n",
				bt.ID, bt.Status, bt.ClearingDate, bt.ValueDate, bt.Count,
				minor(bt.Gross, bt.Currency), minor(bt.Refunds, bt.Currency), minor(bt.Cancels, bt.Currency), minor(bt.Fees, bt.Currency),
				minor(bt.Net, bt.Currency), minor(bt.CarriedIn, bt.Currency), minor(bt.Payout, bt.Currency))
		}
		return printResult(stdout, *asJSON, batches, b.String())
	})
}

func minor(v int64, currency string) string {
	return entrypay.Amount{Value: v, Currency: currency}.String()
}

// merchantReports builds a merchant's files of a day: transaction details, and the
// settlement details and summary of its batches among those given.
func merchantReports(ctx context.Context, gw *entrypay.Gateway, m *entrypay.Merchant, date string, batches []*entrypay.SettlementBatch) ([]statements.File, error) {
	items, err := gw.DayItems(ctx, m.ID, date)
	if err != nil {
		return nil, err
	}
	tx, err := statements.TransactionDetails(m, date, items, gw.ClearingOf())
	if err != nil {
		return nil, err
	}
	files := []statements.File{tx}
	for _, b := range batches {
		if b.MerchantID != m.ID || b.ClearingDate != date {
			continue
		}
		batch, items, err := gw.BatchItems(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		details, summary, err := statements.Settlement(m, batch, items)
		if err != nil {
			return nil, err
		}
		files = append(files, details, summary)
	}
	return files, nil
}

func writeFile(dir string, f statements.File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644)
}

func runReports(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flagSet("reports", stderr)
	dsn := dbFlag(fs, getenv)
	var o serveOptions
	clearingFlags(fs, &o)
	merchantID := fs.String("merchant", "", "merchant id (required)")
	date := fs.String("date", "", "clearing day YYYY-MM-DD (required)")
	out := fs.String("out", ".", "directory to write the files to")
	upload := fs.Bool("upload", false, "also upload them to the merchant's SFTP server (see 'entrypay merchant sftp'), even if uploaded before")
	sftpKey := sftpKeyFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *merchantID == "" || *date == "" {
		return errors.New("--merchant and --date are required")
	}
	var sinks *reportSinks
	if *upload {
		if *sftpKey == "" {
			return errors.New("--upload needs --sftp-key (or ENTRYPAY_SFTP_KEY)")
		}
		var err error
		if sinks, err = newReportSinks("", *sftpKey, nil); err != nil {
			return err
		}
	}
	return withMoney(ctx, *dsn, &o, func(gw *entrypay.Gateway) error {
		if err := gw.DayOver(*date); err != nil {
			return err
		}
		m, err := gw.Merchant(ctx, *merchantID)
		if err != nil {
			return err
		}
		batches, err := gw.Batches(ctx, m.ID, *date)
		if err != nil {
			return err
		}
		files, err := merchantReports(ctx, gw, m, *date, batches)
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := writeFile(*out, f); err != nil {
				return err
			}
			fmt.Fprintln(stdout, filepath.Join(*out, f.Name))
		}
		if sinks == nil {
			return nil
		}
		d, err := gw.ReportDeliveryOf(ctx, m.ID)
		if err != nil {
			return err
		}
		if err := sinks.deliverMerchant(ctx, gw, m.ID, *date, batches, true); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "uploaded %d files to %s@%s:%s/%s/\n", len(files), d.User, d.Address, d.Dir, strings.ReplaceAll(*date, "-", ""))
		return nil
	})
}

// runReconcile imports the wallet side's clearing and settlement files of a day and
// matches them against the books. It fails (exit status 1) when anything does not match.
func runReconcile(ctx context.Context, args []string, getenv env, _ io.Reader, stdout, stderr io.Writer) error {
	fs := flagSet("reconcile", stderr)
	dsn := dbFlag(fs, getenv)
	var o serveOptions
	clearingFlags(fs, &o)
	date := fs.String("date", "", "clearing day YYYY-MM-DD (required)")
	dir := fs.String("dir", "", "directory holding the wallet side's files")
	from := fs.String("url", "", "or fetch them from the wallet side: the base URL of its settlement files (e.g. http://127.0.0.1:8080/sandbox/settlements/SANDBOX_ENTRYPAY_ACQUIRER)")
	network := fs.String("network", entrypay.NetworkSandbox, "the wallet network the files are of: SANDBOX or ALIPAYPLUS")
	participant := fs.String("participant", "", "entrypay's participant id in the files (default: "+sandboxAcquirerID+" for SANDBOX, $ENTRYPAY_ALIPAYPLUS_CLIENT_ID for ALIPAYPLUS)")
	report := fs.String("report", "", "write the discrepancies as CSV to this file")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *date == "" || (*dir == "") == (*from == "") {
		return errors.New("--date and one of --dir or --url are required")
	}
	if *participant == "" {
		*participant = sandboxAcquirerID
		if *network != entrypay.NetworkSandbox {
			*participant = getenv("ENTRYPAY_ALIPAYPLUS_CLIENT_ID")
		}
		if *participant == "" {
			return errors.New("--participant is required: entrypay's participant id at " + *network)
		}
	}
	files, err := walletFiles(ctx, *dir, *from, *date)
	if err != nil {
		return err
	}
	in, err := parseWalletFiles(files, *network, *date, *participant)
	if err != nil {
		return err
	}
	return withMoney(ctx, *dsn, &o, func(gw *entrypay.Gateway) error {
		res, err := gw.Reconcile(ctx, *in)
		if err != nil {
			return err
		}
		if *report != "" {
			if err := writeDiscrepancies(*report, res.Discrepancies); err != nil {
				return err
			}
		}
		text := fmt.Sprintf("%s %s: %d files, %d lines, %d matched, %d discrepancies\n", *network, *date, len(in.Files), len(in.Lines), res.Matched, len(res.Discrepancies))
		for _, d := range res.Discrepancies {
			text += fmt.Sprintf("%s %s %s: %s\n", d.Kind, d.Type, d.RequestID, d.Detail)
		}
		if err := printResult(stdout, *asJSON, res, text); err != nil {
			return err
		}
		if len(res.Discrepancies) > 0 {
			return fmt.Errorf("reconciliation of %s found %d discrepancies", *date, len(res.Discrepancies))
		}
		return nil
	})
}

// walletFiles reads the day's files from a directory or fetches them from a URL.
func walletFiles(ctx context.Context, dir, base, date string) (map[string][]byte, error) {
	files := map[string][]byte{}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			files[e.Name()] = data
		}
		return files, nil
	}
	client := &http.Client{Timeout: 30 * time.Second}
	get := func(u string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: HTTP %d", u, resp.StatusCode)
		}
		return data, err
	}
	base = strings.TrimRight(base, "/") + "/" + url.PathEscape(date)
	list, err := get(base)
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(list, &names); err != nil {
		return nil, fmt.Errorf("file list at %s: %w", base, err)
	}
	for _, n := range names {
		data, err := get(base + "/" + url.PathEscape(n))
		if err != nil {
			return nil, err
		}
		files[n] = data
	}
	return files, nil
}

// parseWalletFiles checks and reads the day's files: every one must be of participant
// (a file for someone else means the wallet side sent us the wrong file, and importing
// it would book another acquirer's money), and every transaction file must come with its
// settlement file and agree with it. Files of other days are left alone.
func parseWalletFiles(files map[string][]byte, network, date, participant string) (*entrypay.Reconciliation, error) {
	batchSuffix := "CB" + strings.ReplaceAll(date, "-", "")
	in := &entrypay.Reconciliation{Network: network, Date: date}
	txs := map[string]*walletfiles.TransactionFile{}
	sts := map[string]*walletfiles.SettlementFile{}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		kind, pid, currency, batch, _, _, err := walletfiles.ParseName(name)
		if err != nil {
			continue // not a wallet-side file
		}
		if batch != batchSuffix+currency {
			continue
		}
		if pid != participant {
			return nil, fmt.Errorf("%s is for participant %s, not %s: nothing imported", name, pid, participant)
		}
		data := files[name]
		sum := sha256.Sum256(data)
		in.Files = append(in.Files, entrypay.WalletFile{Name: name, Hash: hex.EncodeToString(sum[:])})
		switch kind {
		case walletfiles.KindTransactions:
			f, err := walletfiles.ParseTransactionFile(name, bytes.NewReader(data))
			if err != nil {
				return nil, err
			}
			txs[pid+" "+currency] = f
		case walletfiles.KindSettlement:
			f, err := walletfiles.ParseSettlementFile(name, bytes.NewReader(data))
			if err != nil {
				return nil, err
			}
			sts[pid+" "+currency] = f
		}
	}
	if len(in.Files) == 0 {
		return nil, fmt.Errorf("no wallet-side files of %s found", date)
	}
	for key, tf := range txs {
		sf, ok := sts[key]
		if !ok {
			return nil, fmt.Errorf("%s has no settlement file", tf.Name)
		}
		if err := walletfiles.CheckPair(tf, sf); err != nil {
			return nil, err
		}
		in.Lines = append(in.Lines, tf.Lines...)
		in.Settled = append(in.Settled, entrypay.Amount{Value: sf.Net, Currency: sf.Currency})
	}
	for key, sf := range sts {
		if _, ok := txs[key]; !ok {
			return nil, fmt.Errorf("%s has no transaction file", sf.Name)
		}
	}
	return in, nil
}

func writeDiscrepancies(file string, ds []entrypay.Discrepancy) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"kind", "transactionType", "transactionRequestId", "ourAmountValue", "ourCurrency", "theirAmountValue", "theirCurrency", "detail"})
	for _, d := range ds {
		_ = w.Write([]string{string(d.Kind), d.Type, d.RequestID, fmt.Sprint(d.Ours.Value), d.Ours.Currency, fmt.Sprint(d.Theirs.Value), d.Theirs.Currency, d.Detail})
	}
	w.Flush()
	b.WriteString("<END>\n")
	return os.WriteFile(file, b.Bytes(), 0o644)
}
