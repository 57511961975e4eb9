package sandbox

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/entrypay/entrypay"
)

// The sandbox's clearing and settlement files. Alipay+ does not publish their columns, so
// entrypay defines them (internal/walletfiles documents the format and parses it): the
// sandbox settles with each acquirer in the transaction currency, under one participant
// agreement per currency, so each acquirer gets one transaction detail file and one
// settlement file per currency and clearing day.

// Columns of the files, in the order the sandbox writes them.
var (
	transactionColumns = []string{
		"participantId", "counterParticipantId", "transactionId", "transactionRequestId",
		"originalTransactionRequestId", "transactionType", "transactionTime",
		"transactionAmountValue", "transactionCurrency", "settlementAmountValue",
		"settlementCurrency", "pspId", "walletBrandName", "clearingBatchId",
	}
	settlementColumns = []string{
		"participantId", "settlementBatchId", "settlementCurrency", "valueDate",
		"transactionCount", "grossAmountValue", "refundAmountValue", "cancelAmountValue",
		"netAmountValue",
	}
)

// endMarker is the last line of every file.
const endMarker = "<END>"

// clearingEntry is one settleable event: a payment that became paid, a refund that
// succeeded, or a paid payment that was cancelled (reversed).
type clearingEntry struct {
	clientID          string
	txType            string // entrypay.TxPayment, TxRefund or TxCancel
	txID              string // the sandbox's id: paymentId, or refundId for a refund
	requestID         string // the acquirer's paymentRequestId, or refundRequestId for a refund
	originalRequestID string // the paymentRequestId of a refund or cancel
	amount            int64  // signed minor units of currency: refunds and cancels negative
	currency          string
	at                time.Time
	pspID             string
	brand             string
}

// recordPaidLocked records that p has just become paid.
func (s *Sandbox) recordPaidLocked(p *payment) {
	s.clearing = append(s.clearing, clearingEntry{
		clientID: p.clientID, txType: entrypay.TxPayment, txID: p.id, requestID: p.requestID,
		amount: p.amount, currency: p.currency, at: p.paidAt,
		pspID: p.wallet.PspID, brand: p.wallet.Name,
	})
}

// recordRefundLocked records that rf of p has just succeeded.
func (s *Sandbox) recordRefundLocked(p *payment, rf *refund) {
	s.clearing = append(s.clearing, clearingEntry{
		clientID: rf.clientID, txType: entrypay.TxRefund, txID: rf.id, requestID: rf.requestID,
		originalRequestID: p.requestID, amount: -rf.amount, currency: rf.currency, at: rf.at,
		pspID: p.wallet.PspID, brand: p.wallet.Name,
	})
}

// recordReversalLocked records that the paid payment p has just been cancelled. The
// reversal takes back what refunds have not: a payment fully refunded before it was
// cancelled moves no money and gets no line.
func (s *Sandbox) recordReversalLocked(p *payment) {
	left := p.amount - p.refunded
	if left <= 0 {
		return
	}
	s.clearing = append(s.clearing, clearingEntry{
		clientID: p.clientID, txType: entrypay.TxCancel, txID: p.id, requestID: p.requestID,
		originalRequestID: p.requestID, amount: -left, currency: p.currency, at: p.cancelAt,
		pspID: p.wallet.PspID, brand: p.wallet.Name,
	})
}

// TamperClearing adds deltaMinor to the amount of every line whose transactionRequestId is
// requestID, in the files generated afterwards, so that reconciliation tests can make the
// wallet side disagree with entrypay. The settlement file's totals follow the tampered
// lines, so the pair stays consistent with itself. A cancelled payment's PAYMENT and
// CANCEL lines share the paymentRequestId: both are changed. Calls add up.
func (s *Sandbox) TamperClearing(requestID string, deltaMinor int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tampered[requestID] += deltaMinor
}

// DropClearing leaves every line whose transactionRequestId is requestID out of the files
// generated afterwards (and out of their settlement totals), as if the wallet side had
// never cleared it. A currency left without lines gets no files.
func (s *Sandbox) DropClearing(requestID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped[requestID] = true
}

// ClearingFiles returns the transaction detail and settlement files of one acquirer for
// one clearing day, one pair per currency that has transactions, as name → contents.
//
// clearingDate is YYYY-MM-DD; a line belongs to the day that c gives its own event time
// (c.Location nil means UTC). The value date is the day after the clearing day: the sandbox
// pays acquirers T+1 whatever c.ValueDays says, that being the acquirer's schedule with its
// merchants. A day without transactions gives an empty map.
func (s *Sandbox) ClearingFiles(acquirer string, clearingDate string, c entrypay.Clearing) (map[string][]byte, error) {
	if acquirer == "" {
		return nil, errors.New("sandbox: clearing files: acquirer is required")
	}
	day, err := time.Parse(time.DateOnly, clearingDate)
	if err != nil || day.Format(time.DateOnly) != clearingDate {
		return nil, fmt.Errorf("sandbox: clearing files: clearing date %q is not YYYY-MM-DD", clearingDate)
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}

	s.mu.Lock()
	byCurrency := map[string][]clearingEntry{}
	for _, e := range s.clearing {
		if e.clientID != acquirer || s.dropped[e.requestID] || c.Date(e.at) != clearingDate {
			continue
		}
		e.amount += s.tampered[e.requestID]
		byCurrency[e.currency] = append(byCurrency[e.currency], e)
	}
	s.mu.Unlock()

	files := make(map[string][]byte, 2*len(byCurrency))
	valueDate := day.AddDate(0, 0, 1).Format(time.DateOnly)
	for cur, lines := range byCurrency {
		// Recorded in the order things happened; a test clock may have gone back, so sort.
		slices.SortStableFunc(lines, func(a, b clearingEntry) int { return a.at.Compare(b.at) })
		batch := "CB" + day.Format("20060102") + cur
		agreement := "PA-" + cur
		suffix := "_" + acquirer + "_" + cur + "_" + batch + "_" + agreement + "_000.csv"
		files["transactionItems"+suffix] = transactionFile(acquirer, batch, loc, lines)
		files["settlement"+suffix] = settlementFile(acquirer, batch, cur, valueDate, lines)
	}
	return files, nil
}

func transactionFile(acquirer, batch string, loc *time.Location, lines []clearingEntry) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(transactionColumns) // writes to a bytes.Buffer do not fail
	for _, e := range lines {
		amount := strconv.FormatInt(e.amount, 10)
		_ = w.Write([]string{
			acquirer, e.pspID, e.txID, e.requestID, e.originalRequestID, e.txType,
			e.at.In(loc).Format(time.RFC3339), amount, e.currency, amount, e.currency,
			e.pspID, e.brand, batch,
		})
	}
	_ = w.Write([]string{endMarker})
	w.Flush()
	return buf.Bytes()
}

func settlementFile(acquirer, batch, cur, valueDate string, lines []clearingEntry) []byte {
	var gross, refunds, cancels int64
	for _, e := range lines {
		switch e.txType {
		case entrypay.TxPayment:
			gross += e.amount
		case entrypay.TxRefund:
			refunds += e.amount
		case entrypay.TxCancel:
			cancels += e.amount
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(settlementColumns)
	_ = w.Write([]string{
		acquirer, batch, cur, valueDate, strconv.Itoa(len(lines)),
		strconv.FormatInt(gross, 10), strconv.FormatInt(refunds, 10),
		strconv.FormatInt(cancels, 10), strconv.FormatInt(gross+refunds+cancels, 10),
	})
	_ = w.Write([]string{endMarker})
	w.Flush()
	return buf.Bytes()
}

// settlementDate reads the {date} of a settlements route: YYYY-MM-DD, or YYYYMMDD as
// Alipay+'s directories spell dates.
func settlementDate(raw string) (string, bool) {
	for _, layout := range []string{time.DateOnly, "20060102"} {
		if d, err := time.Parse(layout, raw); err == nil && d.Format(layout) == raw {
			return d.Format(time.DateOnly), true
		}
	}
	return "", false
}

// clearingFilesFor serves the files of a settlements route, on Alipay+'s clearing cycle.
func (s *Sandbox) clearingFilesFor(w http.ResponseWriter, r *http.Request) (map[string][]byte, bool) {
	date, ok := settlementDate(r.PathValue("date"))
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "date: must be a clearing date, YYYY-MM-DD or YYYYMMDD"})
		return nil, false
	}
	files, err := s.ClearingFiles(r.PathValue("acquirer"), date, entrypay.DefaultClearing)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return nil, false
	}
	return files, true
}

// settlementList serves GET /settlements/{acquirer}/{date}: the names of that day's files.
func (s *Sandbox) settlementList(w http.ResponseWriter, r *http.Request) {
	files, ok := s.clearingFilesFor(w, r)
	if !ok {
		return
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	writeJSON(w, http.StatusOK, names)
}

// settlementFileGet serves GET /settlements/{acquirer}/{date}/{file}.
func (s *Sandbox) settlementFileGet(w http.ResponseWriter, r *http.Request) {
	files, ok := s.clearingFilesFor(w, r)
	if !ok {
		return
	}
	name := r.PathValue("file")
	body, ok := files[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such file for this acquirer and day"})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}
