// Package walletfiles reads the clearing and settlement files that the wallet side (Alipay+,
// or entrypay's sandbox standing in for it) delivers to entrypay as an acquirer, and checks
// them before reconciliation compares them with entrypay's books.
//
// Alipay+ publishes the names and the delivery of these files but not their columns, so
// entrypay defines them, as close to Antom's transaction details and settlement reports as
// the acquirer's side allows. The sandbox writes exactly this format; the parser does not
// depend on the sandbox.
//
// # Settlement model
//
// The wallet side settles with each acquirer (participantId, entrypay's client id) in the
// transaction currency, under one participant agreement per currency (e.g. PA-HKD). Each
// acquirer therefore gets, per currency and clearing day, one transaction detail file and
// one settlement file, both under the same batch id. A clearing day is 00:00–23:59:59 UTC+8
// by each transaction's own time (entrypay.DefaultClearing); the value date is the next day.
//
// # File names
//
//	transactionItems_<participantId>_<settlementCurrency>_<clearingBatchId>_<participantAgreementId>_<seq>.csv
//	settlement_<participantId>_<settlementCurrency>_<settlementBatchId>_<participantAgreementId>_<seq>.csv
//
// The parts after participantId contain no underscore and are read from the right, so a
// participantId may contain underscores (SANDBOX_ACQ_1). seq is three digits (000–999). The
// sandbox names its batches CB<YYYYMMDD><currency> and its agreements PA-<currency>; the
// parser treats both as opaque.
//
// # Format
//
// UTF-8 CSV (RFC 4180 quoting; a leading byte order mark is ignored): the first line names
// the columns, then the data lines, and the last line is the literal <END>. Columns are
// found by name, so their order may change and unknown columns are ignored. A file that
// ends before <END> is truncated (ErrTruncated): fetch it again. Amounts are signed integers
// in minor units of their currency, times ISO 8601 (RFC 3339) with an offset.
//
// Transaction detail file, one line per settled transaction:
//
//	participantId,counterParticipantId,transactionId,transactionRequestId,originalTransactionRequestId,transactionType,transactionTime,transactionAmountValue,transactionCurrency,settlementAmountValue,settlementCurrency,pspId,walletBrandName,clearingBatchId
//
// Each line is one transaction:
//
//   - participantId: the acquirer, as in the file name.
//   - counterParticipantId: the wallet's pspId (Alipay+ says the two are equal).
//   - transactionId: the wallet side's id: the paymentId of a PAYMENT or CANCEL, the
//     refundId of a REFUND.
//   - transactionRequestId: the acquirer's id: the paymentRequestId of a PAYMENT or CANCEL,
//     the refundRequestId of a REFUND.
//   - originalTransactionRequestId: the paymentRequestId a REFUND or CANCEL belongs to;
//     empty for a PAYMENT.
//   - transactionType: PAYMENT (a payment became paid), REFUND (a refund succeeded) or
//     CANCEL (a paid payment was cancelled and reversed; it takes back what refunds had
//     not). Unpaid payments, failures and cancels of unpaid payments move no money and have
//     no line.
//   - transactionTime: when that happened; it decides the clearing day.
//   - transactionAmountValue, transactionCurrency: PAYMENT positive, REFUND and CANCEL
//     negative.
//   - settlementAmountValue, settlementCurrency: equal to the transaction amount and
//     currency, and settlementCurrency is the one in the file name.
//   - pspId, walletBrandName: the wallet, e.g. 1022170000000000000, GCash.
//   - clearingBatchId: as in the file name.
//
// Settlement file, one summary line:
//
//	participantId,settlementBatchId,settlementCurrency,valueDate,transactionCount,grossAmountValue,refundAmountValue,cancelAmountValue,netAmountValue
//
// valueDate is YYYY-MM-DD; transactionCount counts the transaction file's lines;
// grossAmountValue sums its PAYMENT lines (≥ 0), refundAmountValue its REFUND lines (≤ 0),
// cancelAmountValue its CANCEL lines (≤ 0); netAmountValue = gross + refunds + cancels is
// what the wallet side pays the acquirer. No fees are charged.
//
// # Checks
//
// ParseTransactionFile and ParseSettlementFile refuse a file, with a *FileError naming the
// file and the line, when the name does not match, the header lacks a column (or repeats
// one), a line has the wrong number of fields, <END> is missing or not last, a line's
// participantId, batch id or settlement currency differs from the name's, a currency is not
// ISO 4217, an amount is not an integer or has the wrong sign for its type, a type is not
// PAYMENT, REFUND or CANCEL, a time is not ISO 8601, a required field is empty, or the same
// transactionType and transactionRequestId appear twice (a payment and its cancel share the
// paymentRequestId). The settlement file must have exactly one summary line whose net is
// the sum of its parts. CheckPair then checks the settlement file against its transaction
// file.
package walletfiles
