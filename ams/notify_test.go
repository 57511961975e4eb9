package ams_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entrypay/entrypay/ams"
	"github.com/entrypay/entrypay/internal/antomsig"
)

// notifyURI is where the merchant receives notifications: the query is part of what is
// signed.
const notifyURI = "/notify?shop=7&ref=a%2Fb"

func paidNotification() ams.NotifyPaymentRequest {
	return ams.NotifyPaymentRequest{
		NotifyType:          ams.NotifyTypePaymentResult,
		Result:              ams.Success,
		PaymentRequestID:    "order-1",
		PaymentID:           "pay_01",
		PaymentAmount:       &ams.Amount{Currency: "HKD", Value: "1250"},
		PaymentCreateTime:   "2026-03-14T02:00:00Z",
		PaymentTime:         "2026-03-14T02:00:05Z",
		PaymentMethodType:   "CONNECT_WALLET",
		PspCustomerInfo:     &ams.PspCustomerInfo{PspName: "ALIPAY_HK", PspCustomerID: "2088000000000002"},
		ActualPaymentAmount: &ams.Amount{Currency: "HKD", Value: "1250"},
	}
}

// merchantServer serves c.NotificationHandler and records what reaches handle.
type merchantServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	received []*ams.NotifyPaymentRequest
}

func newMerchantServer(t *testing.T, c *ams.Client, fail error) *merchantServer {
	t.Helper()
	m := &merchantServer{}
	mux := http.NewServeMux()
	mux.Handle("/notify", c.NotificationHandler(func(ctx context.Context, n *ams.NotifyPaymentRequest) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.received = append(m.received, n)
		return fail
	}))
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func (m *merchantServer) Received() []*ams.NotifyPaymentRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*ams.NotifyPaymentRequest(nil), m.received...)
}

// notification is one notifyPayment as entrypay would send it, with ways to spoil it.
type notification struct {
	uri        string // sent to
	signedURI  string // signed over; "" means uri
	clientID   string
	key        *rsa.PrivateKey
	body       []byte // sent
	signedBody []byte // signed over; nil means body
	method     string
	noSig      bool
}

func goodNotification(t *testing.T) notification {
	body, err := json.Marshal(paidNotification())
	if err != nil {
		t.Fatal(err)
	}
	return notification{uri: notifyURI, clientID: sandboxClient, key: gatewayKey, body: body, method: http.MethodPost}
}

func (n notification) send(t *testing.T, base string) (int, string) {
	t.Helper()
	signedURI, signedBody := n.uri, n.body
	if n.signedURI != "" {
		signedURI = n.signedURI
	}
	if n.signedBody != nil {
		signedBody = n.signedBody
	}
	rt := time.Now().Format(antomsig.NotifyTimeLayout)
	req, err := http.NewRequestWithContext(t.Context(), n.method, base+n.uri, bytes.NewReader(n.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	req.Header.Set("Client-Id", n.clientID)
	req.Header.Set("Request-Time", rt)
	if !n.noSig {
		sig, err := antomsig.Signer{Key: n.key, KeyVersion: 1}.HeaderFor(http.MethodPost, signedURI, n.clientID, rt, signedBody)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func TestNotificationAccepted(t *testing.T) {
	g := newFakeGateway(t)
	m := newMerchantServer(t, newClient(t, g, sandboxClient), nil)
	status, body := goodNotification(t).send(t, m.srv.URL)
	if status != http.StatusOK || body != ams.AckBody {
		t.Errorf("answer %d %s, want 200 %s", status, body, ams.AckBody)
	}
	got := m.Received()
	if len(got) != 1 {
		t.Fatalf("handle called %d times, want 1", len(got))
	}
	if diff := cmp.Diff(paidNotification(), *got[0]); diff != "" {
		t.Errorf("notification (-want +got):\n%s", diff)
	}
}

func TestNotificationRefused(t *testing.T) {
	tampered := goodNotification(t)
	tampered.signedBody = tampered.body
	tampered.body = bytes.Replace(tampered.body, []byte(`"value":"1250"`), []byte(`"value":"9250"`), 1)

	for _, tc := range []struct {
		name   string
		spoil  func(n *notification)
		status int
	}{
		{"another key", func(n *notification) { n.key = strangerKey }, http.StatusUnauthorized},
		{"tampered body", func(n *notification) { *n = tampered }, http.StatusUnauthorized},
		{"another merchant's Client-Id", func(n *notification) { n.clientID = "SANDBOX_5X00000000000099" }, http.StatusUnauthorized},
		{"signed without the query", func(n *notification) { n.signedURI = "/notify" }, http.StatusUnauthorized},
		{"signed for another path", func(n *notification) { n.signedURI = "/other?shop=7&ref=a%2Fb" }, http.StatusUnauthorized},
		{"no signature", func(n *notification) { n.noSig = true }, http.StatusUnauthorized},
		{"signed but not JSON", func(n *notification) { n.body = []byte("notify=1") }, http.StatusBadRequest},
		{"too large", func(n *notification) {
			n.body = append([]byte(`{"notifyType":"`), bytes.Repeat([]byte("x"), ams.MaxNotificationBytes)...)
			n.body = append(n.body, `"}`...)
		}, http.StatusRequestEntityTooLarge},
		{"GET", func(n *notification) { n.method = http.MethodGet; n.body = nil }, http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGateway(t)
			m := newMerchantServer(t, newClient(t, g, sandboxClient), nil)
			n := goodNotification(t)
			tc.spoil(&n)
			status, body := n.send(t, m.srv.URL)
			if status != tc.status {
				t.Errorf("answer %d %s, want %d", status, body, tc.status)
			}
			if strings.Contains(body, `"resultStatus":"S"`) {
				t.Errorf("answer %s acknowledges", body)
			}
			if got := m.Received(); len(got) != 0 {
				t.Errorf("handle called with %+v", got[0])
			}
		})
	}
}

func TestNotificationHandleFails(t *testing.T) {
	g := newFakeGateway(t)
	m := newMerchantServer(t, newClient(t, g, sandboxClient), errors.New("database is down"))
	status, body := goodNotification(t).send(t, m.srv.URL)
	if status != http.StatusInternalServerError {
		t.Errorf("answer %d %s, want 500", status, body)
	}
	if strings.Contains(body, "database") {
		t.Errorf("answer %s shows handle's error", body)
	}
	var ans ams.ResultOnly
	if err := json.Unmarshal([]byte(body), &ans); err != nil || ans.Result.ResultStatus != ams.StatusUnknown {
		t.Errorf("answer %s, want a U result", body)
	}
	if n := len(m.Received()); n != 1 {
		t.Errorf("handle called %d times, want 1", n)
	}
}

func TestParseNotificationErrors(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g, sandboxClient)
	n := goodNotification(t)
	n.key = strangerKey
	errs := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := c.ParseNotification(r)
		errs <- err
	}))
	defer srv.Close()
	n.send(t, srv.URL)
	if parseErr := <-errs; !errors.Is(parseErr, ams.ErrInvalidSignature) {
		t.Errorf("error %v, want ErrInvalidSignature", parseErr)
	}
}
