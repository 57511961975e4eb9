package sandbox

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/entrypay/entrypay/internal/alipayplus"
	"github.com/entrypay/entrypay/internal/antomsig"
	"github.com/entrypay/entrypay/internal/wallets"
)

// Config configures a Sandbox.
type Config struct {
	// BasePath is the prefix every route is served under, e.g. "/sandbox" (no trailing slash).
	BasePath string
	// PublicURL is the externally visible scheme://host[:port] of the server this handler is
	// mounted on (no trailing slash); cashier URLs are PublicURL+BasePath+"/cashier/<token>".
	PublicURL string
	// Key signs every answer and notification; KeyVersion goes into the Signature header.
	Key        *rsa.PrivateKey
	KeyVersion int
	// Acquirers finds an acquirer's public key by its client id and key version (0 = latest);
	// an error means the client is unknown.
	Acquirers antomsig.KeyLookup
	// HTTP sends notifications to the acquirer; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now     func() time.Time
	Logger  *slog.Logger   // nil means discard
	Wallets *wallets.Table // nil means wallets.Builtin()
	// RetryDelays are the waits before each retry of a notification that was not
	// acknowledged; after the last one the sandbox gives up. nil means DefaultRetryDelays.
	// They are measured with real timers, not with Now, so that a frozen test clock does
	// not stall retries; tests shorten them instead.
	RetryDelays []time.Duration
}

// DefaultRetryDelays are the waits between notification attempts when Config.RetryDelays
// is nil: six attempts in about 48 seconds.
var DefaultRetryDelays = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}

// maxBody caps the body of every request the sandbox reads.
const maxBody = 256 << 10

// defaultExpiry is how long a payment waits for the customer when pay names no expiry.
const defaultExpiry = 10 * time.Minute

// Sandbox is an in-memory Alipay+ with its wallets. Create it with New; it is safe for
// concurrent use.
type Sandbox struct {
	cfg    Config
	log    *slog.Logger
	table  *wallets.Table
	rates  *rateTable
	client *http.Client
	signer antomsig.Signer
	delays []time.Duration

	// wake nudges Run when a notification needs a retry sooner than Run planned.
	wake chan struct{}
	// closed is closed by Close; it releases stalled answers and stops Run.
	closed    chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	running   bool
	runDone   chan struct{} // closed when the current Run returns
	payments  []*payment    // in creation order, for the index page
	byID      map[string]*payment
	byRequest map[string]*payment // acquirer client id + "\x00" + paymentRequestId
	byToken   map[string]*payment
	refunds   map[string]*refund // acquirer client id + "\x00" + refundRequestId
	customers map[string]*customer
	faults    map[string]*fault
	retries   map[*payment]struct{} // payments whose notification awaits a retry
	clearing  []clearingEntry       // settleable events, in the order they happened
	tampered  map[string]int64      // TamperClearing: requestId → delta
	dropped   map[string]bool       // DropClearing: requestIds left out of the files
	// registered holds the merchant registrations, by acquirer client id +
	// registrationRequestId.
	registered map[string]*registration

	// testHookWait, when set, is called when an answer starts being held back.
	testHookWait func()
	// testHookAttempt, when set, is called after each notification attempt is recorded.
	testHookAttempt func()
}

type status int

const (
	statusPending status = iota
	statusPaid
	statusFailed
)

// payment is one pay request and everything that happened to it since.
type payment struct {
	clientID  string
	id        string
	requestID string
	token     string
	req       alipayplus.PayRequest
	amount    int64 // paymentAmount, minor units of req.PaymentAmount.Currency
	currency  string
	wallet    wallets.Wallet
	charge    int64 // what the customer pays, minor units of wallet.Currency
	rate      *apd.Decimal
	quote     alipayplus.Quote
	created   time.Time
	expires   time.Time

	status     status
	resultCode string
	resultMsg  string
	paidAt     time.Time
	cancelAt   time.Time // non-zero once the acquirer cancelled it

	refunded int64 // payment currency, sum of refunds
	credited int64 // wallet currency, given back to the customer by refunds and reversal

	note notification
}

// customer is the one sandbox customer of a wallet.
type customer struct {
	id      string
	balance int64 // minor units of the wallet currency
}

type refund struct {
	clientID  string
	requestID string
	id        string
	paymentID string
	amount    int64
	currency  string
	at        time.Time
	pspID     string
}

// New returns a sandbox configured by cfg. It panics if cfg.Key or cfg.Acquirers is nil,
// which is a wiring mistake rather than a runtime condition.
func New(cfg Config) *Sandbox {
	if cfg.Key == nil {
		panic("sandbox: Config.Key is nil")
	}
	if cfg.Acquirers == nil {
		panic("sandbox: Config.Acquirers is nil")
	}
	s := &Sandbox{
		cfg:       cfg,
		log:       cfg.Logger,
		table:     cfg.Wallets,
		rates:     builtinRates(),
		client:    cfg.HTTP,
		signer:    antomsig.Signer{Key: cfg.Key, KeyVersion: cfg.KeyVersion},
		delays:    cfg.RetryDelays,
		wake:      make(chan struct{}, 1),
		closed:    make(chan struct{}),
		byID:      map[string]*payment{},
		byRequest: map[string]*payment{},
		byToken:   map[string]*payment{},
		refunds:   map[string]*refund{},
		customers: map[string]*customer{},
		faults:    map[string]*fault{},
		retries:   map[*payment]struct{}{},
		tampered:  map[string]int64{},
		dropped:   map[string]bool{},

		registered: map[string]*registration{},
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.table == nil {
		s.table = wallets.Builtin()
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	if s.delays == nil {
		s.delays = DefaultRetryDelays
	}
	s.cfg.BasePath = strings.TrimRight(cfg.BasePath, "/")
	s.cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	for i, w := range s.table.Wallets {
		s.customers[w.Code] = &customer{
			id:      fmt.Sprintf("2088%012d", i+1),
			balance: s.startBalance(w.Currency),
		}
	}
	return s
}

// startBalance is worth about a million US dollars in the wallet's currency, so that no
// ordinary test payment runs out; a million major units would be a few dollars in IDR.
func (s *Sandbox) startBalance(code string) int64 {
	r, err := s.rates.rate("USD", code)
	if err == nil {
		if n, err := convertMinor(1_000_000_00, "USD", code, r); err == nil {
			return n
		}
	}
	return 1_000_000_00
}

func (s *Sandbox) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// PublicKey is the key acquirers use to verify the sandbox.
func (s *Sandbox) PublicKey() *rsa.PublicKey { return &s.cfg.Key.PublicKey }

// Handler serves every route under Config.BasePath. Mount it without stripping the prefix
// (e.g. mux.Handle("/sandbox/", sb.Handler())): the acquirer signs the request URI as
// sent, BasePath included.
func (s *Sandbox) Handler() http.Handler {
	b := s.cfg.BasePath
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+b+"/aps/", s.noInterface)
	mux.Handle("POST "+b+alipayplus.PathPay, s.api(apiPay, s.pay))
	mux.Handle("POST "+b+alipayplus.PathInquiryPayment, s.api(apiInquiry, s.inquiry))
	mux.Handle("POST "+b+alipayplus.PathCancelPayment, s.api(apiCancel, s.cancel))
	mux.Handle("POST "+b+alipayplus.PathRefund, s.api(apiRefund, s.refund))
	mux.Handle("POST "+b+alipayplus.PathRegistration, s.api(apiRegistration, s.registration))
	mux.HandleFunc("GET "+b+"/cashier/{token}", s.cashierPage)
	mux.HandleFunc("POST "+b+"/cashier/{token}", s.cashierAction)
	mux.HandleFunc("POST "+b+"/api/v1/confirm", s.confirmAPI)
	mux.HandleFunc("GET "+b+"/api/v1/faults", s.faultsAPI)
	mux.HandleFunc("POST "+b+"/api/v1/faults", s.faultsAPI)
	mux.HandleFunc("DELETE "+b+"/api/v1/faults", s.faultsAPI)
	mux.HandleFunc("GET "+b+"/settlements/{acquirer}/{date}", s.settlementList)
	mux.HandleFunc("GET "+b+"/settlements/{acquirer}/{date}/{file}", s.settlementFileGet)
	mux.HandleFunc("GET "+b+"/{$}", s.indexPage)
	return mux
}

// Run retries notifications that were not acknowledged, until ctx is done or Close is
// called; then it returns nil. It starts no goroutines of its own. Only one Run may be
// active at a time.
func (s *Sandbox) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("sandbox: Run is already running")
	}
	s.running = true
	done := make(chan struct{})
	s.runDone = done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.runDone = nil
		close(done)
		s.mu.Unlock()
	}()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wait := s.retryDue(ctx)
		if ctx.Err() != nil {
			return nil
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return nil
		case <-s.closed:
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// Close stops Run and releases every answer held back by a timeout or delay fault. The
// handler keeps serving afterwards, without faults that wait.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}

// wait blocks for d, or until ctx is done, Close is called or the current Run returns, so
// that a stalled answer never outlives the sandbox's owner.
func (s *Sandbox) wait(ctx context.Context, d time.Duration) {
	s.mu.Lock()
	runDone := s.runDone // nil (blocks forever in select) when Run is not active
	hook := s.testHookWait
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.closed:
	case <-runDone:
	}
}

// randomToken returns 128 random bits in hex: the cashier token, unguessable by design.
func randomToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// randomDigits returns n random decimal digits.
func randomDigits(n int) string {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, _ := rand.Int(rand.Reader, ten)
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

// newID returns an Alipay+-looking id: the date, a two-digit kind and random digits.
func newID(now time.Time, kind string) string {
	return now.UTC().Format("20060102") + kind + randomDigits(14)
}

func formatTime(t time.Time) string { return t.Format(time.RFC3339) }

func key(clientID, id string) string { return clientID + "\x00" + id }

// PaymentState is a snapshot of one payment, for tests and tools that drive the sandbox
// in-process.
type PaymentState struct {
	ClientID         string
	PaymentID        string
	PaymentRequestID string
	PaymentURL       string
	Wallet           string // wallet code, e.g. GCASH
	Amount           alipayplus.Amount
	Charge           alipayplus.Amount // in the wallet currency
	QuotePrice       string
	// Status is PROCESSING, SUCCESS or FAIL, as the acquirer would learn it by inquiry.
	Status        string
	ResultCode    string
	Cancelled     bool
	Refunded      int64 // minor units of Amount.Currency
	Notified      bool  // an attempt was acknowledged
	NotifyPending bool  // an attempt is due or in flight
	NotifyTries   int
	NotifyError   string
}

// Payment returns the payment with the given sandbox paymentId.
func (s *Sandbox) Payment(paymentID string) (PaymentState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byID[paymentID]
	if !ok {
		return PaymentState{}, false
	}
	res := s.resultLocked(p, s.now())
	st := "PROCESSING"
	switch res.ResultStatus {
	case "S":
		st = "SUCCESS"
	case "F":
		st = "FAIL"
	}
	return PaymentState{
		ClientID:         p.clientID,
		PaymentID:        p.id,
		PaymentRequestID: p.requestID,
		PaymentURL:       s.cashierURL(p),
		Wallet:           p.wallet.Code,
		Amount:           p.reqAmount(),
		Charge:           p.chargeAmount(),
		QuotePrice:       string(p.quote.QuotePrice),
		Status:           st,
		ResultCode:       res.ResultCode,
		Cancelled:        !p.cancelAt.IsZero(),
		Refunded:         p.refunded,
		Notified:         p.note.delivered,
		NotifyPending:    p.note.pending || p.note.inFlight,
		NotifyTries:      p.note.attempts,
		NotifyError:      p.note.lastErr,
	}, true
}

// Balance returns the sandbox customer's balance in the given wallet, in minor units of
// the wallet's currency.
func (s *Sandbox) Balance(walletCode string) (alipayplus.Amount, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[walletCode]
	w, _ := s.table.Wallet(walletCode)
	if !ok {
		return alipayplus.Amount{}, false
	}
	return minorAmount(c.balance, w.Currency), true
}

// SetBalance sets the sandbox customer's balance in the given wallet (minor units of the
// wallet's currency), e.g. to make a payment fail with USER_BALANCE_NOT_ENOUGH.
func (s *Sandbox) SetBalance(walletCode string, minor int64) error {
	if minor < 0 {
		return errors.New("sandbox: balance must not be negative")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[walletCode]
	if !ok {
		return fmt.Errorf("sandbox: unknown wallet %q", walletCode)
	}
	c.balance = minor
	return nil
}
