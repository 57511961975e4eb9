package ams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/entrypay/entrypay/internal/antomsig"
)

// MaxNotificationBytes is the largest notification body ParseNotification reads.
const MaxNotificationBytes = 64 << 10

// ErrInvalidSignature reports a notification that is not entrypay's: its Client-Id is not
// the merchant's, or a header is missing, or its signature does not verify with
// Config.GatewayKey over the request as received. Test for it with errors.Is.
var ErrInvalidSignature = antomsig.ErrInvalidSignature

// ParseNotification verifies a notifyPayment request from entrypay and decodes it. The
// signature must verify with Config.GatewayKey over
// "POST <r.URL.RequestURI()>\n<Client-Id>.<Request-Time>.<body>", and Client-Id must be
// the merchant's. Because the path and query are signed, serve it at the very URL given
// as paymentNotifyUrl (no http.StripPrefix, no rewriting proxy). It reads at most
// MaxNotificationBytes of the body; a larger one gives an *http.MaxBytesError.
//
// entrypay resends a notification until it is acknowledged, so the same payment can be
// notified more than once: deduplicate by PaymentID.
func (c *Client) ParseNotification(r *http.Request) (*NotifyPaymentRequest, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("ams notification: method %s, want POST", r.Method)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxNotificationBytes))
	if err != nil {
		return nil, fmt.Errorf("ams notification: read body: %w", err)
	}
	clientID := r.Header.Get("Client-Id")
	if clientID != c.clientID {
		return nil, fmt.Errorf("ams notification: %w: Client-Id %q is not this merchant's", ErrInvalidSignature, clientID)
	}
	rt := r.Header.Get("Request-Time")
	if rt == "" {
		return nil, fmt.Errorf("ams notification: %w: no Request-Time header", ErrInvalidSignature)
	}
	if err := antomsig.VerifyHeader(c.gatewayKey, r.Header.Get("Signature"), http.MethodPost, r.URL.RequestURI(), clientID, rt, body); err != nil {
		return nil, fmt.Errorf("ams notification: POST %s: %w", r.URL.RequestURI(), err)
	}
	var n NotifyPaymentRequest
	if err := json.Unmarshal(body, &n); err != nil {
		return nil, fmt.Errorf("ams notification: body: %v", err)
	}
	return &n, nil
}

// NotificationHandler returns the http.Handler for the merchant's paymentNotifyUrl. It
// verifies each notification (ParseNotification), calls handle with it, and acknowledges
// with AckBody and HTTP 200 only when handle returns nil; handle should record the result
// durably before returning. A notification that is not entrypay's is answered 401 (400 if
// it is malformed, 413 if too large) and handle is not called. When handle fails the
// answer is 500, so entrypay sends the notification again later; handle's error is not
// shown to the caller, so log it in handle.
func (c *Client) NotificationHandler(handle func(ctx context.Context, n *NotifyPaymentRequest) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			refuse(w, http.StatusMethodNotAllowed, StatusFail, "METHOD_NOT_SUPPORTED", "notifications are POSTed")
			return
		}
		n, err := c.ParseNotification(r)
		if err != nil {
			var tooLarge *http.MaxBytesError
			switch {
			case errors.Is(err, ErrInvalidSignature):
				refuse(w, http.StatusUnauthorized, StatusFail, "INVALID_SIGNATURE", err.Error())
			case errors.As(err, &tooLarge):
				refuse(w, http.StatusRequestEntityTooLarge, StatusFail, "PARAM_ILLEGAL", err.Error())
			default:
				refuse(w, http.StatusBadRequest, StatusFail, "PARAM_ILLEGAL", err.Error())
			}
			return
		}
		if err := handle(r.Context(), n); err != nil {
			refuse(w, http.StatusInternalServerError, StatusUnknown, "UNKNOWN_EXCEPTION", "the notification was not processed; send it again")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, AckBody)
	})
}

// refuse answers a notification that is not acknowledged. Only the status matters to
// entrypay; the body says why, for its delivery log.
func refuse(w http.ResponseWriter, status int, resultStatus, code, message string) {
	body, _ := json.Marshal(ResultOnly{Result: Result{ResultCode: code, ResultStatus: resultStatus, ResultMessage: message}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
