package entrypay

import (
	"net/url"
	"strings"
	"sync"
	"time"
)

// SandboxPrefix starts the client id of every sandbox merchant. Their payments go to the
// sandbox wallet side, and their API calls are also answered under /ams/sandbox/api.
const SandboxPrefix = "SANDBOX_"

// Merchant is a business that accepts payments through entrypay.
type Merchant struct {
	ID       string
	ClientID string
	Name     string
	// MCC is the ISO 18245 merchant category code, four digits.
	MCC string
	// Region is the ISO 3166-1 alpha-2 country or region where the merchant is registered.
	Region string
	// SettlementCurrency is the currency the merchant is paid out in.
	SettlementCurrency string
	// NotifyURL receives notifyPayment when a pay request names none (hosted pages).
	NotifyURL string
	CreatedAt time.Time

	// KYBStatus is where the operator's know-your-business review stands; KYBNote says
	// why (required for a rejection). It is recorded, not enforced: Disabled is what
	// stops a merchant.
	KYBStatus KYBStatus
	KYBNote   string
	// Disabled refuses the merchant's API calls (INVALID_MERCHANT_STATUS) and its
	// payments, and its entry-code pages say it cannot take payments.
	Disabled bool
	// TimeZone is the IANA name of the merchant's time zone ("" means UTC): its days for
	// the daily limit and its dashboard's dates.
	TimeZone string
	// MaxPayment and MaxDaily limit one payment and the payments of one day (in
	// TimeZone), in minor units of SettlementCurrency; 0 is no limit. A payment over
	// either is refused with PAYMENT_AMOUNT_EXCEED_LIMIT.
	MaxPayment int64
	MaxDaily   int64
	// Kind is KindMerchant, or KindPartner for an ISV: a client that signs API calls and
	// acts for the merchants that authorized it (Agent-Token), never for itself.
	Kind MerchantKind
}

// MerchantKind tells a merchant from a partner (ISV) account.
type MerchantKind string

// Kinds of account.
const (
	KindMerchant MerchantKind = "merchant"
	KindPartner  MerchantKind = "partner"
)

// IsPartner reports whether m is a partner (ISV) account.
func (m *Merchant) IsPartner() bool { return m.Kind == KindPartner }

// Scope is what a partner may do for a merchant that authorized it.
type Scope string

// Scopes of an Agent-Token.
const (
	ScopePayments Scope = "payments" // pay, inquiryPayment, cancel
	ScopeRefunds  Scope = "refunds"  // refund, inquiryRefund
	ScopeReports  Scope = "reports"  // settlement and transaction reports
	ScopeCodes    Scope = "codes"    // entry codes and branding
)

// AllScopes lists every scope, in order.
var AllScopes = []Scope{ScopePayments, ScopeRefunds, ScopeReports, ScopeCodes}

// KYBStatus is the outcome of a merchant's know-your-business review.
type KYBStatus string

// KYB statuses. A new merchant is pending.
const (
	KYBPending  KYBStatus = "pending"
	KYBApproved KYBStatus = "approved"
	KYBRejected KYBStatus = "rejected"
)

// Valid reports whether s is one of the three statuses.
func (s KYBStatus) Valid() bool {
	return s == KYBPending || s == KYBApproved || s == KYBRejected
}

// Location returns the merchant's time zone, UTC when it has none or an unknown one.
func (m *Merchant) Location() *time.Location {
	return ZoneLocation(m.TimeZone)
}

// zones caches loaded time zones: time.LoadLocation reads and parses the zone database
// on every call, and pages and the pay path ask for the merchant's zone often.
var zones sync.Map // name → *time.Location

// ZoneLocation returns the IANA time zone name, loaded once; UTC for "" or a name the zone
// database does not know.
func ZoneLocation(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// CheckTimeZone checks an IANA time zone name ("Asia/Hong_Kong", "UTC").
func CheckTimeZone(name string) error {
	if name == "" || name == "Local" || len(name) > 64 {
		return Errorf(EInvalid, "time zone %q must be an IANA name such as Asia/Hong_Kong or UTC", clip(name))
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Errorf(EInvalid, "time zone %q is not a known IANA name (such as Asia/Hong_Kong or UTC)", clip(name))
	}
	return nil
}

// Sandbox reports whether the merchant is a sandbox merchant.
func (m *Merchant) Sandbox() bool { return strings.HasPrefix(m.ClientID, SandboxPrefix) }

// MerchantKey is one version of a merchant's RSA public key, as base64 X.509 DER.
type MerchantKey struct {
	ClientID   string
	KeyVersion int
	PublicKey  string
	CreatedAt  time.Time
	// RevokedAt is when the merchant revoked this version; zero while it is active. The
	// API refuses signatures made with a revoked version.
	RevokedAt time.Time
	// Label says whose key this is (e.g. the system integrator that holds it); the
	// audit of partner calls and the API's log lines name it.
	Label string
}

// Active reports whether k may still verify the merchant's requests.
func (k *MerchantKey) Active() bool { return k.RevokedAt.IsZero() }

// Store is one of a merchant's shops.
type Store struct {
	ID          string
	MerchantID  string
	Name        string
	DisplayName string
	MCC         string
	Region      string
	// SettlementCurrency overrides the merchant's when set.
	SettlementCurrency string
	// Currency is what the store prices in: customers type amounts in it. It defaults to
	// the settlement currency.
	Currency  string
	CreatedAt time.Time
	// ReferenceID is the merchant's own id for the store ("" when none was given), unique
	// among its stores: codes/createStore sent again with it finds this store.
	ReferenceID string
}

// GatewayKey is one version of entrypay's own signing key, as base64 PKCS#8 DER.
type GatewayKey struct {
	KeyVersion int
	PrivateKey string
	CreatedAt  time.Time
}

// NewMerchant is what an operator gives to create a merchant.
type NewMerchant struct {
	Name               string
	MCC                string
	Region             string
	SettlementCurrency string
	NotifyURL          string
	Sandbox            bool
	// TimeZone is an IANA name; "" is UTC.
	TimeZone string
	// PublicKey is the merchant's RSA public key (PEM or base64 DER), checked by the caller.
	PublicKey string
	// Kind is KindMerchant ("" too) or KindPartner.
	Kind MerchantKind
}

// NewStore is what an operator gives to create a store.
type NewStore struct {
	MerchantID         string
	Name               string
	DisplayName        string
	MCC                string
	Region             string
	SettlementCurrency string
	Currency           string
	// ReferenceID is the merchant's own id for the store, optional.
	ReferenceID string
}

func validMCC(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func validRegion(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func validText(s string, max int) bool {
	if strings.TrimSpace(s) == "" || len([]rune(s)) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// validHTTPURL checks the shape of a URL given to entrypay: absolute http(s), no user info.
// Where it may point (private addresses) is the Notifier's concern.
func validHTTPURL(field, raw string) error {
	if len(raw) > 2048 {
		return Errorf(EInvalid, "%s is longer than 2048 characters", field)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EInvalid, "%s must be an absolute http or https URL", field)
	}
	if u.User != nil {
		return Errorf(EInvalid, "%s must not carry user information", field)
	}
	return nil
}

func (in NewMerchant) validate() error {
	switch {
	case !validText(in.Name, 128):
		return Errorf(EInvalid, "name is required (at most 128 characters, no control characters)")
	case !validMCC(in.MCC):
		return Errorf(EInvalid, "mcc %q must be four digits (ISO 18245)", clip(in.MCC))
	case !validRegion(in.Region):
		return Errorf(EInvalid, "region %q must be an ISO 3166-1 alpha-2 code such as HK", clip(in.Region))
	}
	if _, ok := Digits(in.SettlementCurrency); !ok {
		return Errorf(EInvalid, "settlement currency %q is not an ISO 4217 code", clip(in.SettlementCurrency))
	}
	if in.NotifyURL != "" {
		if err := validHTTPURL("notify URL", in.NotifyURL); err != nil {
			return err
		}
	}
	if in.TimeZone != "" {
		if err := CheckTimeZone(in.TimeZone); err != nil {
			return err
		}
	}
	return nil
}

func (in NewStore) validate() error {
	switch {
	case in.MerchantID == "":
		return Errorf(EInvalid, "merchant is required")
	case !validText(in.Name, 128):
		return Errorf(EInvalid, "name is required (at most 128 characters, no control characters)")
	case in.DisplayName != "" && !validText(in.DisplayName, 128):
		return Errorf(EInvalid, "display name must be at most 128 characters, no control characters")
	case in.MCC != "" && !validMCC(in.MCC):
		return Errorf(EInvalid, "mcc %q must be four digits (ISO 18245)", clip(in.MCC))
	case in.Region != "" && !validRegion(in.Region):
		return Errorf(EInvalid, "region %q must be an ISO 3166-1 alpha-2 code such as HK", clip(in.Region))
	case in.ReferenceID != "" && !validText(in.ReferenceID, 64):
		return Errorf(EInvalid, "reference id must be at most 64 characters, no control characters")
	}
	for name, c := range map[string]string{"settlement currency": in.SettlementCurrency, "currency": in.Currency} {
		if _, ok := Digits(c); c != "" && !ok {
			return Errorf(EInvalid, "%s %q is not an ISO 4217 code", name, clip(c))
		}
	}
	return nil
}
