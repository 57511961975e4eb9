// Package entrypay is the domain of an acquiring gateway for Entry Code Payment: a merchant
// shows one static QR code, a customer scans it with the wallet app they already use, types
// the amount, confirms in the wallet's cashier and sees the result; the merchant is notified
// and can query, cancel and refund.
//
// This package holds the vocabulary and the rules, and the Gateway that applies them. It
// imports no database, HTTP or wallet code: those are adapters under internal/ that satisfy
// the small interfaces declared here (Store, WalletSide, Notifier).
//
// Glossary:
//
//   - Merchant: a business that accepts payments; it calls the API with a client id and
//     signs with its RSA key.
//   - Store: one of a merchant's shops, with its merchant category code (MCC) and region.
//   - Entry code: the static QR code a store shows; it carries a URL of entrypay's page.
//   - Payment: one customer paying one amount; PROCESSING until the wallet side reports a
//     final SUCCESS or FAIL, or it is CANCELLED.
//   - Refund: money given back from a successful payment, partly or in full, possibly
//     several times.
//   - Wallet: the customer's app (Alipay+ Mobile Payment Provider), reached through the
//     wallet side (Alipay+ or the built-in sandbox).
//   - Quote: an exchange rate with an id and a validity, used when the customer pays in
//     another currency or the merchant is settled in another currency.
//   - Journal entry: a balanced set of postings that records one movement of money.
//   - Notification: the signed message that tells a merchant a payment is final.
package entrypay
