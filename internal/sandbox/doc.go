// Package sandbox plays Alipay+ and its wallets for entrypay: a real peer that speaks the
// signed Alipay+ acquirer protocol over HTTP, not a mock. entrypay's Alipay+ connector
// points at it exactly as it would point at Alipay+, so every byte the connector sends and
// every signature it checks is exercised.
//
// What it serves, under Config.BasePath:
//
//   - POST /aps/api/v1/payments/{pay,inquiryPayment,cancelPayment,refund}: the acquirer
//     APIs, signature-checked against Config.Acquirers and answered signed with Config.Key
//     (HTTP 200 and a result, always; an answer to a request whose signature failed is
//     unsigned).
//   - GET /cashier/{token}: the wallet cashier a person can use, with Confirm, Cancel and a
//     few simulated failures; the pay answer's paymentUrl points here. POST with the form
//     field action = confirm | cancel | fail_balance | fail_verification | pay_no_notify
//     applies the outcome and redirects (303) back to the page.
//   - POST /api/v1/confirm {"paymentUrl": "...", "outcome": "SUCCESS"}: the same outcomes
//     for automated tests (SUCCESS, USER_BALANCE_NOT_ENOUGH, USER_PAYMENT_VERIFICATION_FAILED,
//     USER_CANCEL, NO_NOTIFY), unsigned; it answers the final state as JSON once the first
//     notification attempt is over, 409 if the payment was already final with another state.
//   - POST /api/v1/faults {"api": "pay", "mode": "timeout", "count": 1, "delayMs": 0}: the
//     next count calls (0 = until cleared) of pay, inquiryPayment, cancelPayment, refund or
//     notify misbehave: timeout, http500, garbage, unknown, badsig or delay. GET lists the
//     faults, DELETE clears them.
//   - GET /settlements/{acquirer}/{date} and GET /settlements/{acquirer}/{date}/{file}: the
//     names (a JSON list) and the contents (text/csv) of the acquirer's transaction detail
//     and settlement files of one clearing day on Alipay+'s cycle (UTC+8, midnight to
//     midnight; date YYYY-MM-DD or YYYYMMDD), one pair per currency. Unsigned and open to
//     anyone, like the test APIs: Alipay+ hands them over by SFTP. ClearingFiles gives the
//     same files for any cycle; TamperClearing and DropClearing make them disagree with the
//     acquirer's books. The format is entrypay's, documented in internal/walletfiles: a
//     PAYMENT line when a payment is paid, a REFUND when a refund succeeds, a CANCEL when a
//     paid payment is cancelled, each on the clearing day of its own time.
//   - GET /: an index of the wallets and of the latest payments.
//
// Each wallet has one sandbox customer with a balance in the wallet's currency; the customer
// is charged paymentAmount converted at a sandbox reference rate (rates.json, not market
// data) and rounded half-even to the wallet currency's ISO 4217 digits (IDR to a whole
// rupiah).
//
// All state (payments, refunds, balances, faults, pending notifications) is in memory and
// guarded by one mutex: it is lost when the process stops, which is what a sandbox is for.
// The first notification of an outcome is sent before the confirming request is answered;
// failed ones are retried by Run, and without Run only that first attempt is made. A
// payment that expires or is cancelled by the acquirer is not notified: the acquirer asked,
// or must ask, by inquiryPayment.
package sandbox
