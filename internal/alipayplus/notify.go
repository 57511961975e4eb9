package alipayplus

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/jsonwire"
)

// MaxNotifyBytes caps an inbound notification.
const MaxNotifyBytes = 64 << 10

// Recorder applies a wallet result durably; the gateway's ApplyWalletResult.
type Recorder interface {
	ApplyWalletResult(ctx context.Context, res entrypay.WalletResult) error
}

// NotifyHandler receives Alipay+'s notifyPayment: it verifies the signature, records the
// result (committed before answering) and acknowledges with a signed S. When recording
// fails it answers U so that Alipay+ sends the notification again.
type NotifyHandler struct {
	ClientID   string
	PeerKey    *rsa.PublicKey
	Key        *rsa.PrivateKey
	KeyVersion int
	Recorder   Recorder
	Now        func() time.Time
	Log        *slog.Logger
}

func (h *NotifyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	signer := &antomsig.Signer{Key: h.Key, KeyVersion: h.KeyVersion}
	answer := func(res Result, signed bool) {
		body, _ := json.Marshal(NotifyPaymentResponse{Result: res})
		s := signer
		if !signed {
			s = nil
		}
		antomsig.WriteSigned(w, r, h.ClientID, s, now(), body)
	}
	msg, err := antomsig.ReadSigned(r, MaxNotifyBytes, func(_ context.Context, clientID string, _ int) (*rsa.PublicKey, error) {
		if clientID != h.ClientID {
			return nil, fmt.Errorf("client id %q is not entrypay's", clientID)
		}
		return h.PeerKey, nil
	})
	if err != nil {
		log.WarnContext(r.Context(), "alipay+ notification refused", "err", err)
		if errors.Is(err, antomsig.ErrInvalidSignature) {
			answer(Result{ResultCode: "INVALID_SIGNATURE", ResultStatus: "F", ResultMessage: err.Error()}, false)
			return
		}
		answer(Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F", ResultMessage: err.Error()}, true)
		return
	}
	var n NotifyPaymentRequest
	if err := decodeNotification(msg.Body, &n); err != nil {
		answer(Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F", ResultMessage: err.Error()}, true)
		return
	}
	if n.PaymentRequestID == "" || (n.PaymentResult.ResultStatus != "S" && n.PaymentResult.ResultStatus != "F") {
		answer(Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F", ResultMessage: "paymentRequestId and a final paymentResult are required"}, true)
		return
	}
	res, err := resultOf(n.PaymentRequestID, n.PaymentResult, paymentFields{
		WalletPaymentID: n.PaymentID, Amount: n.PaymentAmount, PaymentTime: n.PaymentTime,
		PspID: n.PspID, CustomerID: n.CustomerID, WalletBrand: n.WalletBrandName, WalletType: n.WalletType,
		Actual: n.ActualPaymentAmount, Quote: n.PaymentQuote,
	}, "notify "+string(msg.Body))
	if err != nil {
		answer(Result{ResultCode: "PARAM_ILLEGAL", ResultStatus: "F", ResultMessage: err.Error()}, true)
		return
	}
	if err := h.Recorder.ApplyWalletResult(r.Context(), res); err != nil {
		if entrypay.ErrorCodeOf(err) == entrypay.ENotFound {
			// Retrying will not make an unknown payment known; acknowledge and log.
			log.WarnContext(r.Context(), "alipay+ notification for an unknown payment", "payment", n.PaymentRequestID)
			answer(Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"}, true)
			return
		}
		log.ErrorContext(r.Context(), "recording alipay+ notification failed", "payment", n.PaymentRequestID, "err", err)
		answer(Result{ResultCode: "UNKNOWN_EXCEPTION", ResultStatus: "U", ResultMessage: "not recorded; send again"}, true)
		return
	}
	answer(Result{ResultCode: "SUCCESS", ResultStatus: "S", ResultMessage: "success"}, true)
}

// decodeNotification reads one notification. Unlike the requests entrypay serves, it
// accepts fields it does not know: Alipay+ adds fields to notifyPayment over time
// (payToAmount, paymentPromoInfo, ...), and refusing them would make it resend a payment
// result forever. Types and trailing data are still checked.
func decodeNotification(data []byte, n *NotifyPaymentRequest) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	err := dec.Decode(n)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return &jsonwire.Error{Message: "unexpected data after the JSON object"}
		}
		return nil
	}
	// Let jsonwire describe the problem in its words, unless the first thing it trips on
	// is a field it does not know, which is not the problem here.
	derr := jsonwire.Decode(data, new(NotifyPaymentRequest))
	if je, ok := errors.AsType[*jsonwire.Error](derr); ok && je.Message != "unknown field" {
		return derr
	}
	return &jsonwire.Error{Message: "body is not a valid notification: " + strings.TrimPrefix(err.Error(), "json: ")}
}
