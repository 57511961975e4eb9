package entrypay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// PayInput is a merchant's request to take a payment, already decoded from the wire.
type PayInput struct {
	// RequestID is the merchant's paymentRequestId: the idempotency key.
	RequestID        string
	Amount           Amount
	ReferenceOrderID string
	OrderDescription string
	// OrderAmount defaults to Amount.
	OrderAmount Amount
	Store       StoreRef
	UserAgent   string
	ClientIP    string
	// NotifyURL defaults to the merchant's configured notify URL.
	NotifyURL   string
	RedirectURL string
	// ExpiresAt defaults to creation + DefaultExpiry.
	ExpiresAt          time.Time
	SettlementCurrency string
	EntryCode          string
	// DeviceID and CookieID identify the customer's device (order.env.deviceTokenId and
	// cookieId, or the hosted page's own cookie); CustomerID is the wallet's id of the
	// customer when the request carries one. The risk engine sees them.
	DeviceID   string
	CookieID   string
	CustomerID string
	// Origin says who asks (Payment.Origin).
	Origin string
	// codeReplacement marks a payment to a code that replaced an earlier one; codeInactive
	// one to a code that is no longer active, which is refused whatever the rules say.
	codeReplacement bool
	codeInactive    bool
	// hosted marks a payment from entrypay's own page: the merchant need not have a
	// notify URL, since it may follow payments elsewhere.
	hosted bool
}

// PaymentRef names a payment by entrypay's id or the merchant's request id; ID wins.
type PaymentRef struct {
	ID        string
	RequestID string
}

func (r PaymentRef) query(merchantID string, forUpdate bool) PaymentQuery {
	if r.ID != "" {
		return PaymentQuery{ID: r.ID, MerchantID: merchantID, ForUpdate: forUpdate}
	}
	return PaymentQuery{RequestID: r.RequestID, MerchantID: merchantID, ForUpdate: forUpdate}
}

func (g *Gateway) checkPay(m *Merchant, in *PayInput, now time.Time) error {
	if in.RequestID == "" {
		return Errorf(EInvalid, "paymentRequestId is required")
	}
	if len(in.RequestID) > 64 {
		return Errorf(EInvalid, "paymentRequestId is longer than 64 characters")
	}
	if err := in.Amount.check("paymentAmount"); err != nil {
		return err
	}
	if _, ok := Digits(in.Amount.Currency); !ok {
		return Errorf(ECurrencyNotSupported, "paymentAmount.currency %q is not supported", clip(in.Amount.Currency))
	}
	if in.OrderAmount == (Amount{}) {
		in.OrderAmount = in.Amount
	} else if err := in.OrderAmount.check("order.orderAmount"); err != nil {
		return err
	}
	if in.UserAgent == "" {
		return Errorf(EInvalid, "order.env.userAgent is required: it tells which wallet the customer uses")
	}
	if len(in.UserAgent) > 2048 {
		return Errorf(EInvalid, "order.env.userAgent is longer than 2048 characters")
	}
	if in.NotifyURL == "" {
		in.NotifyURL = m.NotifyURL
	}
	switch {
	case in.NotifyURL == "" && in.hosted:
	case in.NotifyURL == "":
		return Errorf(EInvalid, "paymentNotifyUrl is required (the merchant has no default notify URL)")
	default:
		if err := validHTTPURL("paymentNotifyUrl", in.NotifyURL); err != nil {
			return err
		}
	}
	if g.cfg.Notifier != nil && in.NotifyURL != "" {
		if err := g.cfg.Notifier.CheckURL(in.NotifyURL); err != nil {
			return &Error{Code: EInvalid, Message: "paymentNotifyUrl: " + err.Error()}
		}
	}
	if in.RedirectURL != "" {
		if err := validHTTPURL("paymentRedirectUrl", in.RedirectURL); err != nil {
			return err
		}
	}
	if in.ExpiresAt.IsZero() {
		in.ExpiresAt = now.Add(g.cfg.DefaultExpiry)
	} else {
		in.ExpiresAt = in.ExpiresAt.UTC().Truncate(time.Microsecond)
		if !in.ExpiresAt.After(now) {
			return Errorf(EInvalid, "paymentExpiryTime %s is not in the future", in.ExpiresAt.Format(time.RFC3339))
		}
		if in.ExpiresAt.Sub(now) > g.cfg.MaxExpiry {
			return Errorf(EInvalid, "paymentExpiryTime is more than %s after now", g.cfg.MaxExpiry)
		}
	}
	if in.SettlementCurrency == "" {
		in.SettlementCurrency = m.SettlementCurrency
	} else if _, ok := Digits(in.SettlementCurrency); !ok {
		return Errorf(EInvalid, "settlementStrategy.settlementCurrency %q is not an ISO 4217 code", clip(in.SettlementCurrency))
	}
	if in.OrderDescription == "" {
		in.OrderDescription = in.Store.Name
		if in.OrderDescription == "" {
			in.OrderDescription = m.Name
		}
	}
	if in.Store.Name == "" {
		in.Store.Name = m.Name
	}
	if in.Store.MCC == "" {
		in.Store.MCC = m.MCC
	} else if !validMCC(in.Store.MCC) {
		return Errorf(EInvalid, "order.merchant.store.storeMCC %q must be four digits", clip(in.Store.MCC))
	}
	if len(in.OrderDescription) > 256 {
		return Errorf(EInvalid, "order.orderDescription is longer than 256 characters")
	}
	return nil
}

// Pay takes a payment: it records it, asks the wallet side for a cashier, and returns the
// payment with its CashierURL. The payment is not paid yet: the customer confirms in the
// wallet, and the result arrives later (ApplyWalletResult).
//
// Pay is idempotent by the merchant's RequestID: a repeat with the same amount returns the
// same payment (and completes the wallet call if the first attempt got no answer); with a
// different amount it fails with ERepeatInconsistent. When the wallet side gives no
// answer, Pay returns the payment and an EUnknown error: retry with the same request id.
func (g *Gateway) Pay(ctx context.Context, m *Merchant, in PayInput) (*Payment, error) {
	if m.Disabled {
		return nil, merchantDisabled(m)
	}
	now := g.now()
	if err := g.checkPay(m, &in, now); err != nil {
		return nil, err
	}
	wallet, ok := g.cfg.DetectWallet(in.UserAgent)
	if !ok {
		return nil, Errorf(ENoPayOptions, "order.env.userAgent carries no marker of a supported wallet: the customer must open the page in an Alipay+ wallet app")
	}
	p := &Payment{
		Origin:             in.Origin,
		ID:                 NewID("pay_", now),
		MerchantID:         m.ID,
		RequestID:          in.RequestID,
		Amount:             in.Amount,
		Status:             PaymentProcessing,
		ReferenceOrderID:   in.ReferenceOrderID,
		OrderDescription:   in.OrderDescription,
		OrderAmount:        in.OrderAmount,
		Store:              in.Store,
		Wallet:             wallet,
		UserAgent:          in.UserAgent,
		ClientIP:           in.ClientIP,
		NotifyURL:          in.NotifyURL,
		RedirectURL:        in.RedirectURL,
		SettlementCurrency: in.SettlementCurrency,
		Network:            g.networkFor(m),
		EntryCode:          in.EntryCode,
		DeviceID:           in.DeviceID,
		CreatedAt:          now,
		UpdatedAt:          now,
		ExpiresAt:          in.ExpiresAt,
	}
	var existing *Payment
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		existing = nil
		if p.Store.ReferenceID != "" {
			if s, err := tx.StoreByID(ctx, p.Store.ReferenceID); err == nil && s.MerchantID == m.ID {
				p.Store.StoreID = s.ID
			} else if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
		// A repeat finds the first payment before anything is priced for a new one.
		switch prev, err := tx.Payment(ctx, PaymentQuery{MerchantID: m.ID, RequestID: in.RequestID}); {
		case err == nil:
			existing = prev
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if err := g.lockSettlement(ctx, tx, p, now); err != nil {
			return err
		}
		if err := g.checkLimits(ctx, tx, m, p, now); err != nil {
			return err
		}
		inserted, err := tx.InsertPayment(ctx, p)
		if err != nil {
			return err
		}
		if !inserted {
			existing, err = tx.Payment(ctx, PaymentQuery{MerchantID: m.ID, RequestID: in.RequestID})
			return err
		}
		if err := tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventCreated, Detail: fmt.Sprintf("%s, wallet %s", p.Amount, wallet)}); err != nil {
			return err
		}
		if g.riskOn() {
			if err := g.judgePayment(ctx, tx, m, p, &in, now); err != nil {
				return err
			}
		} else if in.codeInactive {
			return Errorf(EOrderClosed, "entry code %s is not active", p.EntryCode)
		}
		if p.Status != PaymentProcessing {
			return nil
		}
		return tx.Enqueue(ctx, Job{Kind: JobWatchPayment, Subject: p.ID, RunAt: now.Add(g.cfg.WatchFirst)})
	})
	if err != nil {
		if _, ok := errors.AsType[*Error](err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("record payment: %w", err)
	}
	if existing == nil {
		if done, err := replayOutcome(p); done { // refused or held by risk
			return p, err
		}
	} else {
		if existing.Amount != in.Amount {
			return nil, Errorf(ERepeatInconsistent, "paymentRequestId %q was already used with paymentAmount %s", clip(in.RequestID), existing.Amount)
		}
		p = existing
		if done, err := replayOutcome(p); done {
			return p, err
		}
		if !now.Before(p.ExpiresAt) {
			return p, Errorf(EOrderClosed, "payment %s expired before the wallet side answered", p.ID)
		}
	}
	return g.sendToWallet(ctx, m, p)
}

// replayOutcome says whether a pay can be answered from the stored payment (a repeat, or
// a new payment the risk engine refused or held), and with what.
func replayOutcome(p *Payment) (bool, error) {
	switch {
	case p.Status == PaymentCancelled:
		return true, Errorf(EOrderCanceled, "payment %s was cancelled; use a new paymentRequestId", p.ID)
	case p.Status == PaymentFail:
		return true, &Error{Code: ErrorCode(p.ResultCode), Message: p.ResultMessage}
	case p.CashierURL != "":
		return true, nil
	case p.RiskReview == ReviewPending:
		return true, nil // the customer waits on the hold page
	}
	return false, nil
}

func (g *Gateway) sendToWallet(ctx context.Context, m *Merchant, p *Payment) (*Payment, error) {
	wp, werr := g.side(p.Network).Pay(ctx, p, m)
	now := g.now()
	var out *Payment
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Payment(ctx, PaymentQuery{ID: p.ID, ForUpdate: true})
		if err != nil {
			return err
		}
		out = cur
		if cur.CashierURL != "" || cur.Status != PaymentProcessing {
			return nil // a concurrent repeat got there first
		}
		ev := &PaymentEvent{PaymentID: cur.ID, At: now}
		var walletErr *Error
		switch {
		case werr == nil:
			cur.WalletPaymentID, cur.CashierURL = wp.WalletPaymentID, wp.CashierURL
			cur.PspID, cur.WalletBrand = wp.PspID, wp.WalletBrand
			cur.UpdatedAt = now
			ev.Kind, ev.Detail = EventWalletPay, "cashier "+wp.CashierURL
		case errors.As(werr, &walletErr) && !errors.Is(werr, ErrWalletNoAnswer):
			cur.ResultCode, cur.ResultMessage = string(walletErr.Code), walletErr.Message
			if err := cur.moveTo(PaymentFail, now); err != nil {
				return err
			}
			g.ended(tx, cur)
			if err := g.declinePayment(ctx, tx, cur); err != nil {
				return err
			}
			ev.Kind, ev.Detail = EventWalletPay, "refused: "+walletErr.Error()
		default:
			ev.Kind, ev.Detail = EventWalletNoAnswer, "pay: "+werr.Error()
			return tx.InsertPaymentEvent(ctx, ev)
		}
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		return tx.InsertPaymentEvent(ctx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("record wallet answer for %s: %w", p.ID, err)
	}
	if done, err := replayOutcome(out); done {
		return out, err
	}
	g.log.WarnContext(ctx, "wallet side gave no answer to pay", "payment", p.ID, "err", werr)
	return out, &Error{Code: EUnknown, Message: "the wallet side did not answer; retry with the same paymentRequestId", Err: werr}
}

// Payment returns one of the merchant's payments and its refunds.
func (g *Gateway) Payment(ctx context.Context, m *Merchant, ref PaymentRef) (*Payment, []*Refund, error) {
	if ref.ID == "" && ref.RequestID == "" {
		return nil, nil, Errorf(EInvalid, "paymentId or paymentRequestId is required")
	}
	var p *Payment
	var refunds []*Refund
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.Payment(ctx, ref.query(m.ID, false)); err != nil {
			return notFound(err, ENotFound, "no payment %s", ref)
		}
		refunds, err = tx.RefundsOfPayment(ctx, p.ID)
		return err
	})
	return p, refunds, err
}

func (r PaymentRef) String() string {
	if r.ID != "" {
		return fmt.Sprintf("with paymentId %q", clip(r.ID))
	}
	return fmt.Sprintf("with paymentRequestId %q", clip(r.RequestID))
}

// PaymentByID returns any payment by entrypay's id, with no merchant check: for the
// gateway's own pages and jobs.
func (g *Gateway) PaymentByID(ctx context.Context, id string) (*Payment, error) {
	var p *Payment
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		p, err = tx.Payment(ctx, PaymentQuery{ID: id})
		return notFound(err, ENotFound, "no payment %q", clip(id))
	})
	return p, err
}

// ApplyWalletResult records what the wallet side says about a payment (from its
// notification or an inquiry): a first final result moves the payment to SUCCESS or FAIL,
// posts the journal entry and queues the merchant's notification, all in one transaction.
// Repeats are harmless. A success for a payment already closed or cancelled is recorded
// and the money is sent back to the customer.
func (g *Gateway) ApplyWalletResult(ctx context.Context, res WalletResult) error {
	if res.Status != PaymentSuccess && res.Status != PaymentFail {
		return nil
	}
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		p, err := tx.Payment(ctx, PaymentQuery{ID: res.PaymentID, ForUpdate: true})
		if err != nil {
			return notFound(err, ENotFound, "no payment %q", clip(res.PaymentID))
		}
		event := func(kind, detail string) error {
			return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: kind, Detail: detail})
		}
		if res.Amount != (Amount{}) && res.Amount != p.Amount {
			// Never accept a result for another amount. The mismatch is kept in the
			// payment's history; the payment stays as it is and closes at expiry.
			g.log.ErrorContext(ctx, "wallet result amount mismatch", "payment", p.ID, "wallet", res.Amount.String(), "ours", p.Amount.String())
			return event(EventMismatch, fmt.Sprintf("wallet says %s, payment is %s: %s", res.Amount, p.Amount, res.Raw))
		}
		switch {
		case p.Status == PaymentProcessing:
			if err := event(EventWalletResult, fmt.Sprintf("%s %s %s", res.Status, res.ResultCode, res.Raw)); err != nil {
				return err
			}
			if res.Status == PaymentFail && res.ResultCode == string(EOrderClosed) {
				// Closed on the wallet side: by the merchant's cancel when it asked for
				// one (and the answer to it was lost), so the payment is cancelled, as
				// the merchant's retried cancel will be told.
				requested, err := cancelRequested(ctx, tx, p.ID)
				if err != nil {
					return err
				}
				if requested {
					return g.markCancelled(ctx, tx, p, now, "cancelled by the merchant; the wallet side confirmed it by inquiry")
				}
			}
			p.WalletPaymentID = firstNonEmpty(res.WalletPaymentID, p.WalletPaymentID)
			p.PspID = firstNonEmpty(res.PspID, p.PspID)
			p.WalletBrand = firstNonEmpty(res.WalletBrand, p.WalletBrand)
			p.WalletType = firstNonEmpty(res.WalletType, p.WalletType)
			p.WalletCustomerID = firstNonEmpty(res.WalletCustomerID, p.WalletCustomerID)
			if res.Status == PaymentSuccess {
				if err := p.moveTo(PaymentSuccess, now); err != nil {
					return err
				}
				g.ended(tx, p)
				if !res.PaidAt.IsZero() {
					p.PaidAt = res.PaidAt.UTC().Truncate(time.Microsecond)
				}
				p.CustomerAmount, p.PaymentQuote = res.CustomerAmount, res.Quote
				p.ResultCode, p.ResultMessage = "SUCCESS", "success"
				if err := g.bookPayment(ctx, tx, p, now); err != nil {
					return err
				}
			} else {
				if err := p.moveTo(PaymentFail, now); err != nil {
					return err
				}
				g.ended(tx, p)
				p.ResultCode = firstNonEmpty(res.ResultCode, "PROCESS_FAIL")
				p.ResultMessage = firstNonEmpty(res.ResultMessage, "the wallet refused the payment")
				if err := g.declinePayment(ctx, tx, p); err != nil {
					return err
				}
			}
			if err := tx.UpdatePayment(ctx, p); err != nil {
				return err
			}
			return g.queueNotification(ctx, tx, p, now)
		case res.Status == PaymentSuccess && (p.Status == PaymentFail || p.Status == PaymentCancelled) && p.LateSuccess == "":
			if err := event(EventLateSuccess, res.Raw); err != nil {
				return err
			}
			p.LateSuccess = LateSuccessReversing
			p.UpdatedAt = now
			if err := tx.UpdatePayment(ctx, p); err != nil {
				return err
			}
			entry := transfer(EntryLateSuccess, walletReceivable(p.Network), lateSuccessSuspense(p.Network), p.Amount)
			entry.ClearingDate = g.cfg.Clearing.Date(now)
			if err := g.post(ctx, tx, entry, p.ID, "", now); err != nil {
				return err
			}
			return tx.Enqueue(ctx, Job{Kind: JobReverseLateSuccess, Subject: p.ID, RunAt: now})
		case res.Status != p.Status && !(res.Status == PaymentSuccess && p.LateSuccess != ""):
			return event(EventWalletResult, fmt.Sprintf("ignored %s for a %s payment: %s", res.Status, p.Status, res.Raw))
		}
		return nil // a repeat of what is already recorded
	})
}

func (g *Gateway) post(ctx context.Context, tx Tx, e *JournalEntry, paymentID, refundID string, now time.Time) error {
	e.ID = NewID("jnl_", now)
	e.PaymentID, e.RefundID, e.CreatedAt = paymentID, refundID, now
	if err := e.Check(); err != nil {
		return err
	}
	return tx.InsertJournalEntry(ctx, e)
}

func (g *Gateway) queueNotification(ctx context.Context, tx Tx, p *Payment, now time.Time) error {
	if g.cfg.Notifier == nil || p.NotifyURL == "" {
		return nil
	}
	m, err := tx.Merchant(ctx, p.MerchantID)
	if err != nil {
		return err
	}
	body, err := g.cfg.Notifier.Format(p, m)
	if err != nil {
		return fmt.Errorf("format notification for %s: %w", p.ID, err)
	}
	n := &Notification{
		ID:         NewID("ntf_", now),
		PaymentID:  p.ID,
		MerchantID: p.MerchantID,
		URL:        p.NotifyURL,
		Body:       body,
		Status:     NotificationPending,
		CreatedAt:  now,
	}
	if err := tx.InsertNotification(ctx, n); err != nil {
		return err
	}
	return tx.Enqueue(ctx, Job{Kind: JobNotifyMerchant, Subject: n.ID, RunAt: now})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
