package walletfiles

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// Kinds of file, as the first part of their names.
const (
	KindTransactions = "transactionItems"
	KindSettlement   = "settlement"
)

// endMarker is the last line of every file.
const endMarker = "<END>"

// maxLineDigits bounds a transaction amount: Antom's amount values are String(16).
const maxLineDigits = 16

// ErrTruncated is wrapped by the error for a file that ends before its <END> line: most
// likely it was still being written or was cut off in transfer, so fetch it again.
var ErrTruncated = errors.New("truncated: the file ends without its <END> line")

// ErrMismatch is wrapped by CheckPair's error when a settlement file does not add up to
// its transaction file.
var ErrMismatch = errors.New("settlement file does not match its transaction file")

// FileError is a file that cannot be used. Line is the 1-based line the problem is on, 0
// when it is not on one line (the name, the end of the file).
type FileError struct {
	File string
	Line int
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("walletfiles: %s: line %d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("walletfiles: %s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

func fileErrorf(file string, line int, format string, args ...any) *FileError {
	return &FileError{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// ParseName splits a file name (a leading directory is ignored) into its parts: kind is
// KindTransactions or KindSettlement, batchID the clearing or settlement batch. The parts
// after participantId are read from the right, so participantId may contain underscores.
func ParseName(name string) (kind, participantID, currency, batchID, agreementID, seq string, err error) {
	base := name[strings.LastIndexByte(name, '/')+1:]
	bad := func(format string, args ...any) error {
		return fileErrorf(name, 0, "file name: "+format, args...)
	}
	stem, ok := strings.CutSuffix(base, ".csv")
	if !ok {
		return "", "", "", "", "", "", bad("does not end in .csv")
	}
	kind, rest, _ := strings.Cut(stem, "_")
	if kind != KindTransactions && kind != KindSettlement {
		return "", "", "", "", "", "", bad("does not start with %s_ or %s_", KindTransactions, KindSettlement)
	}
	parts := strings.Split(rest, "_")
	if len(parts) < 5 {
		return "", "", "", "", "", "", bad("want %s_<participantId>_<settlementCurrency>_<batchId>_<participantAgreementId>_<seq>.csv", kind)
	}
	n := len(parts)
	participantID = strings.Join(parts[:n-4], "_")
	currency, batchID, agreementID, seq = parts[n-4], parts[n-3], parts[n-2], parts[n-1]
	switch {
	case participantID == "":
		return "", "", "", "", "", "", bad("participantId is empty")
	case batchID == "":
		return "", "", "", "", "", "", bad("batch id is empty")
	case agreementID == "":
		return "", "", "", "", "", "", bad("participantAgreementId is empty")
	case len(seq) != 3 || strings.Trim(seq, "0123456789") != "":
		return "", "", "", "", "", "", bad("seq %q is not three digits", seq)
	}
	if _, ok := entrypay.Digits(currency); !ok {
		return "", "", "", "", "", "", bad("settlement currency %q is not an ISO 4217 currency code", currency)
	}
	return kind, participantID, currency, batchID, agreementID, seq, nil
}

// table reads a file's CSV lines by column name.
type table struct {
	file string
	r    *csv.Reader
	cols map[string]int
	n    int // fields per line
	line int // line of the last record read
}

// openTable reads the header and checks that it has every required column.
func openTable(file string, r io.Reader, required []string) (*table, error) {
	t := &table{file: file, r: csv.NewReader(r)}
	t.r.FieldsPerRecord = -1 // <END> has one field; the others are counted by hand
	header, err := t.read()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{File: file, Err: fmt.Errorf("%w (the file is empty)", ErrTruncated)}
	}
	if err != nil {
		return nil, err
	}
	if len(header) == 1 && header[0] == endMarker {
		return nil, fileErrorf(file, t.line, "no header line before %s", endMarker)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	t.cols = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := t.cols[h]; dup {
			return nil, fileErrorf(file, t.line, "header names column %q twice", h)
		}
		t.cols[h] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fileErrorf(file, t.line, "header lacks column %s", strings.Join(missing, ", "))
	}
	t.n = len(header)
	return t, nil
}

func (t *table) read() ([]string, error) {
	rec, err := t.r.Read()
	if err != nil {
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return nil, &FileError{File: t.file, Line: pe.Line, Err: pe.Err}
		}
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, &FileError{File: t.file, Line: t.line + 1, Err: err}
	}
	t.line, _ = t.r.FieldPos(0)
	return rec, nil
}

// next returns the next data line, or end = true once <END> was read and nothing follows.
func (t *table) next() (rec record, end bool, err error) {
	fields, err := t.read()
	if errors.Is(err, io.EOF) {
		return record{}, false, &FileError{File: t.file, Err: fmt.Errorf("%w (last line read: %d)", ErrTruncated, t.line)}
	}
	if err != nil {
		return record{}, false, err
	}
	if len(fields) == 1 && fields[0] == endMarker {
		endLine := t.line
		if _, err := t.read(); !errors.Is(err, io.EOF) {
			if err != nil {
				return record{}, false, err
			}
			return record{}, false, fileErrorf(t.file, t.line, "line after %s (line %d), which must be last", endMarker, endLine)
		}
		return record{}, true, nil
	}
	if len(fields) != t.n {
		return record{}, false, fileErrorf(t.file, t.line, "%d fields, the header has %d", len(fields), t.n)
	}
	return record{t: t, fields: fields}, false, nil
}

// record is one data line.
type record struct {
	t      *table
	fields []string
}

func (r record) get(col string) string { return strings.TrimSpace(r.fields[r.t.cols[col]]) }

func (r record) errorf(format string, args ...any) error {
	return fileErrorf(r.t.file, r.t.line, format, args...)
}

// required returns the values of cols, refusing an empty one.
func (r record) required(cols ...string) ([]string, error) {
	vals := make([]string, len(cols))
	for i, c := range cols {
		if vals[i] = r.get(c); vals[i] == "" {
			return nil, r.errorf("%s is empty", c)
		}
	}
	return vals, nil
}

// integer reads a signed integer of at most maxDigits digits, without a plus sign or
// leading zeros.
func (r record) integer(col string, maxDigits int) (int64, error) {
	s := r.get(col)
	digits := strings.TrimPrefix(s, "-")
	switch {
	case digits == "" || strings.Trim(digits, "0123456789") != "":
		return 0, r.errorf("%s %q is not an integer in minor units", col, clip(s))
	case len(digits) > maxDigits:
		return 0, r.errorf("%s %q has more than %d digits", col, clip(s), maxDigits)
	case len(digits) > 1 && digits[0] == '0', s == "-0":
		return 0, r.errorf("%s %q has a leading zero", col, clip(s))
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, r.errorf("%s %q is out of range", col, clip(s))
	}
	return v, nil
}

// currency reads a column that must be an ISO 4217 code.
func (r record) currency(col string) (string, error) {
	c := r.get(col)
	if _, ok := entrypay.Digits(c); !ok {
		return "", r.errorf("%s %q is not an ISO 4217 currency code", col, clip(c))
	}
	return c, nil
}

// clip keeps error messages short whatever a file holds.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// Columns of the transaction detail file.
const (
	colParticipant     = "participantId"
	colCounter         = "counterParticipantId"
	colTransactionID   = "transactionId"
	colRequestID       = "transactionRequestId"
	colOriginalRequest = "originalTransactionRequestId"
	colType            = "transactionType"
	colTime            = "transactionTime"
	colAmount          = "transactionAmountValue"
	colCurrency        = "transactionCurrency"
	colSettleAmount    = "settlementAmountValue"
	colSettleCurrency  = "settlementCurrency"
	colPspID           = "pspId"
	colWalletBrand     = "walletBrandName"
	colClearingBatch   = "clearingBatchId"
)

// transactionColumns are the columns of a transaction detail file, in the order the
// wallet side writes them.
var transactionColumns = []string{
	colParticipant, colCounter, colTransactionID, colRequestID, colOriginalRequest, colType,
	colTime, colAmount, colCurrency, colSettleAmount, colSettleCurrency, colPspID,
	colWalletBrand, colClearingBatch,
}

// TransactionFile is a parsed transaction detail (clearing) file.
type TransactionFile struct {
	Name, ParticipantID, Currency, ClearingBatchID, AgreementID string
	// Lines are in file order, amounts signed: refunds and cancels negative.
	Lines []entrypay.ClearingLine
}

// ParseTransactionFile reads and checks the transaction detail file called name. Any
// problem is a *FileError; a file cut short wraps ErrTruncated.
func ParseTransactionFile(name string, r io.Reader) (*TransactionFile, error) {
	kind, participant, cur, batch, agreement, _, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	if kind != KindTransactions {
		return nil, fileErrorf(name, 0, "file name: not a transaction detail file (%s_…)", KindTransactions)
	}
	t, err := openTable(name, r, transactionColumns)
	if err != nil {
		return nil, err
	}
	f := &TransactionFile{Name: name, ParticipantID: participant, Currency: cur, ClearingBatchID: batch, AgreementID: agreement}
	seen := map[string]int{} // type + "\x00" + transactionRequestId → line
	for {
		rec, end, err := t.next()
		if err != nil {
			return nil, err
		}
		if end {
			return f, nil
		}
		l, err := f.line(rec)
		if err != nil {
			return nil, err
		}
		k := l.Type + "\x00" + l.RequestID
		if first, dup := seen[k]; dup {
			return nil, rec.errorf("%s %s %q is already on line %d", l.Type, colRequestID, clip(l.RequestID), first)
		}
		seen[k] = t.line
		f.Lines = append(f.Lines, l)
	}
}

// line checks one data line of f.
func (f *TransactionFile) line(rec record) (entrypay.ClearingLine, error) {
	vals, err := rec.required(colParticipant, colClearingBatch, colType, colTransactionID, colRequestID, colTime)
	if err != nil {
		return entrypay.ClearingLine{}, err
	}
	participant, batch, typ, txID, reqID, at := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]
	switch {
	case participant != f.ParticipantID:
		return entrypay.ClearingLine{}, rec.errorf("%s %q is not the file's participant %q", colParticipant, clip(participant), f.ParticipantID)
	case batch != f.ClearingBatchID:
		return entrypay.ClearingLine{}, rec.errorf("%s %q is not the file's batch %q", colClearingBatch, clip(batch), f.ClearingBatchID)
	}
	l := entrypay.ClearingLine{
		TransactionID:     txID,
		RequestID:         reqID,
		OriginalRequestID: rec.get(colOriginalRequest),
		Type:              typ,
		PspID:             rec.get(colPspID),
		WalletBrand:       rec.get(colWalletBrand),
	}

	settleCur, err := rec.currency(colSettleCurrency)
	if err != nil {
		return entrypay.ClearingLine{}, err
	}
	if settleCur != f.Currency {
		return entrypay.ClearingLine{}, rec.errorf("%s %s is not the file's settlement currency %s", colSettleCurrency, settleCur, f.Currency)
	}
	txCur, err := rec.currency(colCurrency)
	if err != nil {
		return entrypay.ClearingLine{}, err
	}
	if txCur != settleCur {
		return entrypay.ClearingLine{}, rec.errorf("%s %s differs from %s %s: the wallet side settles in the transaction currency", colCurrency, txCur, colSettleCurrency, settleCur)
	}
	amount, err := rec.integer(colAmount, maxLineDigits)
	if err != nil {
		return entrypay.ClearingLine{}, err
	}
	settled, err := rec.integer(colSettleAmount, maxLineDigits)
	if err != nil {
		return entrypay.ClearingLine{}, err
	}

	switch typ {
	case entrypay.TxPayment:
		if amount <= 0 {
			return entrypay.ClearingLine{}, rec.errorf("%s %d of a %s must be positive", colAmount, amount, typ)
		}
	case entrypay.TxRefund, entrypay.TxCancel:
		if amount >= 0 {
			return entrypay.ClearingLine{}, rec.errorf("%s %d of a %s must be negative", colAmount, amount, typ)
		}
		if l.OriginalRequestID == "" {
			return entrypay.ClearingLine{}, rec.errorf("%s is empty: a %s must name its payment", colOriginalRequest, typ)
		}
	default:
		return entrypay.ClearingLine{}, rec.errorf("%s %q is not %s, %s or %s", colType, clip(typ), entrypay.TxPayment, entrypay.TxRefund, entrypay.TxCancel)
	}
	if settled != amount {
		return entrypay.ClearingLine{}, rec.errorf("%s %d differs from %s %d in the same currency", colSettleAmount, settled, colAmount, amount)
	}
	l.Amount = entrypay.Amount{Value: amount, Currency: txCur}

	l.Time, err = time.Parse(time.RFC3339, at)
	if err != nil {
		return entrypay.ClearingLine{}, rec.errorf("%s %q is not an ISO 8601 date-time with offset", colTime, clip(at))
	}
	return l, nil
}

// Columns of the settlement file.
const (
	colSettleBatch = "settlementBatchId"
	colValueDate   = "valueDate"
	colCount       = "transactionCount"
	colGross       = "grossAmountValue"
	colRefunds     = "refundAmountValue"
	colCancels     = "cancelAmountValue"
	colNet         = "netAmountValue"
)

// settlementColumns are the columns of a settlement file, in the order the wallet side
// writes them.
var settlementColumns = []string{
	colParticipant, colSettleBatch, colSettleCurrency, colValueDate, colCount, colGross,
	colRefunds, colCancels, colNet,
}

// SettlementFile is a parsed settlement file: what the wallet side pays the acquirer for
// one batch. Amounts are signed minor units of Currency.
type SettlementFile struct {
	Name, ParticipantID, SettlementBatchID, Currency, ValueDate string
	Count                                                       int
	Gross, Refunds, Cancels, Net                                int64
}

// maxTotalDigits bounds a settlement total: what fits in an int64.
const maxTotalDigits = 18

// ParseSettlementFile reads and checks the settlement file called name: one summary line
// whose net is the sum of its parts. Any problem is a *FileError; a file cut short wraps
// ErrTruncated.
func ParseSettlementFile(name string, r io.Reader) (*SettlementFile, error) {
	kind, participant, cur, batch, _, _, err := ParseName(name)
	if err != nil {
		return nil, err
	}
	if kind != KindSettlement {
		return nil, fileErrorf(name, 0, "file name: not a settlement file (%s_…)", KindSettlement)
	}
	t, err := openTable(name, r, settlementColumns)
	if err != nil {
		return nil, err
	}
	rec, end, err := t.next()
	if err != nil {
		return nil, err
	}
	if end {
		return nil, fileErrorf(name, t.line, "no summary line before %s", endMarker)
	}
	f, err := settlementLine(rec, name, participant, cur, batch)
	if err != nil {
		return nil, err
	}
	extra, end, err := t.next()
	if err != nil {
		return nil, err
	}
	if !end {
		return nil, extra.errorf("a second summary line: a settlement file has one")
	}
	return f, nil
}

func settlementLine(rec record, name, participant, cur, batch string) (*SettlementFile, error) {
	vals, err := rec.required(colParticipant, colSettleBatch, colValueDate)
	if err != nil {
		return nil, err
	}
	switch {
	case vals[0] != participant:
		return nil, rec.errorf("%s %q is not the file's participant %q", colParticipant, clip(vals[0]), participant)
	case vals[1] != batch:
		return nil, rec.errorf("%s %q is not the file's batch %q", colSettleBatch, clip(vals[1]), batch)
	}
	c, err := rec.currency(colSettleCurrency)
	if err != nil {
		return nil, err
	}
	if c != cur {
		return nil, rec.errorf("%s %s is not the file's settlement currency %s", colSettleCurrency, c, cur)
	}
	if d, err := time.Parse(time.DateOnly, vals[2]); err != nil || d.Format(time.DateOnly) != vals[2] {
		return nil, rec.errorf("%s %q is not a YYYY-MM-DD date", colValueDate, clip(vals[2]))
	}
	f := &SettlementFile{Name: name, ParticipantID: participant, SettlementBatchID: batch, Currency: cur, ValueDate: vals[2]}
	count, err := rec.integer(colCount, 9)
	if err != nil {
		return nil, err
	}
	if count < 0 {
		return nil, rec.errorf("%s %d is negative", colCount, count)
	}
	f.Count = int(count)
	for _, a := range []struct {
		col  string
		dst  *int64
		sign int // 1: ≥ 0, -1: ≤ 0, 0: any
	}{{colGross, &f.Gross, 1}, {colRefunds, &f.Refunds, -1}, {colCancels, &f.Cancels, -1}, {colNet, &f.Net, 0}} {
		v, err := rec.integer(a.col, maxTotalDigits)
		if err != nil {
			return nil, err
		}
		if a.sign > 0 && v < 0 || a.sign < 0 && v > 0 {
			return nil, rec.errorf("%s %d has the wrong sign", a.col, v)
		}
		*a.dst = v
	}
	// Gross ≥ 0 and the others ≤ 0 (each under 10^18), so the sum cannot overflow.
	if sum := f.Gross + f.Refunds + f.Cancels; sum != f.Net {
		return nil, rec.errorf("%s %d is not %s + %s + %s = %d", colNet, f.Net, colGross, colRefunds, colCancels, sum)
	}
	return f, nil
}

// CheckPair checks that st settles exactly tx: the same participant, currency, agreement
// and batch, the count of tx's lines and the sums of its PAYMENT, REFUND and CANCEL
// amounts. The error wraps ErrMismatch and lists every difference.
func CheckPair(tx *TransactionFile, st *SettlementFile) error {
	if tx == nil || st == nil {
		return fmt.Errorf("walletfiles: CheckPair: %w: a file is missing", ErrMismatch)
	}
	var diffs []string
	differ := func(what string, theirs, ours any) {
		diffs = append(diffs, fmt.Sprintf("%s %v, the transaction file has %v", what, theirs, ours))
	}
	if st.ParticipantID != tx.ParticipantID {
		differ("participantId", st.ParticipantID, tx.ParticipantID)
	}
	if st.Currency != tx.Currency {
		differ("settlementCurrency", st.Currency, tx.Currency)
	}
	if st.SettlementBatchID != tx.ClearingBatchID {
		differ("settlementBatchId", st.SettlementBatchID, tx.ClearingBatchID)
	}
	if _, _, _, _, agreement, _, err := ParseName(st.Name); err != nil {
		diffs = append(diffs, err.Error())
	} else if agreement != tx.AgreementID {
		differ("participantAgreementId", agreement, tx.AgreementID)
	}
	var gross, refunds, cancels, net int64
	ok := true
	for _, l := range tx.Lines {
		dst := &gross
		switch l.Type {
		case entrypay.TxRefund:
			dst = &refunds
		case entrypay.TxCancel:
			dst = &cancels
		}
		ok = ok && add(dst, l.Amount.Value) && add(&net, l.Amount.Value)
	}
	if !ok {
		diffs = append(diffs, "the transaction file's amounts overflow a 64-bit total")
	} else {
		if st.Count != len(tx.Lines) {
			differ(colCount, st.Count, len(tx.Lines))
		}
		if st.Gross != gross {
			differ(colGross, st.Gross, gross)
		}
		if st.Refunds != refunds {
			differ(colRefunds, st.Refunds, refunds)
		}
		if st.Cancels != cancels {
			differ(colCancels, st.Cancels, cancels)
		}
		if st.Net != net {
			differ(colNet, st.Net, net)
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("walletfiles: %s against %s: %w: %s", st.Name, tx.Name, ErrMismatch, strings.Join(diffs, "; "))
	}
	return nil
}

// add adds v to *sum unless that overflows, and reports whether it did not.
func add(sum *int64, v int64) bool {
	if v > 0 && *sum > math.MaxInt64-v || v < 0 && *sum < math.MinInt64-v {
		return false
	}
	*sum += v
	return true
}
