package entrypay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// NewUser is a dashboard user to create.
type NewUser struct {
	// MerchantID is required for merchant roles and must be "" for operators.
	MerchantID string
	Email      string
	Role       Role
}

func (in *NewUser) validate() error {
	in.Email = NormalizeEmail(in.Email)
	switch {
	case !in.Role.Valid():
		return Errorf(EInvalid, "role %q is not one of owner, viewer, refunder, operator", clip(string(in.Role)))
	case in.Role == RoleOperator && in.MerchantID != "":
		return Errorf(EInvalid, "an operator belongs to no merchant")
	case in.Role != RoleOperator && in.MerchantID == "":
		return Errorf(EInvalid, "a %s needs a merchant", in.Role)
	case len(in.Email) < 3 || len(in.Email) > 254 || !validEmail(in.Email):
		return Errorf(EInvalid, "email %q is not an email address", clip(in.Email))
	}
	return nil
}

// validEmail is deliberately loose: one @ with something on both sides and no spaces.
func validEmail(s string) bool {
	at := -1
	for i, c := range s {
		switch {
		case c == '@' && at >= 0:
			return false
		case c == '@':
			at = i
		case c <= ' ':
			return false
		}
	}
	return at > 0 && at < len(s)-1
}

// CreateUser adds a dashboard user without a password and returns the invitation
// link's token, valid for InviteLinkTTL. by names who asked (for the audit log).
func (g *Gateway) CreateUser(ctx context.Context, in NewUser, by string) (*User, string, error) {
	if err := in.validate(); err != nil {
		return nil, "", err
	}
	now := g.now()
	u := &User{ID: NewID("usr_", now), MerchantID: in.MerchantID, Email: in.Email, Role: in.Role, CreatedAt: now, UpdatedAt: now}
	token, hash := NewToken()
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		if u.MerchantID != "" {
			if _, err := tx.Merchant(ctx, u.MerchantID); err != nil {
				return notFound(err, EInvalid, "merchant %q does not exist", clip(u.MerchantID))
			}
		}
		inserted, err := tx.InsertUser(ctx, u)
		if err != nil {
			return err
		}
		if !inserted {
			return Errorf(EInvalid, "a user with email %q exists already", u.Email)
		}
		if err := tx.InsertUserLink(ctx, &UserLink{TokenHash: hash, UserID: u.ID, Purpose: LinkInvite, CreatedAt: now, ExpiresAt: now.Add(InviteLinkTTL)}); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, Email: by, MerchantID: u.MerchantID, Action: AuditUserCreated, Subject: u.ID, Detail: fmt.Sprintf("%s %s invited", u.Role, u.Email)})
	})
	if err != nil {
		return nil, "", fmt.Errorf("create user: %w", err)
	}
	return u, token, nil
}

// IssueLink gives an existing user a fresh one-time link: an invitation (InviteLinkTTL)
// or a password reset (ResetLinkTTL). by names who asked (for the audit log).
func (g *Gateway) IssueLink(ctx context.Context, email, purpose, by string) (*User, string, error) {
	ttl := ResetLinkTTL
	switch purpose {
	case LinkReset:
	case LinkInvite:
		ttl = InviteLinkTTL
	default:
		return nil, "", Errorf(EInvalid, "link purpose %q is not invite or reset", clip(purpose))
	}
	email = NormalizeEmail(email)
	now := g.now()
	token, hash := NewToken()
	var u *User
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(ctx, UserQuery{Email: email}); err != nil {
			return notFound(err, EInvalid, "no user with email %q", clip(email))
		}
		if err := tx.InsertUserLink(ctx, &UserLink{TokenHash: hash, UserID: u.ID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, Email: by, MerchantID: u.MerchantID, Action: AuditLinkIssued, Subject: u.ID, Detail: purpose + " link for " + u.Email})
	})
	if err != nil {
		return nil, "", fmt.Errorf("issue %s link: %w", purpose, err)
	}
	return u, token, nil
}

// verifyPassword checks password against encoded. An unknown email or a user without a
// password is checked against a hash of the gateway's own, so that a failed login takes
// as long whatever the reason.
func (g *Gateway) verifyPassword(encoded, password string) bool {
	if g.cfg.Passwords == nil {
		return false
	}
	if encoded == "" {
		g.dummyOnce.Do(func() { g.dummyHash, _ = g.cfg.Passwords.Hash("entrypay-dummy-password") })
		encoded = g.dummyHash
		password += "\x00" // never matches the dummy
	}
	ok, err := g.cfg.Passwords.Verify(encoded, password)
	return ok && err == nil
}

// Login checks an email and password and opens a session, returning its cookie token.
// Every failure is ErrLoginFailed, whatever its reason, after the same hashing work.
// MaxFailedLogins consecutive failures lock the account for LockoutDuration, in the
// database, so the lock holds across restarts and nodes. An account with a second factor
// also needs code: without one, ErrCodeRequired (once the password is right); a wrong or
// reused code counts as a failure.
func (g *Gateway) Login(ctx context.Context, email, password, code string) (string, error) {
	email = NormalizeEmail(email)
	if len(password) > maxPasswordLength {
		password = password[:maxPasswordLength]
	}
	var hash string
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, UserQuery{Email: email})
		if err == nil {
			hash = u.PasswordHash
		}
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	// Hashing is slow on purpose; it runs outside any transaction, and the outcome is
	// recorded against the row as it is then.
	matched := g.verifyPassword(hash, password)
	now := g.now()
	token, tokenHash := NewToken()
	failed, needCode := false, false
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		failed, needCode = true, false
		u, err := tx.User(ctx, UserQuery{Email: email, ForUpdate: true})
		if errors.Is(err, ErrNotFound) {
			return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, Email: email, Action: AuditLoginFailed, Detail: "unknown email"})
		}
		if err != nil {
			return err
		}
		audit := &AuditEntry{At: now, UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Subject: u.ID}
		switch {
		case now.Before(u.LockedUntil):
			audit.Action, audit.Detail = AuditLoginLocked, "locked until "+u.LockedUntil.Format(time.RFC3339)
			return tx.InsertAuditEntry(ctx, audit)
		case matched && u.PasswordHash == hash && u.TOTPSecret != "" && code == "":
			failed, needCode = false, true
			return nil
		}
		step, codeOK := int64(0), true
		if u.TOTPSecret != "" {
			step, codeOK = g.checkCode(u, code, now)
		}
		switch {
		case !matched || u.PasswordHash != hash || !codeOK:
			u.FailedLogins++
			audit.Action, audit.Detail = AuditLoginFailed, fmt.Sprintf("wrong password (%d in a row)", u.FailedLogins)
			if matched && u.PasswordHash == hash {
				audit.Detail = fmt.Sprintf("wrong or reused authentication code (%d in a row)", u.FailedLogins)
			}
			if u.FailedLogins >= MaxFailedLogins {
				u.FailedLogins, u.LockedUntil = 0, now.Add(LockoutDuration)
				audit.Action, audit.Detail = AuditLockout, fmt.Sprintf("%d failed logins: locked until %s", MaxFailedLogins, u.LockedUntil.Format(time.RFC3339))
			}
			u.UpdatedAt = now
			if err := tx.UpdateUser(ctx, u); err != nil {
				return err
			}
			return tx.InsertAuditEntry(ctx, audit)
		}
		failed = false
		u.FailedLogins, u.LockedUntil, u.UpdatedAt = 0, time.Time{}, now
		if step != 0 {
			u.TOTPLastStep = step
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.InsertSession(ctx, newSession(tokenHash, u.ID, now)); err != nil {
			return err
		}
		audit.Action = AuditLogin
		return tx.InsertAuditEntry(ctx, audit)
	})
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	if needCode {
		return "", ErrCodeRequired
	}
	if failed {
		return "", ErrLoginFailed
	}
	return token, nil
}

// checkCode returns the time step of a second-factor code of u that is right and newer
// than the last one accepted.
func (g *Gateway) checkCode(u *User, code string, now time.Time) (int64, bool) {
	if g.cfg.TOTP == nil {
		return 0, false
	}
	step, ok := g.cfg.TOTP.Step(u.TOTPSecret, strings.TrimSpace(code), now)
	return step, ok && step > u.TOTPLastStep
}

// NewTOTPSecret returns a new second-factor secret for u and its otpauth:// URI; nothing
// is stored until EnableTOTP confirms a code of it.
func (g *Gateway) NewTOTPSecret(u *User) (secret, uri string, err error) {
	if g.cfg.TOTP == nil {
		return "", "", errors.New("totp: no checker configured")
	}
	return g.cfg.TOTP.NewSecret(u.Email)
}

// EnableTOTP turns on the second factor of user id with secret, once code shows that
// the user's authenticator app has it.
func (g *Gateway) EnableTOTP(ctx context.Context, id, secret, code string) error {
	return g.setTOTP(ctx, id, secret, code, true)
}

// DisableTOTP turns the second factor of user id off; code must be a current one.
func (g *Gateway) DisableTOTP(ctx context.Context, id, code string) error {
	return g.setTOTP(ctx, id, "", code, false)
}

func (g *Gateway) setTOTP(ctx context.Context, id, secret, code string, on bool) error {
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		u, err := tx.User(ctx, UserQuery{ID: id, ForUpdate: true})
		if err != nil {
			return err
		}
		check := *u
		if on {
			if u.TOTPSecret != "" {
				return Errorf(EInvalid, "two-factor sign-in is already on")
			}
			if len(secret) < 16 || len(secret) > 128 {
				return Errorf(EInvalid, "the secret is not one this page made; start again")
			}
			check.TOTPSecret, check.TOTPLastStep = secret, 0
		} else if u.TOTPSecret == "" {
			return Errorf(EInvalid, "two-factor sign-in is already off")
		}
		step, ok := g.checkCode(&check, code, now)
		if !ok {
			return Errorf(EInvalid, "code: it is not the current 6-digit code of the authenticator app")
		}
		audit := &AuditEntry{At: now, UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Subject: u.ID, Action: AuditTOTPOn}
		if on {
			u.TOTPSecret, u.TOTPLastStep = secret, step
		} else {
			u.TOTPSecret, u.TOTPLastStep = "", 0
			audit.Action = AuditTOTPOff
		}
		u.UpdatedAt = now
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, audit)
	})
}

func newSession(tokenHash, userID string, now time.Time) *Session {
	csrf, _ := NewToken()
	return &Session{TokenHash: tokenHash, UserID: userID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}
}

// SessionUser returns the signed-in user of a session token and slides the session's
// idle expiry. ErrNoSession when there is no such session or it has expired (idle for
// SessionIdle, or older than SessionLifetime); an expired session is deleted.
func (g *Gateway) SessionUser(ctx context.Context, token string) (*User, *Session, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	now := g.now()
	var u *User
	var s *Session
	expired := false
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		u, expired = nil, false
		var err error
		if s, err = tx.Session(ctx, HashToken(token)); err != nil {
			return err
		}
		if !now.Before(s.LastSeenAt.Add(SessionIdle)) || !now.Before(s.CreatedAt.Add(SessionLifetime)) {
			expired = true
			return tx.DeleteSession(ctx, s.TokenHash)
		}
		if u, err = tx.User(ctx, UserQuery{ID: s.UserID}); err != nil {
			return err
		}
		s.LastSeenAt = now
		return tx.UpdateSession(ctx, s)
	})
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && expired):
		return nil, nil, ErrNoSession
	case err != nil:
		return nil, nil, fmt.Errorf("session: %w", err)
	}
	return u, s, nil
}

// Logout ends the session of token.
func (g *Gateway) Logout(ctx context.Context, token string) error {
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		s, err := tx.Session(ctx, HashToken(token))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteSession(ctx, s.TokenHash); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, UserID: s.UserID, Action: AuditLogout, Subject: s.UserID})
	})
}

// linkFor returns a usable link and its user; ErrLinkInvalid otherwise.
func (g *Gateway) linkFor(ctx context.Context, tx Tx, token string, now time.Time, forUpdate bool) (*UserLink, *User, error) {
	l, err := tx.UserLink(ctx, HashToken(token), forUpdate)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	if !l.UsedAt.IsZero() || !now.Before(l.ExpiresAt) {
		return nil, nil, ErrLinkInvalid
	}
	u, err := tx.User(ctx, UserQuery{ID: l.UserID, ForUpdate: forUpdate})
	if err != nil {
		return nil, nil, err
	}
	return l, u, nil
}

// LinkUser returns the user a one-time link is for, without using it; ErrLinkInvalid
// when it does not exist, has expired or was used.
func (g *Gateway) LinkUser(ctx context.Context, token string) (*User, string, error) {
	var u *User
	var purpose string
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		l, user, err := g.linkFor(ctx, tx, token, g.now(), false)
		if err == nil {
			u, purpose = user, l.Purpose
		}
		return err
	})
	return u, purpose, err
}

// UseLink sets the password of a one-time link's user, uses the link up, clears any
// lockout and opens a session, returning its token.
func (g *Gateway) UseLink(ctx context.Context, token, password string) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return "", Errorf(EInvalid, "the password must have at least %d characters", MinPasswordLength)
	} else if len(password) > maxPasswordLength {
		return "", Errorf(EInvalid, "the password must have at most %d bytes", maxPasswordLength)
	}
	if g.cfg.Passwords == nil {
		return "", errors.New("use link: no password hasher configured")
	}
	encoded, err := g.cfg.Passwords.Hash(password)
	if err != nil {
		return "", fmt.Errorf("use link: %w", err)
	}
	now := g.now()
	sessionToken, sessionHash := NewToken()
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		l, u, err := g.linkFor(ctx, tx, token, now, true)
		if err != nil {
			return err
		}
		l.UsedAt = now
		if err := tx.UpdateUserLink(ctx, l); err != nil {
			return err
		}
		u.PasswordHash, u.FailedLogins, u.LockedUntil, u.UpdatedAt = encoded, 0, time.Time{}, now
		if l.Purpose == LinkReset {
			// A reset link comes from an operator or the owner: the way back in for a
			// user who lost the authenticator app too. They set it up again.
			u.TOTPSecret, u.TOTPLastStep = "", 0
		}
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.InsertSession(ctx, newSession(sessionHash, u.ID, now)); err != nil {
			return err
		}
		return tx.InsertAuditEntry(ctx, &AuditEntry{At: now, UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Action: AuditPasswordSet, Subject: u.ID, Detail: "from " + l.Purpose + " link"})
	})
	if err != nil {
		return "", err
	}
	return sessionToken, nil
}

// PaymentDetail is everything the dashboard shows about one payment.
type PaymentDetail struct {
	Payment       *Payment
	Events        []*PaymentEvent
	Refunds       []*Refund
	Notifications []NotificationDetail
	// CancelUntil is when the payment's cancel window closes (its creation plus the
	// gateway's CancelWindow); after it a paid payment can only be refunded.
	CancelUntil time.Time
}

// NotificationDetail is a notification with its delivery attempts.
type NotificationDetail struct {
	Notification *Notification
	Attempts     []*NotificationAttempt
}

// MerchantPayment returns one of a merchant's payments with its history; a payment of
// another merchant is ENotFound, exactly like one that does not exist.
func (g *Gateway) MerchantPayment(ctx context.Context, merchantID, id string) (*PaymentDetail, error) {
	if merchantID == "" {
		return nil, Errorf(ENotFound, "no payment %q", clip(id))
	}
	d := &PaymentDetail{}
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if d.Payment, err = tx.Payment(ctx, PaymentQuery{ID: id, MerchantID: merchantID}); err != nil {
			return notFound(err, ENotFound, "no payment %q", clip(id))
		}
		d.CancelUntil = d.Payment.CreatedAt.Add(g.cfg.CancelWindow)
		if d.Events, err = tx.PaymentEvents(ctx, id); err != nil {
			return err
		}
		if d.Refunds, err = tx.RefundsOfPayment(ctx, id); err != nil {
			return err
		}
		ns, err := tx.NotificationsOfPayment(ctx, id)
		if err != nil {
			return err
		}
		d.Notifications = nil
		for _, n := range ns {
			as, err := tx.NotificationAttempts(ctx, n.ID)
			if err != nil {
				return err
			}
			d.Notifications = append(d.Notifications, NotificationDetail{Notification: n, Attempts: as})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// MerchantPayments lists a merchant's payments; f.MerchantID is required.
func (g *Gateway) MerchantPayments(ctx context.Context, f PaymentFilter) ([]*Payment, error) {
	if f.MerchantID == "" {
		return nil, Errorf(EInvalid, "a payment list needs a merchant")
	}
	var ps []*Payment
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		ps, err = tx.Payments(ctx, f)
		return err
	})
	return ps, err
}

// RefundAsUser refunds a payment of the user's merchant, as the merchant API would, and
// records who asked in the audit log in the refund's transaction. Users whose role
// cannot refund get ErrForbidden.
func (g *Gateway) RefundAsUser(ctx context.Context, u *User, in RefundInput) (*Refund, error) {
	if !u.Role.CanRefund() || u.MerchantID == "" {
		return nil, ErrForbidden
	}
	m, err := g.Merchant(ctx, u.MerchantID)
	if err != nil {
		return nil, err
	}
	in.audit = &AuditEntry{UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Action: AuditRefundAsked}
	in.Origin = "dashboard, " + u.Email
	return g.Refund(ctx, m, in)
}

// CancelAsUser cancels a payment of the user's merchant, as the merchant API would, and
// records who asked in the audit log in the cancel request's transaction. Users whose
// role cannot refund cannot cancel either (a paid payment's cancel gives the money back):
// ErrForbidden.
func (g *Gateway) CancelAsUser(ctx context.Context, u *User, paymentID string) (*Payment, error) {
	if !u.Role.CanRefund() || u.MerchantID == "" {
		return nil, ErrForbidden
	}
	m, err := g.Merchant(ctx, u.MerchantID)
	if err != nil {
		return nil, err
	}
	return g.cancel(ctx, m, PaymentRef{ID: paymentID}, &AuditEntry{UserID: u.ID, Email: u.Email, MerchantID: u.MerchantID, Action: AuditCancelAsked})
}

// AuditLog lists audit entries, newest first.
func (g *Gateway) AuditLog(ctx context.Context, q AuditQuery) ([]*AuditEntry, error) {
	var es []*AuditEntry
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		es, err = tx.AuditEntries(ctx, q)
		return err
	})
	return es, err
}

// UserByEmail returns the user with the email; an error wrapping ErrNotFound when there
// is none.
func (g *Gateway) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u *User
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		u, err = tx.User(ctx, UserQuery{Email: NormalizeEmail(email)})
		return err
	})
	return u, err
}
