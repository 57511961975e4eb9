package entrypay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Config wires a Gateway to its adapters and sets its rules. Zero durations take the
// defaults named on each field.
type Config struct {
	DB DB
	// Live carries the payments of live merchants (Alipay+); Sandbox those of sandbox
	// merchants. Either may be the same WalletSide.
	Live     WalletSide
	Sandbox  WalletSide
	Notifier Notifier
	// DetectWallet names the wallet a User-Agent belongs to; false for a plain browser.
	DetectWallet func(userAgent string) (string, bool)
	Now          func() time.Time
	Logger       *slog.Logger

	// DefaultExpiry is how long a payment waits for the customer (10 min).
	DefaultExpiry time.Duration
	// MaxExpiry is the longest paymentExpiryTime a merchant may ask for (30 min).
	MaxExpiry time.Duration
	// RefundWindow is how long after payment a refund is allowed (365 days).
	RefundWindow time.Duration
	// CancelWindow is how long after creation a paid payment may be cancelled (24 h).
	CancelWindow time.Duration
	// WatchFirst is when the wallet side is first asked about a payment it has not
	// reported (10 s); the interval grows to WatchMax (60 s) until expiry.
	WatchFirst time.Duration
	WatchMax   time.Duration
	// RefundRetry is when a refund with an unknown outcome is first retried (30 s).
	RefundRetry time.Duration
	// NotifySchedule is the notification delivery schedule the job workers follow
	// (DefaultNotifySchedule); the delivery log estimates the next attempt with it.
	NotifySchedule []time.Duration

	// FX prices currency conversions for merchants settled in another currency; without
	// it such payments are refused.
	FX FX
	// Clearing sets the clearing day and the payout date (Alipay+'s: UTC+8, T+1).
	Clearing Clearing

	// Risk compiles the risk rule sets that decide every payment and refund before money
	// moves; without it nothing is decided (a library user's choice, not serve's).
	// DefaultRiskRules is stored as version 1 when the database has no rule set.
	Risk             RiskEngine
	DefaultRiskRules string
	RiskMetrics      RiskMetrics
	// Wallets describes a wallet by code (its currency and limits), for risk.
	Wallets func(code string) (WalletInfo, bool)

	// Metrics counts what the gateway does for monitoring; nil counts nothing.
	Metrics Metrics

	// Passwords hashes the dashboard users' passwords; without it nobody can sign in.
	Passwords PasswordHasher
	// TOTP checks the dashboard's optional second factor; without it nobody can set one
	// up (and a user who has one cannot sign in).
	TOTP TOTPChecker
}

// Gateway is the payment engine: it applies the rules, keeps the books and talks to the
// wallet side, the database and merchants through the adapters in its Config.
type Gateway struct {
	cfg  Config
	log  *slog.Logger
	risk riskState
	// liveNetwork and sandboxNetwork are the networks live and sandbox merchants'
	// payments travel on.
	liveNetwork, sandboxNetwork string
	// dummyHash is a password hash that failed logins of unknown users are checked
	// against, made once.
	dummyOnce sync.Once
	dummyHash string
}

// NewGateway returns a Gateway, filling in defaults.
func NewGateway(cfg Config) *Gateway {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DefaultExpiry, 10*time.Minute)
	def(&cfg.MaxExpiry, 30*time.Minute)
	def(&cfg.RefundWindow, 365*24*time.Hour)
	def(&cfg.CancelWindow, 24*time.Hour)
	def(&cfg.WatchFirst, 10*time.Second)
	def(&cfg.WatchMax, time.Minute)
	def(&cfg.RefundRetry, 30*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.NotifySchedule) == 0 {
		cfg.NotifySchedule = DefaultNotifySchedule
	}
	if cfg.Clearing.Location == nil {
		cfg.Clearing = DefaultClearing
	}
	// The network a payment is booked on is where it really goes: a live side that is the
	// sandbox (no Alipay+ endpoint) is the sandbox network, and without a sandbox every
	// payment goes to Alipay+.
	liveNetwork, sandboxNetwork := NetworkAlipayPlus, NetworkSandbox
	switch {
	case cfg.Live == nil || cfg.Live == cfg.Sandbox:
		liveNetwork = NetworkSandbox
	case cfg.Sandbox == nil:
		sandboxNetwork = NetworkAlipayPlus
	}
	if cfg.Sandbox == nil {
		cfg.Sandbox = cfg.Live
	}
	if cfg.Live == nil {
		cfg.Live = cfg.Sandbox
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Gateway{cfg: cfg, log: log, liveNetwork: liveNetwork, sandboxNetwork: sandboxNetwork}
}

// now returns the clock's time at microsecond precision, the precision both databases keep,
// so that what is returned equals what is read back.
func (g *Gateway) now() time.Time { return g.cfg.Now().UTC().Truncate(time.Microsecond) }

// Config returns the gateway's configuration with defaults applied.
func (g *Gateway) Config() Config { return g.cfg }

func (g *Gateway) side(network string) WalletSide {
	if network == NetworkSandbox {
		return g.cfg.Sandbox
	}
	return g.cfg.Live
}

// networkFor is the network a merchant's payments travel on: the sandbox for sandbox
// merchants, and for everyone when no other wallet side is configured.
func (g *Gateway) networkFor(m *Merchant) string {
	if m.Sandbox() {
		return g.sandboxNetwork
	}
	return g.liveNetwork
}

// --- merchants, keys, stores -------------------------------------------------------

// CreateMerchant registers a merchant and its first public key (version 1), and gives it a
// client id.
func (g *Gateway) CreateMerchant(ctx context.Context, in NewMerchant) (*Merchant, error) {
	return g.createMerchant(ctx, in, nil)
}

// createMerchant is CreateMerchant that also writes audit, when given, in the
// merchant's transaction (its subject and merchant set to the new merchant).
func (g *Gateway) createMerchant(ctx context.Context, in NewMerchant, audit *AuditEntry) (*Merchant, error) {
	if in.Kind == KindPartner {
		// A partner takes no payments: it needs no category or settlement currency.
		in.MCC = firstNonEmpty(in.MCC, PartnerMCC)
		in.SettlementCurrency = firstNonEmpty(in.SettlementCurrency, PartnerSettlementCurrency)
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.PublicKey == "" {
		return nil, Errorf(EInvalid, "public key is required")
	}
	now := g.now()
	m := newMerchantRow(in, now)
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertMerchant(ctx, m); err != nil {
			return err
		}
		if err := tx.InsertMerchantKey(ctx, &MerchantKey{ClientID: m.ClientID, KeyVersion: 1, PublicKey: in.PublicKey, CreatedAt: now}); err != nil {
			return err
		}
		if audit == nil {
			return nil
		}
		mode := "live"
		if m.Sandbox() {
			mode = "sandbox"
		}
		audit.At, audit.MerchantID, audit.Subject = now, m.ID, m.ID
		audit.Detail = fmt.Sprintf("%s: %s, client id %s, settles in %s", m.Name, mode, m.ClientID, m.SettlementCurrency)
		return tx.InsertAuditEntry(ctx, audit)
	})
	if err != nil {
		return nil, fmt.Errorf("create merchant: %w", err)
	}
	return m, nil
}

// newMerchantRow is the merchant in describes (validated by the caller), with new ids;
// a registration's approval stores one without a key.
func newMerchantRow(in NewMerchant, now time.Time) *Merchant {
	m := &Merchant{
		ID:                 NewID("mer_", now),
		Name:               in.Name,
		MCC:                in.MCC,
		Region:             in.Region,
		SettlementCurrency: in.SettlementCurrency,
		NotifyURL:          in.NotifyURL,
		CreatedAt:          now,
		KYBStatus:          KYBPending,
		TimeZone:           firstNonEmpty(in.TimeZone, "UTC"),
		Kind:               KindMerchant,
	}
	if in.Kind == KindPartner {
		m.Kind = KindPartner
	}
	if in.Sandbox {
		m.ClientID = SandboxPrefix + RandomCode(16)
	} else {
		m.ClientID = RandomCode(16)
	}
	return m
}

// AddMerchantKey registers a new version of a merchant's public key, labelled (e.g. with
// the system integrator that holds it); the previous versions stay valid until removed,
// so the merchant can rotate without downtime.
func (g *Gateway) AddMerchantKey(ctx context.Context, clientID, publicKey, label string) (*MerchantKey, error) {
	if publicKey == "" {
		return nil, Errorf(EInvalid, "public key is required")
	}
	if err := checkKeyLabel(label); err != nil {
		return nil, err
	}
	var k *MerchantKey
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if _, err := tx.MerchantByClientID(ctx, clientID); err != nil {
			return notFound(err, EClientInvalid, "client id %q is not registered", clientID)
		}
		latest, err := tx.MerchantKey(ctx, clientID, 0)
		if err != nil {
			return err
		}
		k = &MerchantKey{ClientID: clientID, KeyVersion: latest.KeyVersion + 1, PublicKey: publicKey, CreatedAt: g.now(), Label: label}
		return tx.InsertMerchantKey(ctx, k)
	})
	return k, err
}

// CreateStore registers a store of a merchant.
func (g *Gateway) CreateStore(ctx context.Context, in NewStore) (*Store, error) {
	return g.createStore(ctx, in, nil)
}

// createStore registers a store; as, when set, is the dashboard user who asked, audited
// in the same transaction.
func (g *Gateway) createStore(ctx context.Context, in NewStore, as *User) (*Store, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := g.now()
	s := &Store{
		ID:                 NewID("sto_", now),
		MerchantID:         in.MerchantID,
		Name:               in.Name,
		DisplayName:        in.DisplayName,
		MCC:                in.MCC,
		Region:             in.Region,
		SettlementCurrency: in.SettlementCurrency,
		Currency:           in.Currency,
		CreatedAt:          now,
		ReferenceID:        in.ReferenceID,
	}
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, in.MerchantID)
		if err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", in.MerchantID)
		}
		if s.ReferenceID != "" {
			// The same request again answers the store it made; another store under the
			// same reference is a conflict.
			stores, err := tx.StoresOfMerchant(ctx, s.MerchantID)
			if err != nil {
				return err
			}
			for _, old := range stores {
				if old.ReferenceID != s.ReferenceID {
					continue
				}
				if old.Name != s.Name || old.DisplayName != s.DisplayName {
					return Errorf(ERepeatInconsistent, "reference id %q is store %s, created with another name", clip(s.ReferenceID), old.ID)
				}
				s = old
				return nil
			}
		}
		if s.MCC == "" {
			s.MCC = m.MCC
		}
		if s.Region == "" {
			s.Region = m.Region
		}
		if s.Currency == "" {
			s.Currency = firstNonEmpty(s.SettlementCurrency, m.SettlementCurrency)
		}
		// Two requests with one reference id at once: the unique index refuses the
		// second, which answers UNKNOWN_EXCEPTION; sent again, it finds the first's store.
		if err := tx.InsertStore(ctx, s); err != nil {
			return err
		}
		return audit(ctx, tx, as, now, AuditStoreCreated, s.ID, s.Name)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Client returns the merchant with the given client id and its public key of the given
// version (0 = the latest active one). It is how the API authenticates a request; a
// revoked version is EKeyNotFound, like one that does not exist.
func (g *Gateway) Client(ctx context.Context, clientID string, keyVersion int) (*Merchant, *MerchantKey, error) {
	var m *Merchant
	var k *MerchantKey
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.MerchantByClientID(ctx, clientID); err != nil {
			return notFound(err, EClientInvalid, "client id %q is not registered", clip(clientID))
		}
		if k, err = tx.MerchantKey(ctx, clientID, keyVersion); err != nil {
			if keyVersion == 0 {
				return notFound(err, EKeyNotFound, "client %q has no public key", clip(clientID))
			}
			return notFound(err, EKeyNotFound, "client %q has no key version %d", clip(clientID), keyVersion)
		}
		if k.Active() {
			return nil
		}
		// A revoked version answers like an unknown one; without a version the newest
		// active one verifies.
		if keyVersion != 0 {
			return Errorf(EKeyNotFound, "key version %d of client %q is revoked", keyVersion, clip(clientID))
		}
		k, err = latestActiveKey(ctx, tx, clientID)
		return err
	})
	return m, k, err
}

// Merchant returns a merchant by id.
func (g *Gateway) Merchant(ctx context.Context, id string) (*Merchant, error) {
	var m *Merchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		m, err = tx.Merchant(ctx, id)
		return notFound(err, EInvalid, "merchant %q does not exist", clip(id))
	})
	return m, err
}

// GatewayKey returns entrypay's latest signing key, creating the first one with generate
// when there is none. Two processes starting at once agree on one key.
func (g *Gateway) GatewayKey(ctx context.Context, generate func() (string, error)) (*GatewayKey, error) {
	var k *GatewayKey
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		k, err = tx.GatewayKey(ctx)
		return err
	})
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	priv, err := generate()
	if err != nil {
		return nil, fmt.Errorf("generate gateway key: %w", err)
	}
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if _, err := tx.InsertGatewayKey(ctx, &GatewayKey{KeyVersion: 1, PrivateKey: priv, CreatedAt: g.now()}); err != nil {
			return err
		}
		var err error
		k, err = tx.GatewayKey(ctx)
		return err
	})
	return k, err
}

// notFound turns a store's ErrNotFound into an *Error with the given code; other errors
// pass through.
func notFound(err error, code ErrorCode, format string, args ...any) error {
	if errors.Is(err, ErrNotFound) {
		return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
	}
	return err
}

// SetNotifyURL changes the merchant's default notification URL (used by hosted pages and
// by pay requests that name none); "" removes it.
func (g *Gateway) SetNotifyURL(ctx context.Context, merchantID, notifyURL string) (*Merchant, error) {
	if notifyURL != "" {
		if err := validHTTPURL("notify URL", notifyURL); err != nil {
			return nil, err
		}
	}
	var m *Merchant
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if m, err = tx.Merchant(ctx, merchantID); err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(merchantID))
		}
		m.NotifyURL = notifyURL
		return tx.UpdateMerchant(ctx, m)
	})
	return m, err
}
