package entrypay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WatchPayment is the work of a JobWatchPayment: it asks the wallet side about a payment
// that is still PROCESSING and applies a final answer; at expiry it cancels the payment on
// the wallet side and closes it. It returns how long to wait before watching again, or 0
// when the payment needs no more watching.
func (g *Gateway) WatchPayment(ctx context.Context, paymentID string) (time.Duration, error) {
	p, err := g.PaymentByID(ctx, paymentID)
	if err != nil {
		return 0, err
	}
	if p.Status != PaymentProcessing {
		return 0, nil
	}
	if p.RiskReview == ReviewPending {
		return g.closeHeld(ctx, p)
	}
	side := g.side(p.Network)
	res, err := side.InquirePayment(ctx, p)
	switch {
	case err == nil && (res.Status == PaymentSuccess || res.Status == PaymentFail):
		res.PaymentID = p.ID
		return 0, g.ApplyWalletResult(ctx, res)
	case err != nil && ErrorCodeOf(err) != ENotFound:
		g.log.InfoContext(ctx, "inquiry gave no answer", "payment", p.ID, "err", err)
	}
	now := g.now()
	if now.Before(p.ExpiresAt) {
		wait := min(max(now.Sub(p.CreatedAt)/4, g.cfg.WatchFirst), g.cfg.WatchMax, p.ExpiresAt.Sub(now))
		return wait, nil
	}
	return g.closeExpired(ctx, side, p)
}

func (g *Gateway) closeExpired(ctx context.Context, side WalletSide, p *Payment) (time.Duration, error) {
	werr := side.CancelPayment(ctx, p)
	var walletErr *Error
	if werr != nil && (errors.Is(werr, ErrWalletNoAnswer) || !errors.As(werr, &walletErr)) {
		g.log.WarnContext(ctx, "cancel of expired payment gave no answer", "payment", p.ID, "err", werr)
		return g.cfg.WatchMax, nil
	}
	if werr != nil && walletErr.Code != ENotFound {
		// The wallet side refused to cancel: perhaps because the customer paid after all.
		// Ask once more before closing, so that a paid payment is not closed and then
		// reversed.
		if res, err := side.InquirePayment(ctx, p); err == nil && res.Status == PaymentSuccess {
			res.PaymentID = p.ID
			return 0, g.ApplyWalletResult(ctx, res)
		}
	}
	now := g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Payment(ctx, PaymentQuery{ID: p.ID, ForUpdate: true})
		if err != nil {
			return err
		}
		detail := "expired; wallet side cancelled it"
		if werr != nil {
			detail = "expired; wallet side: " + werr.Error()
		}
		switch cur.Status {
		case PaymentProcessing:
			if err := cur.moveTo(PaymentFail, now); err != nil {
				return err
			}
			g.ended(tx, cur)
			if err := g.declinePayment(ctx, tx, cur); err != nil {
				return err
			}
			cur.ResultCode, cur.ResultMessage = string(EOrderClosed), "the payment expired before the customer paid"
			if err := tx.UpdatePayment(ctx, cur); err != nil {
				return err
			}
			if err := tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: cur.ID, At: now, Kind: EventClosed, Detail: detail}); err != nil {
				return err
			}
			return g.queueNotification(ctx, tx, cur, now)
		case PaymentSuccess:
			// The success arrived while the cancel was under way; the wallet side's
			// cancel wins, so the payment is reversed.
			if werr != nil {
				return nil
			}
			return g.markCancelled(ctx, tx, cur, now, "expired; the wallet side's cancel overrode a late success")
		}
		return nil
	})
	return 0, err
}

// RetryRefund is the work of a JobRetryRefund: it repeats a refund whose outcome is
// unknown, with the same ids, and returns how long to wait before trying again (0 when
// the refund is final).
func (g *Gateway) RetryRefund(ctx context.Context, refundID string) (time.Duration, error) {
	var r *Refund
	var p *Payment
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.Refund(ctx, RefundQuery{ID: refundID}); err != nil {
			return err
		}
		p, err = tx.Payment(ctx, PaymentQuery{ID: r.PaymentID})
		return err
	})
	if err != nil {
		return 0, err
	}
	if r.Status != RefundProcessing || r.RiskReview == ReviewPending {
		return 0, nil // final, or held until an operator releases it
	}
	r, err = g.sendRefund(ctx, p, r)
	if r != nil && r.Status != RefundProcessing {
		return 0, nil
	}
	if ErrorCodeOf(err) != EUnknown {
		return 0, err
	}
	age := g.now().Sub(r.CreatedAt)
	return min(max(age, g.cfg.RefundRetry), 6*time.Hour), nil
}

// ReverseLateSuccess is the work of a JobReverseLateSuccess: it cancels on the wallet side
// a payment that was paid after entrypay closed it, so the customer gets the money back,
// and records the reversal.
func (g *Gateway) ReverseLateSuccess(ctx context.Context, paymentID string) error {
	p, err := g.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	if p.LateSuccess != LateSuccessReversing {
		return nil
	}
	if err := g.side(p.Network).CancelPayment(ctx, p); err != nil {
		return fmt.Errorf("reverse late success of %s: %w", p.ID, err)
	}
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Payment(ctx, PaymentQuery{ID: p.ID, ForUpdate: true})
		if err != nil || cur.LateSuccess != LateSuccessReversing {
			return err
		}
		entry := transfer(EntryLateSuccessBack, lateSuccessSuspense(cur.Network), walletReceivable(cur.Network), cur.Amount)
		entry.ClearingDate = g.cfg.Clearing.Date(now)
		if err := g.post(ctx, tx, entry, cur.ID, "", now); err != nil {
			return err
		}
		cur.LateSuccess = LateSuccessReversed
		cur.UpdatedAt = now
		if err := tx.UpdatePayment(ctx, cur); err != nil {
			return err
		}
		return tx.InsertPaymentEvent(ctx, &PaymentEvent{PaymentID: cur.ID, At: now, Kind: EventReversed, Detail: "wallet side cancelled the late payment; the customer is repaid"})
	})
}

// DeliverNotification is the work of a JobNotifyMerchant: one delivery attempt, recorded
// whatever its outcome. It returns an error when the merchant did not acknowledge, so the
// job runs again on the notification schedule; last says no attempt follows this one.
func (g *Gateway) DeliverNotification(ctx context.Context, notificationID string, last bool) error {
	var n *Notification
	var m *Merchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.Notification(ctx, notificationID, false); err != nil {
			return err
		}
		m, err = tx.Merchant(ctx, n.MerchantID)
		return err
	})
	if err != nil {
		return err
	}
	if n.Status == NotificationDelivered {
		return nil
	}
	attempt, err := g.attemptDelivery(ctx, n, m, last, nil)
	if err != nil {
		return err
	}
	if !attempt.Acknowledged {
		return fmt.Errorf("notification %s not acknowledged: HTTP %d %s", notificationID, attempt.HTTPStatus, attempt.Error)
	}
	return nil
}

// attemptDelivery makes one delivery attempt of n and records it under the next attempt
// number. An acknowledgement marks n delivered; last marks it failed if it is still
// pending. by, when set, is the dashboard user who asked for the attempt: it is recorded
// as manual, with an audit entry in the same transaction.
func (g *Gateway) attemptDelivery(ctx context.Context, n *Notification, m *Merchant, last bool, by *User) (NotificationAttempt, error) {
	attempt := g.cfg.Notifier.Deliver(ctx, m, n)
	attempt.Manual = by != nil
	now := g.now()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Notification(ctx, n.ID, true)
		if err != nil {
			return err
		}
		cur.Attempts++
		attempt.NotificationID = cur.ID
		attempt.Attempt = cur.Attempts
		attempt.At = attempt.At.UTC().Truncate(time.Microsecond)
		if err := tx.InsertNotificationAttempt(ctx, &attempt); err != nil {
			return err
		}
		switch {
		case attempt.Acknowledged && cur.Status != NotificationDelivered:
			cur.Status, cur.DeliveredAt = NotificationDelivered, now
		case last && cur.Status == NotificationPending:
			cur.Status = NotificationFailed
		}
		if err := tx.UpdateNotification(ctx, cur); err != nil {
			return err
		}
		if by == nil {
			return nil
		}
		return tx.InsertAuditEntry(ctx, auditBy(by, now, AuditNotificationRedelivered, cur.ID, attemptSummary(cur.URL, &attempt)))
	})
	if err != nil {
		return attempt, fmt.Errorf("record attempt of %s: %w", n.ID, err)
	}
	if g.cfg.Metrics != nil {
		g.cfg.Metrics.NotificationAttempted(attempt.Acknowledged)
	}
	return attempt, nil
}
