package entrypay

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// Role is what a dashboard user may do.
type Role string

// Roles. Owner, viewer and refunder belong to a merchant; an operator runs entrypay and
// belongs to none.
const (
	RoleOwner    Role = "owner"
	RoleViewer   Role = "viewer"
	RoleRefunder Role = "refunder"
	RoleOperator Role = "operator"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleViewer, RoleRefunder, RoleOperator:
		return true
	}
	return false
}

// CanRefund reports whether a user of role r may refund the merchant's payments.
func (r Role) CanRefund() bool { return r == RoleOwner || r == RoleRefunder }

// User is a person who signs in to the dashboard: a merchant's staff or an operator.
type User struct {
	ID string
	// MerchantID is "" for operators.
	MerchantID string
	// Email is trimmed and lower-case, unique among all users.
	Email string
	Role  Role
	// PasswordHash is the PHC string of the password; "" until the invitation is used.
	PasswordHash string
	// FailedLogins counts consecutive failed logins; LockedUntil is set when they reach
	// MaxFailedLogins.
	FailedLogins int
	LockedUntil  time.Time
	// TOTPSecret is the second factor's secret (base32), "" when the user has none;
	// TOTPLastStep is the time step of the last code accepted, so no code works twice.
	TOTPSecret   string
	TOTPLastStep int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// TOTPChecker makes second-factor secrets and checks their codes (internal/totp).
type TOTPChecker interface {
	// NewSecret returns a new secret for account and the otpauth:// URI of it.
	NewSecret(account string) (secret, uri string, err error)
	// Step returns the time step code belongs to at t, allowing a step of drift, or false.
	Step(secret, code string, t time.Time) (int64, bool)
}

// Link purposes.
const (
	LinkInvite = "invite"
	LinkReset  = "reset"
)

// UserLink is a one-time link (an invitation or a password reset) leading to the
// set-password form. Only the SHA-256 of its token is stored.
type UserLink struct {
	TokenHash string
	UserID    string
	Purpose   string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is set when the link was used; it cannot be used again.
	UsedAt time.Time
}

// Session is a signed-in browser. Only the SHA-256 of its cookie token is stored.
type Session struct {
	TokenHash string
	UserID    string
	// CSRFToken goes into every form of the session's pages and must come back with
	// every POST.
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// AuditEntry records who did what to what, written in the transaction of the change.
type AuditEntry struct {
	At         time.Time
	UserID     string
	Email      string
	MerchantID string
	Action     string
	Subject    string
	Detail     string
}

// Audit actions.
const (
	AuditLogin       = "login"
	AuditLoginFailed = "login_failed"
	AuditLoginLocked = "login_locked"
	AuditLockout     = "lockout"
	AuditPasswordSet = "password_set"
	AuditUserCreated = "user_created"
	AuditLinkIssued  = "link_issued"
	AuditLogout      = "logout"
	AuditRefundAsked = "refund_requested"
	AuditCancelAsked = "cancel_requested"
	AuditTOTPOn      = "totp_enabled"
	AuditUserRemoved = "user_removed"
	AuditTOTPOff     = "totp_disabled"
)

// AuditQuery selects audit entries, newest first; empty fields match everything.
type AuditQuery struct {
	UserID     string
	MerchantID string
	Subject    string
	Action     string
	Email      string
	// From and To bound the entries' time: From ≤ at < To; zero means unbounded.
	From, To time.Time
	Offset   int
	Limit    int
}

// UserQuery finds one user by ID or by Email.
type UserQuery struct {
	ID        string
	Email     string
	ForUpdate bool
}

// PaymentFilter selects a merchant's payments for a list, newest first.
type PaymentFilter struct {
	// MerchantID is required: a list never crosses merchants.
	MerchantID string
	Status     PaymentStatus
	// From and To bound the creation time: From ≤ created < To; zero means unbounded.
	From, To time.Time
	// ID and RequestID, when set, must match exactly.
	ID        string
	RequestID string
	// Wallet, StoreID and EntryCode, when set, must match exactly.
	Wallet    string
	StoreID   string
	EntryCode string
	// Currency, when set, must match the payment's amount currency; MinAmount and
	// MaxAmount (minor units of that currency, both included) apply only with it.
	Currency             string
	MinAmount, MaxAmount *int64
	Offset               int
	Limit                int
}

// PaymentBucket counts and sums a merchant's payments created in one time bucket that
// share status, currency, wallet and store.
type PaymentBucket struct {
	Start     time.Time
	Status    PaymentStatus
	Currency  string
	Wallet    string
	StoreID   string
	StoreName string
	Count     int
	Value     int64
}

// PaymentTotal is the count and sum of a merchant's payments in one currency.
type PaymentTotal struct {
	Currency string
	Count    int
	Value    int64
}

// PasswordHasher hashes and checks passwords (argon2id in internal/password).
type PasswordHasher interface {
	// Hash returns the encoded hash of password with a fresh random salt.
	Hash(password string) (string, error)
	// Verify reports whether password matches encoded, comparing in constant time; an
	// error means encoded is not a hash it understands.
	Verify(encoded, password string) (bool, error)
}

// Dashboard rules.
const (
	MaxFailedLogins   = 5
	LockoutDuration   = 15 * time.Minute
	InviteLinkTTL     = 72 * time.Hour
	ResetLinkTTL      = time.Hour
	SessionIdle       = 30 * time.Minute
	SessionLifetime   = 12 * time.Hour
	MinPasswordLength = 12
	// maxPasswordLength keeps a hostile form from making the server hash megabytes.
	maxPasswordLength = 1024
)

// Errors of sign-in. They say nothing about which part was wrong.
var (
	// ErrLoginFailed: unknown email, wrong password, or a locked account.
	ErrLoginFailed = errors.New("email or password is incorrect, or the account is temporarily locked")
	// ErrLinkInvalid: a link that does not exist, has expired or was used.
	ErrLinkInvalid = errors.New("this link is not valid: it has expired or has already been used")
	// ErrNoSession: no session, or one that has expired.
	ErrNoSession = errors.New("not signed in")
	// ErrCodeRequired: the email and password are right and the account has a second
	// factor: the login needs its code.
	ErrCodeRequired = errors.New("the account needs the code from its authenticator app")
	// ErrForbidden: the user's role does not allow the action.
	ErrForbidden = errors.New("your role does not allow this")
)

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// NewToken returns a random 32-byte token, URL-safe, and the hex SHA-256 under which it
// is stored.
func NewToken() (token, hash string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken is the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
