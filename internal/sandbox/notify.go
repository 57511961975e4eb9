package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// notification is the delivery state of a payment's notifyPayment.
type notification struct {
	body      []byte    // built once, when the payment became final
	pending   bool      // an attempt is due at nextAt
	inFlight  bool      // an attempt is running; nobody else may start one
	nextAt    time.Time // real time, see Config.RetryDelays
	attempts  int
	delivered bool
	lastErr   string
}

// notifyBodyLocked builds the notification for p's final outcome.
func (s *Sandbox) notifyBodyLocked(p *payment) []byte {
	amt := p.reqAmount()
	quote := p.quote
	n := alipayplus.NotifyPaymentRequest{
		PaymentResult:    s.resultLocked(p, s.now()),
		PaymentRequestID: p.requestID,
		PaymentID:        p.id,
		AcquirerID:       p.clientID,
		PspID:            p.wallet.PspID,
		CustomerID:       s.customers[p.wallet.Code].id,
		PaymentAmount:    &amt,
		WalletBrandName:  p.wallet.Name,
		PaymentQuote:     &quote,
		WalletType:       p.wallet.Code,
	}
	if p.status == statusPaid {
		charge := p.chargeAmount()
		n.ActualPaymentAmount = &charge
		n.PaymentTime = formatTime(p.paidAt)
	}
	body, err := json.Marshal(n)
	if err != nil {
		panic(err) // a struct of strings always marshals
	}
	return body
}

// attempt makes one delivery attempt of p's notification. The caller has set
// p.note.inFlight under the lock; attempt clears it and schedules the next try on failure.
func (s *Sandbox) attempt(ctx context.Context, p *payment) error {
	s.mu.Lock()
	body, clientID, target := p.note.body, p.clientID, p.req.PaymentNotifyURL
	s.mu.Unlock()

	f := s.takeFault(apiNotify)
	err := s.send(ctx, clientID, target, body, f)

	s.mu.Lock()
	s.recordAttemptLocked(p, err)
	hook := s.testHookAttempt
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	return err
}

// recordAttemptLocked notes the outcome of an attempt and schedules the next one.
func (s *Sandbox) recordAttemptLocked(p *payment, err error) {
	p.note.inFlight = false
	p.note.attempts++
	if err == nil {
		p.note.delivered = true
		p.note.pending = false
		p.note.lastErr = ""
		delete(s.retries, p)
		s.log.Info("sandbox: notified", "paymentId", p.id, "attempt", p.note.attempts)
		return
	}
	p.note.lastErr = err.Error()
	s.log.Warn("sandbox: notification failed", "paymentId", p.id, "attempt", p.note.attempts, "err", err)
	switch {
	case !p.cancelAt.IsZero():
		// Cancelled meanwhile: the cancel result is what the acquirer knows now.
		p.note.pending = false
		delete(s.retries, p)
	case p.note.attempts > len(s.delays):
		p.note.pending = false
		p.note.lastErr = fmt.Sprintf("gave up after %d attempts: %v", p.note.attempts, err)
		delete(s.retries, p)
	default:
		p.note.pending = true
		p.note.nextAt = time.Now().Add(s.delays[p.note.attempts-1])
		s.retries[p] = struct{}{}
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// send posts one notification, applying a notify fault if one is set. It succeeds only on
// HTTP 200 with a valid acquirer signature and result.resultStatus S.
func (s *Sandbox) send(ctx context.Context, clientID, target string, body []byte, f fault) error {
	client := s.client
	switch f.Mode {
	case modeTimeout:
		return errors.New("sandbox fault injection: the notification timed out (not sent)")
	case modeHTTP500:
		return errors.New("sandbox fault injection: the notification failed with HTTP 500 (not sent)")
	case modeDelay:
		s.wait(ctx, time.Duration(f.DelayMs)*time.Millisecond)
		if err := ctx.Err(); err != nil {
			return err
		}
	case modeGarbage:
		body = []byte("this is not JSON (sandbox fault injection)")
	case modeUnknown:
		var n alipayplus.NotifyPaymentRequest
		if err := json.Unmarshal(body, &n); err == nil {
			n.PaymentResult = alipayplus.Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U", ResultMessage: "sandbox fault injection"}
			body, _ = json.Marshal(n)
		}
	case modeBadSig:
		c := *s.client
		c.Transport = badSignature{base: s.client.Transport, signer: s.signer}
		client = &c
	}
	peer, err := s.cfg.Acquirers(ctx, clientID, 0)
	if err != nil {
		return fmt.Errorf("acquirer %q key: %w", clientID, err)
	}
	caller := antomsig.Caller{
		HTTP:     client,
		ClientID: clientID,
		Signer:   s.signer,
		PeerKey:  peer,
		// Alipay+ samples write Request-Time in ISO 8601.
		RequestTime: func(t time.Time) string { return t.Format(antomsig.NotifyTimeLayout) },
		Now:         s.now,
	}
	if f.Mode == modeDuplicate {
		s.duplicate(ctx, &caller, target, body, f.DelayMs)
	}
	// BaseURL is empty: the whole notify URL is the path, and its request URI is signed.
	ans, err := caller.Post(ctx, target, body)
	if err != nil {
		return err
	}
	var ack alipayplus.NotifyPaymentResponse
	if err := json.Unmarshal(ans.Body, &ack); err != nil {
		return fmt.Errorf("acknowledgement is not JSON: %v", err)
	}
	if ack.Result.ResultStatus != "S" {
		return fmt.Errorf("acquirer answered %s/%s: %s", ack.Result.ResultStatus, ack.Result.ResultCode, ack.Result.ResultMessage)
	}
	if f.Mode == modeGarbage || f.Mode == modeUnknown || f.Mode == modeBadSig {
		// The acquirer accepted a deliberately broken notification; the real one is still owed.
		return fmt.Errorf("sandbox fault injection: a %s notification was acknowledged; the real one will be resent", f.Mode)
	}
	return nil
}

// duplicate sends copies of a notification besides the real attempt: one at the same
// moment, racing it, and one delayMs later (1 s by default), which arrives after whatever
// the acquirer did meanwhile. Their answers do not count: only the real attempt's does.
func (s *Sandbox) duplicate(ctx context.Context, caller *antomsig.Caller, target string, body []byte, delayMs int) {
	late := time.Duration(delayMs) * time.Millisecond
	if late == 0 {
		late = time.Second
	}
	ctx = context.WithoutCancel(ctx)
	go func() { _, _ = caller.Post(ctx, target, body) }()
	go func() {
		s.wait(ctx, late)
		_, _ = caller.Post(ctx, target, body)
	}()
}

// badSignature replaces the Signature header of requests with a signature over other
// content, for the notify badsig fault.
type badSignature struct {
	base   http.RoundTripper
	signer antomsig.Signer
}

func (b badSignature) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	h, err := b.signer.HeaderFor(http.MethodPost, "/sandbox-fault-injection", r.Header.Get("Client-Id"), r.Header.Get("Request-Time"), nil)
	if err != nil {
		return nil, err
	}
	r2.Header.Set("Signature", h)
	base := b.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}

// retryDue makes every retry that is due and returns how long until the next one.
func (s *Sandbox) retryDue(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		s.mu.Lock()
		now := time.Now()
		var due *payment
		next := time.Hour
		for p := range s.retries {
			if !p.note.pending || p.note.inFlight {
				continue
			}
			if !p.note.nextAt.After(now) {
				due = p
				break
			}
			next = min(next, p.note.nextAt.Sub(now))
		}
		if due == nil {
			s.mu.Unlock()
			return next
		}
		due.note.pending = false
		due.note.inFlight = true
		s.mu.Unlock()
		_ = s.attempt(ctx, due)
	}
	return 0
}
