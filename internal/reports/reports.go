// Package reports writes and reads the three reconciliation files entrypay gives its
// merchants, in the formats of Antom's merchant reports: the transaction details of a day
// (transactionItems_…csv), and for each settlement batch its settlement details
// (settlementItems_…csv) and settlement summary (settlementSummary_…csv).
//
// The caller owns the data and fills plain row structs; this package owns the format:
// the columns and their order, the header line, the closing <END> line, the encoding of
// amounts and times, and the checks that keep a file self-consistent.
//
// Format decisions, where Antom's documentation leaves a choice:
//
//   - Amounts are signed integers in minor units of their currency, as in Antom's
//     samples (1450 USD is 14.50 USD, 18000 KRW is 18000 won), although Antom's tables
//     speak of major units. Payments are positive; refunds and cancels negative; fees
//     negative when charged and positive when given back.
//   - Times are ISO 8601 with the offset, to the second: 2006-01-02T15:04:05Z07:00, in
//     the zone of the time given (UTC when its offset is not whole minutes). A zero time
//     is an empty cell. Fractions of a second are dropped on writing and refused on
//     reading.
//   - Lines end in LF ("\n"), the last one too, so the file ends "<END>\n". Antom's
//     samples do not say; LF is what encoding/csv and Unix tools write, and spreadsheets
//     open it. The readers accept CRLF as well, and a UTF-8 byte order mark.
//   - Cells are quoted only when they must be (a comma, a quote or a line break inside,
//     a leading space), by encoding/csv. As encoding/csv reads it, a CR LF inside a
//     quoted cell comes back as LF.
//
// CSV injection: a spreadsheet that opens a report runs a cell starting with =, +, -, @,
// tab or carriage return as a formula, and several of the text columns carry text that
// the merchant's customers or staff typed (orderDescription, referenceStoreId, …). Such a
// text cell is written with a single quote ' in front, which spreadsheets show as text
// (OWASP's advice). A text cell that starts with ' followed by one of those characters
// or another ' gets one more ', so that the readers here, which take one leading '
// away in exactly those cases, give back the value that was written. Other programs see
// the quote. The amount columns are not guarded: their cells come from integers, so the
// only character that could start a formula is the minus sign of a negative number;
// "'-725" would turn a refund into text that no sum adds up, and Antom's own files carry
// bare negative numbers. Times, currency codes, counts and quote prices are checked
// values that cannot hold a formula and are not guarded either.
//
// The readers are the inverse of the writers, for tests and for entrypay's
// reconciliation of its own reports: they find columns by their header names, in any
// order, refuse unknown and repeated columns and missing mandatory ones, refuse a file
// that does not end with <END> (it was cut short), refuse values in the Antom columns
// the row structs cannot hold (rather than drop money silently), and check rows with the
// same rules as the writers, so whatever they accept can be written again.
package reports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// Errors the readers and writers wrap; the messages around them say where and why.
var (
	// ErrTruncated reports a file that ends without the <END> line: it was cut short.
	ErrTruncated = errors.New("report is truncated: no <END> line")
	// ErrHeader reports a header line with an unknown, repeated or missing column.
	ErrHeader = errors.New("bad header line")
	// ErrMixedBatch reports settlement rows that do not belong to one settlement batch:
	// different batch ids, merchants, acquirers or settlement currencies, or a fee in
	// another currency than the settlement amount.
	ErrMixedBatch = errors.New("rows of more than one settlement batch")
)

// endLine is the literal last line of every report.
const endLine = "<END>"

// timeLayout is ISO 8601 as Antom's reports write it: 2018-12-26T10:00:00+08:30.
const timeLayout = "2006-01-02T15:04:05Z07:00"

// TransactionDetailsName is the default file name of the transaction details of a
// transaction date given as YYYY-MM-DD: "transactionItems_20181225_000.csv". Characters
// other than letters, digits, '-' and '_' become '_', so that the name is always one
// path element.
func TransactionDetailsName(transactionDate string) string {
	return "transactionItems_" + safe(strings.ReplaceAll(transactionDate, "-", "")) + "_000.csv"
}

// SettlementDetailsName is the default file name of a batch's settlement details:
// "settlementItems_USD_<batchID>_000.csv", made safe as TransactionDetailsName says.
func SettlementDetailsName(settlementCurrency, batchID string) string {
	return "settlementItems_" + safe(settlementCurrency) + "_" + safe(batchID) + "_000.csv"
}

// SettlementSummaryName is the default file name of a batch's settlement summary:
// "settlementSummary_USD_<batchID>_000.csv", made safe as TransactionDetailsName says.
func SettlementSummaryName(settlementCurrency, batchID string) string {
	return "settlementSummary_" + safe(settlementCurrency) + "_" + safe(batchID) + "_000.csv"
}

// safe keeps letters, digits, '-' and '_' and turns every other byte into '_': a batch
// id must not climb out of the report directory.
func safe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// formulaStart reports whether c makes a spreadsheet read a cell as a formula.
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// unguard takes away the quote guard put in front of a text cell.
func unguard(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

// guard puts a quote in front of a text cell a spreadsheet would run as a formula, and
// in front of one unguard would otherwise change: unguard(guard(s)) == s for every s.
func guard(s string) string {
	if s != "" && formulaStart(s[0]) || unguard(s) != s {
		return "'" + s
	}
	return s
}

// column is one column of a report: how a row gives its cell and takes it back.
type column[R any] struct {
	name string
	// required columns must be in the header of a file read.
	required bool
	// get is nil for the Antom columns entrypay writes empty.
	get func(*R) string
	// set is nil for the same columns: a file read must leave them empty.
	set func(*R, string) error
}

// text is a free-text column, written with the CSV-injection guard.
func text[R any](name string, required bool, field func(*R) *string) column[R] {
	return column[R]{
		name: name, required: required,
		get: func(r *R) string { return guard(*field(r)) },
		set: func(r *R, s string) error { *field(r) = unguard(s); return nil },
	}
}

// code is a column of checked codes (currencies, quote prices): written as they are.
func code[R any](name string, required bool, field func(*R) *string) column[R] {
	return column[R]{
		name: name, required: required,
		get: func(r *R) string { return *field(r) },
		set: func(r *R, s string) error { *field(r) = s; return nil },
	}
}

// value is a column of signed minor units.
func value[R any](name string, field func(*R) *int64) column[R] {
	return column[R]{
		name: name, required: true,
		get: func(r *R) string { return strconv.FormatInt(*field(r), 10) },
		set: func(r *R, s string) error {
			v, err := parseMinor(s)
			*field(r) = v
			return err
		},
	}
}

// instant is a column of ISO 8601 times; a zero time is an empty cell.
func instant[R any](name string, required bool, field func(*R) *time.Time) column[R] {
	return column[R]{
		name: name, required: required,
		get: func(r *R) string { return formatTime(*field(r)) },
		set: func(r *R, s string) error {
			t, err := parseTime(s)
			*field(r) = t
			return err
		},
	}
}

// unused is an Antom column entrypay has no data for: written empty, read empty.
func unused[R any](name string) column[R] { return column[R]{name: name} }

// parseMinor reads a signed integer of minor units: an optional minus sign and digits,
// without a leading zero, a plus sign or "-0".
func parseMinor(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	switch {
	case s == "":
		return 0, errors.New("is empty")
	case strings.ContainsAny(s, ".,"):
		return 0, fmt.Errorf("%q has a decimal separator: amounts are integers in minor units", s)
	case digits == "" || strings.Trim(digits, "0123456789") != "":
		return 0, fmt.Errorf("%q is not an integer", s)
	case digits[0] == '0' && s != "0":
		return 0, fmt.Errorf("%q has a leading zero", s)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return v, nil
}

// formatTime writes t in its own zone, or in UTC when that zone's offset has seconds
// (which the format cannot carry); the zero time is empty.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	return t.Format(timeLayout)
}

// parseTime reads a time as formatTime writes it.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s)
	if err != nil || strings.Contains(s, ".") {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time YYYY-MM-DDTHH:MM:SS±hh:mm", s)
	}
	return t, nil
}

// checkTime refuses times the format cannot write: years beyond 4 digits.
func checkTime(name string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%s %s is outside years 0000–9999", name, t)
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%s %s is outside years 0000–9999", name, t)
	}
	return nil
}

// checkCurrency refuses a code that is not an ISO 4217 currency.
func checkCurrency(name, code string) error {
	if code == "" {
		return fmt.Errorf("%s is empty", name)
	}
	if _, ok := entrypay.Digits(code); !ok {
		return fmt.Errorf("%s %q is not an ISO 4217 currency code", name, code)
	}
	return nil
}

// required refuses empty mandatory values, named by their columns.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return fmt.Errorf("%s is empty", pairs[i])
		}
	}
	return nil
}

// checkType refuses transaction types entrypay does not have.
func checkType(t string) error {
	switch t {
	case entrypay.TxPayment, entrypay.TxRefund, entrypay.TxCancel:
		return nil
	}
	return fmt.Errorf("transactionType %q is not PAYMENT, REFUND or CANCEL", t)
}

// checkSign refuses a transaction amount whose sign does not fit its type: payments are
// positive, refunds and cancels negative. strict says whether zero is refused too.
func checkSign(name, txType string, v int64, strict bool) error {
	switch {
	case txType == entrypay.TxPayment && (v < 0 || strict && v == 0):
		return fmt.Errorf("%s %d of a PAYMENT must be positive", name, v)
	case txType != entrypay.TxPayment && (v > 0 || strict && v == 0):
		return fmt.Errorf("%s %d of a %s must be negative", name, v, txType)
	}
	return nil
}

// write writes the header, the rows and <END>. The caller has checked the rows.
func write[R any](w io.Writer, cols []column[R], rows []R) error {
	cw := csv.NewWriter(w)
	rec := make([]string, len(cols))
	for i, c := range cols {
		rec[i] = c.name
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i := range rows {
		for j, c := range cols {
			rec[j] = ""
			if c.get != nil {
				rec[j] = c.get(&rows[i])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	_, err := io.WriteString(w, endLine+"\n")
	return err
}

// read parses a report by its header names into rows, checking each with check, and
// returns them with the line each came from.
func read[R any](r io.Reader, report string, cols []column[R], check func(*R) error) ([]R, []int, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s: the file is empty: %w", report, ErrTruncated)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", report, err)
	}
	index := make([]*column[R], len(header))
	seen := make(map[string]bool, len(header))
	byName := make(map[string]*column[R], len(cols))
	for i := range cols {
		byName[cols[i].name] = &cols[i]
	}
	for i, name := range header {
		c := byName[name]
		switch {
		case len(header) == 1 && name == endLine:
			return nil, nil, fmt.Errorf("%s: <END> where the header line should be: %w", report, ErrHeader)
		case c == nil:
			return nil, nil, fmt.Errorf("%s: unknown column %q: %w", report, name, ErrHeader)
		case seen[name]:
			return nil, nil, fmt.Errorf("%s: column %q appears twice: %w", report, name, ErrHeader)
		}
		seen[name] = true
		index[i] = c
	}
	var missing []string
	for _, c := range cols {
		if c.required && !seen[c.name] {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("%s: missing column %s: %w", report, strings.Join(missing, ", "), ErrHeader)
	}

	var rows []R
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, nil, fmt.Errorf("%s: %w", report, ErrTruncated)
		}
		if err != nil {
			// A quoted cell cut short fails to parse; say so when nothing follows.
			if _, next := cr.Read(); next == io.EOF {
				return nil, nil, fmt.Errorf("%s: %v, and the file ends there: %w", report, err, ErrTruncated)
			}
			return nil, nil, fmt.Errorf("%s: %w", report, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && rec[0] == endLine {
			if _, err := cr.Read(); err != io.EOF {
				return nil, nil, fmt.Errorf("%s: line %d: more after the <END> line", report, line)
			}
			return rows, lines, nil
		}
		if len(rec) != len(header) {
			if _, err := cr.Read(); err == io.EOF {
				return nil, nil, fmt.Errorf("%s: line %d is cut short: %w", report, line, ErrTruncated)
			}
			return nil, nil, fmt.Errorf("%s: line %d has %d cells, the header %d", report, line, len(rec), len(header))
		}
		var row R
		for i, cell := range rec {
			c := index[i]
			if c.set == nil {
				if cell != "" {
					return nil, nil, fmt.Errorf("%s: line %d: %s is %q: entrypay's reports leave it empty and have no field for it", report, line, c.name, cell)
				}
				continue
			}
			if err := c.set(&row, cell); err != nil {
				return nil, nil, fmt.Errorf("%s: line %d: %s %w", report, line, c.name, err)
			}
		}
		if err := check(&row); err != nil {
			return nil, nil, fmt.Errorf("%s: line %d: %w", report, line, err)
		}
		rows = append(rows, row)
		lines = append(lines, line)
	}
}
