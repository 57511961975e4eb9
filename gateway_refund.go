package entrypay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// RefundInput is a merchant's request to refund part or all of a payment.
type RefundInput struct {
	// RequestID is the merchant's refundRequestId: the idempotency key.
	RequestID         string
	PaymentID         string
	ReferenceRefundID string
	Amount            Amount
	Reason            string
	// Origin says who asks (Refund.Origin).
	Origin string

	// audit, when set, is written in the transaction that records the refund (a refund
	// asked for from the dashboard); a repeat of the request writes nothing.
	audit *AuditEntry
}

// RefundRef names a refund by entrypay's id or the merchant's request id; ID wins.
type RefundRef struct {
	ID        string
	RequestID string
}

// Refund gives back part or all of a successful payment. Refunds of one payment may be
// many, but together never more than was paid, even when they arrive at the same moment:
// the payment row is locked while the new refund is checked and recorded. Refund is
// idempotent by the merchant's RequestID; when the wallet side gives no answer, it returns
// the PROCESSING refund and an EUnknown error, and a job keeps retrying it.
func (g *Gateway) Refund(ctx context.Context, m *Merchant, in RefundInput) (*Refund, error) {
	switch {
	case in.RequestID == "":
		return nil, Errorf(EInvalid, "refundRequestId is required")
	case len(in.RequestID) > 64:
		return nil, Errorf(EInvalid, "refundRequestId is longer than 64 characters")
	case in.PaymentID == "":
		return nil, Errorf(EInvalid, "paymentId is required")
	case len(in.Reason) > 256:
		return nil, Errorf(EInvalid, "refundReason is longer than 256 characters")
	}
	if err := in.Amount.check("refundAmount"); err != nil {
		return nil, err
	}
	now := g.now()
	var r *Refund
	var p *Payment
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		r, p = nil, nil
		existing, err := tx.Refund(ctx, RefundQuery{MerchantID: m.ID, RequestID: in.RequestID})
		if err == nil {
			return g.sameRefund(ctx, tx, existing, in, &r, &p)
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		p, err = tx.Payment(ctx, PaymentQuery{ID: in.PaymentID, MerchantID: m.ID, ForUpdate: true})
		if err != nil {
			return notFound(err, ENotFound, "no payment with paymentId %q", clip(in.PaymentID))
		}
		// A request with the same refundRequestId (another node, a client's retry) may
		// have committed while this one waited for the payment's lock: this one is its
		// repeat, not a second refund counted against what is left to refund. (PostgreSQL
		// reads committed rows afresh after the wait; SQLite serialised the two already.)
		switch existing, err := tx.Refund(ctx, RefundQuery{MerchantID: m.ID, RequestID: in.RequestID}); {
		case err == nil:
			return g.sameRefund(ctx, tx, existing, in, &r, &p)
		case !errors.Is(err, ErrNotFound):
			return err
		}
		switch p.Status {
		case PaymentSuccess:
		case PaymentCancelled:
			return Errorf(EOrderCanceled, "payment %s was cancelled and cannot be refunded", p.ID)
		default:
			return Errorf(EStatusInvalid, "payment %s is %s; only a successful payment can be refunded", p.ID, p.Status)
		}
		if in.Amount.Currency != p.Amount.Currency {
			return Errorf(ECurrencyNotSupported, "refundAmount.currency must be %s, the payment's currency", p.Amount.Currency)
		}
		if now.After(p.PaidAt.Add(g.cfg.RefundWindow)) {
			return Errorf(ERefundWindowExceed, "payment %s was paid on %s, more than %d days ago", p.ID, p.PaidAt.Format(time.DateOnly), int(g.cfg.RefundWindow.Hours()/24))
		}
		refunds, err := tx.RefundsOfPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		total := Amount{Currency: p.Amount.Currency}
		for _, old := range refunds {
			if old.Status != RefundFail {
				if total, err = total.Add(old.Amount); err != nil {
					return err
				}
			}
		}
		after, err := total.Add(in.Amount)
		if err != nil || after.Value > p.Amount.Value {
			return Errorf(ERefundAmountExceed, "refunds of payment %s would total %s, more than the %s paid (%s already refunded or in process)", p.ID, after, p.Amount, total)
		}
		r = &Refund{
			ID:                NewID("rfd_", now),
			PaymentID:         p.ID,
			MerchantID:        m.ID,
			RequestID:         in.RequestID,
			ReferenceRefundID: in.ReferenceRefundID,
			Amount:            in.Amount,
			Reason:            in.Reason,
			Origin:            in.Origin,
			Status:            RefundProcessing,
			CreatedAt:         now,
			UpdatedAt:         now,
		}
		if err := g.priceRefund(ctx, tx, p, r, total.Value); err != nil {
			return err
		}
		inserted, err := tx.InsertRefund(ctx, r)
		if err != nil {
			return err
		}
		if !inserted { // a concurrent request with the same refundRequestId won
			existing, err := tx.Refund(ctx, RefundQuery{MerchantID: m.ID, RequestID: in.RequestID})
			if err != nil {
				return err
			}
			return g.sameRefund(ctx, tx, existing, in, &r, &p)
		}
		if err := tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRefund, Detail: fmt.Sprintf("refund %s of %s requested", r.ID, r.Amount)}); err != nil {
			return err
		}
		if in.audit != nil {
			a := *in.audit
			a.At, a.Subject = now, p.ID
			a.Detail = fmt.Sprintf("refund %s of %s of payment %s (refundRequestId %s)", r.ID, r.Amount, p.ID, r.RequestID)
			if err := tx.InsertAuditEntry(ctx, &a); err != nil {
				return err
			}
		}
		if g.riskOn() {
			if err := g.judgeRefund(ctx, tx, m, p, r, total.Value, now); err != nil {
				return err
			}
			if r.Status == RefundFail {
				return nil // refused: nothing was reserved, nothing is sent
			}
		}
		if err := g.reserveRefund(ctx, tx, p, r, now); err != nil {
			return err
		}
		if r.RiskReview == ReviewPending {
			return nil // sent when an operator releases it
		}
		return tx.Enqueue(ctx, Job{Kind: JobRetryRefund, Subject: r.ID, RunAt: now.Add(g.cfg.RefundRetry)})
	})
	if err != nil {
		return nil, err
	}
	if r.Status != RefundProcessing {
		return r, refundOutcome(r)
	}
	if r.RiskReview == ReviewPending {
		return r, errRefundHeld
	}
	return g.sendRefund(ctx, p, r)
}

// sameRefund checks that a repeated refund request matches the first one.
func (g *Gateway) sameRefund(ctx context.Context, tx Tx, existing *Refund, in RefundInput, r **Refund, p **Payment) error {
	if existing.PaymentID != in.PaymentID || existing.Amount != in.Amount {
		return Errorf(ERepeatInconsistent, "refundRequestId %q was already used for %s of payment %s", clip(in.RequestID), existing.Amount, existing.PaymentID)
	}
	pay, err := tx.Payment(ctx, PaymentQuery{ID: existing.PaymentID})
	if err != nil {
		return err
	}
	*r, *p = existing, pay
	return nil
}

func refundOutcome(r *Refund) error {
	if r.Status == RefundFail {
		return &Error{Code: ErrorCode(r.ResultCode), Message: r.ResultMessage}
	}
	return nil
}

func (g *Gateway) sendRefund(ctx context.Context, p *Payment, r *Refund) (*Refund, error) {
	wr, werr := g.side(p.Network).Refund(ctx, p, r)
	now := g.now()
	var out *Refund
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Refund(ctx, RefundQuery{ID: r.ID, ForUpdate: true})
		if err != nil {
			return err
		}
		out = cur
		if cur.Status != RefundProcessing {
			return nil
		}
		var walletErr *Error
		switch {
		case werr == nil:
			if err := cur.moveTo(RefundSuccess, now); err != nil {
				return err
			}
			cur.WalletRefundID = wr.WalletRefundID
			if !wr.RefundedAt.IsZero() {
				cur.RefundedAt = wr.RefundedAt.UTC().Truncate(time.Microsecond)
			}
			cur.ResultCode, cur.ResultMessage = "SUCCESS", "success"
			if err := g.bookRefund(ctx, tx, p, cur, now); err != nil {
				return err
			}
		case errors.As(werr, &walletErr) && !errors.Is(werr, ErrWalletNoAnswer):
			if err := cur.moveTo(RefundFail, now); err != nil {
				return err
			}
			cur.ResultCode, cur.ResultMessage = string(walletErr.Code), walletErr.Message
			if err := g.releaseRefund(ctx, tx, p, cur, now); err != nil {
				return err
			}
			if err := g.declineRefund(ctx, tx, cur); err != nil {
				return err
			}
		default:
			return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventWalletNoAnswer, Detail: fmt.Sprintf("refund %s: %v", r.ID, werr)})
		}
		if err := tx.UpdateRefund(ctx, cur); err != nil {
			return err
		}
		return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventRefund, Detail: fmt.Sprintf("refund %s %s %s", cur.ID, cur.Status, cur.ResultCode)})
	})
	if err != nil {
		return nil, fmt.Errorf("record refund answer for %s: %w", r.ID, err)
	}
	if out.Status != RefundProcessing {
		return out, refundOutcome(out)
	}
	return out, &Error{Code: EUnknown, Message: "the refund is in process: the wallet side did not answer; retry with the same refundRequestId or call inquiryRefund", Err: werr}
}

// RefundOf returns one of the merchant's refunds.
func (g *Gateway) RefundOf(ctx context.Context, m *Merchant, ref RefundRef) (*Refund, error) {
	if ref.ID == "" && ref.RequestID == "" {
		return nil, Errorf(EInvalid, "refundId or refundRequestId is required")
	}
	var r *Refund
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		q := RefundQuery{ID: ref.ID, MerchantID: m.ID}
		if ref.ID == "" {
			q = RefundQuery{RequestID: ref.RequestID, MerchantID: m.ID}
		}
		r, err = tx.Refund(ctx, q)
		if ref.ID != "" {
			return notFound(err, ENotFound, "no refund with refundId %q", clip(ref.ID))
		}
		return notFound(err, ENotFound, "no refund with refundRequestId %q", clip(ref.RequestID))
	})
	return r, err
}

// Cancel cancels a payment: an unpaid one is closed, a paid one inside the cancel window
// is reversed through the wallet side (the customer gets the money back). Outside the
// window it fails with ECancelWindowExceed: refund instead. Cancelling a cancelled payment
// succeeds again.
func (g *Gateway) Cancel(ctx context.Context, m *Merchant, ref PaymentRef) (*Payment, error) {
	return g.cancel(ctx, m, ref, nil)
}

// cancel is Cancel; audit, when set, is written in the transaction that records the
// cancel request.
func (g *Gateway) cancel(ctx context.Context, m *Merchant, ref PaymentRef, audit *AuditEntry) (*Payment, error) {
	if ref.ID == "" && ref.RequestID == "" {
		return nil, Errorf(EInvalid, "paymentId or paymentRequestId is required")
	}
	var p *Payment
	now := g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		p, err = tx.Payment(ctx, ref.query(m.ID, false))
		if err != nil {
			return notFound(err, ENotFound, "no payment %s", ref)
		}
		if err := g.checkCancel(ctx, tx, p, now); err != nil || p.Status == PaymentCancelled {
			return err
		}
		if audit != nil {
			a := *audit
			a.At, a.Subject = now, p.ID
			a.Detail = fmt.Sprintf("cancel of payment %s (%s, %s) requested", p.ID, p.Status, p.Amount)
			if err := tx.InsertAuditEntry(ctx, &a); err != nil {
				return err
			}
		}
		// Kept before the wallet side is asked: if its answer is lost, whoever learns
		// first that the wallet side closed the payment knows the merchant cancelled it.
		return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventCancelRequested, Detail: "cancel requested by the merchant"})
	})
	if err != nil || p.Status == PaymentCancelled {
		return p, err
	}
	werr := g.side(p.Network).CancelPayment(ctx, p)
	var walletErr *Error
	switch {
	case werr == nil:
	case errors.Is(werr, ErrWalletNoAnswer) || !errors.As(werr, &walletErr):
		return p, &Error{Code: EUnknown, Message: "the wallet side did not answer; retry the cancel with the same parameters", Err: werr}
	case walletErr.Code == ENotFound && p.Status == PaymentProcessing:
		// The pay never reached the wallet side: there is nothing to close there.
	default:
		return p, walletErr
	}
	now = g.now()
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if p, err = tx.Payment(ctx, PaymentQuery{ID: p.ID, ForUpdate: true}); err != nil {
			return err
		}
		return g.markCancelled(ctx, tx, p, now, "cancelled by the merchant")
	})
	return p, err
}

func (g *Gateway) checkCancel(ctx context.Context, tx Tx, p *Payment, now time.Time) error {
	switch p.Status {
	case PaymentCancelled, PaymentProcessing:
		return nil
	case PaymentFail:
		return Errorf(EStatusInvalid, "payment %s already failed (%s); there is nothing to cancel", p.ID, p.ResultCode)
	}
	if now.After(p.CreatedAt.Add(g.cfg.CancelWindow)) {
		return Errorf(ECancelWindowExceed, "payment %s is past its cancel window of %s; refund it instead", p.ID, g.cfg.CancelWindow)
	}
	refunds, err := tx.RefundsOfPayment(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, r := range refunds {
		if r.Status != RefundFail {
			return Errorf(EStatusInvalid, "payment %s has refunds; refund the rest instead of cancelling", p.ID)
		}
	}
	return nil
}

// cancelRequested reports whether the merchant has asked to cancel payment id.
func cancelRequested(ctx context.Context, tx Tx, id string) (bool, error) {
	events, err := tx.PaymentEvents(ctx, id)
	if err != nil {
		return false, err
	}
	for _, e := range events {
		if e.Kind == EventCancelRequested {
			return true, nil
		}
	}
	return false, nil
}

// markCancelled records a cancel the wallet side has confirmed. A paid payment's money is
// moved back in the same transaction.
func (g *Gateway) markCancelled(ctx context.Context, tx Tx, p *Payment, now time.Time, why string) error {
	switch p.Status {
	case PaymentCancelled, PaymentFail:
		return nil
	case PaymentSuccess:
		if err := g.reverseBooking(ctx, tx, p, now); err != nil {
			return err
		}
	}
	if err := p.moveTo(PaymentCancelled, now); err != nil {
		return err
	}
	g.ended(tx, p)
	if err := g.declinePayment(ctx, tx, p); err != nil {
		return err
	}
	p.ResultCode, p.ResultMessage = string(EOrderCanceled), why
	if err := tx.UpdatePayment(ctx, p); err != nil {
		return err
	}
	return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: p.ID, At: now, Kind: EventCancelled, Detail: why})
}
