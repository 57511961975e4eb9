package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/entrypay/entrypay"
)

// conds collects the conditions and arguments of a query built from a filter.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(expr string, v any) {
	c.args = append(c.args, v)
	c.where = append(c.where, strings.ReplaceAll(expr, "?", "$"+strconv.Itoa(len(c.args))))
}

func (c *conds) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

// next returns the placeholder of one more argument v.
func (c *conds) next(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// Payments lists a merchant's payments matching f, newest first.
func (t *tx) Payments(ctx context.Context, f entrypay.PaymentFilter) ([]*entrypay.Payment, error) {
	if f.MerchantID == "" {
		return nil, errors.New("sqlstore: payments: the filter needs a MerchantID")
	}
	var c conds
	c.add("merchant_id = ?", f.MerchantID)
	if f.Status != "" {
		c.add("status = ?", string(f.Status))
	}
	if !f.From.IsZero() {
		c.add("created_at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		c.add("created_at < ?", micros(f.To))
	}
	if f.ID != "" {
		c.add("id = ?", f.ID)
	}
	if f.RequestID != "" {
		c.add("request_id = ?", f.RequestID)
	}
	if f.Wallet != "" {
		c.add("wallet = ?", f.Wallet)
	}
	if f.StoreID != "" {
		c.add("store_id = ?", f.StoreID)
	}
	if f.EntryCode != "" {
		c.add("entry_code = ?", f.EntryCode)
	}
	if f.Currency != "" {
		c.add("amount_currency = ?", f.Currency)
		if f.MinAmount != nil {
			c.add("amount_value >= ?", *f.MinAmount)
		}
		if f.MaxAmount != nil {
			c.add("amount_value <= ?", *f.MaxAmount)
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := selectPaymentSQL + c.sql() + " ORDER BY created_at DESC, id DESC LIMIT " + c.next(limit) + " OFFSET " + c.next(max(f.Offset, 0))
	ps, err := queryAll(ctx, t, scanPayment, q, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: payments of merchant %s: %w", f.MerchantID, err)
	}
	return ps, nil
}

// PaymentTotals counts and sums a merchant's payments of a status created in [from, to).
func (t *tx) PaymentTotals(ctx context.Context, merchantID string, status entrypay.PaymentStatus, from, to time.Time) ([]entrypay.PaymentTotal, error) {
	rows, err := t.query(ctx, "SELECT amount_currency, COUNT(*), CAST(COALESCE(SUM(amount_value), 0) AS BIGINT) FROM payments"+
		" WHERE merchant_id = $1 AND status = $2 AND created_at >= $3 AND created_at < $4 GROUP BY amount_currency ORDER BY amount_currency",
		merchantID, string(status), micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: payment totals of merchant %s: %w", merchantID, err)
	}
	defer rows.Close()
	var out []entrypay.PaymentTotal
	for rows.Next() {
		var pt entrypay.PaymentTotal
		if err := rows.Scan(&pt.Currency, &pt.Count, &pt.Value); err != nil {
			return nil, fmt.Errorf("sqlstore: payment totals of merchant %s: %w", merchantID, err)
		}
		out = append(out, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: payment totals of merchant %s: %w", merchantID, err)
	}
	return out, nil
}

// PaymentBuckets counts and sums a merchant's payments created in [from, to) per bucket,
// status, currency, wallet and store. created_at is in microseconds, so the bucket is an
// integer division both dialects do alike.
func (t *tx) PaymentBuckets(ctx context.Context, merchantID string, from, to time.Time, bucket time.Duration) ([]entrypay.PaymentBucket, error) {
	size := bucket.Microseconds()
	if size <= 0 {
		return nil, errors.New("sqlstore: payment buckets: the bucket must be positive")
	}
	rows, err := t.query(ctx, "SELECT created_at / $1 AS b, status, amount_currency, wallet, store_id, MAX(store_name), COUNT(*),"+
		" CAST(COALESCE(SUM(amount_value), 0) AS BIGINT) FROM payments WHERE merchant_id = $2 AND created_at >= $3 AND created_at < $4"+
		" GROUP BY b, status, amount_currency, wallet, store_id ORDER BY b, status, amount_currency, wallet, store_id",
		size, merchantID, micros(from), micros(to))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: payment buckets of merchant %s: %w", merchantID, err)
	}
	defer rows.Close()
	var out []entrypay.PaymentBucket
	for rows.Next() {
		var pb entrypay.PaymentBucket
		var n int64
		if err := rows.Scan(&n, (*string)(&pb.Status), &pb.Currency, &pb.Wallet, &pb.StoreID, &pb.StoreName, &pb.Count, &pb.Value); err != nil {
			return nil, fmt.Errorf("sqlstore: payment buckets of merchant %s: %w", merchantID, err)
		}
		pb.Start = time.UnixMicro(n * size).UTC()
		out = append(out, pb)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: payment buckets of merchant %s: %w", merchantID, err)
	}
	return out, nil
}

var userCols = []string{"id", "merchant_id", "email", "role", "password_hash", "failed_logins", "locked_until", "totp_secret", "totp_last_step", "created_at", "updated_at"}

func userArgs(u *entrypay.User) []any {
	return []any{u.ID, u.MerchantID, u.Email, string(u.Role), u.PasswordHash, u.FailedLogins, micros(u.LockedUntil), u.TOTPSecret, u.TOTPLastStep, micros(u.CreatedAt), micros(u.UpdatedAt)}
}

func userDest(u *entrypay.User) []any {
	return []any{&u.ID, &u.MerchantID, &u.Email, (*string)(&u.Role), &u.PasswordHash, &u.FailedLogins, timeCol{&u.LockedUntil}, &u.TOTPSecret, &u.TOTPLastStep, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}}
}

var (
	selectUserSQL = selectSQL("users", userCols)
	insertUserSQL = insertSQL("users", userCols, "ON CONFLICT DO NOTHING")
	updateUserSQL = updateSQL("users", userCols)
)

func scanUser(r scanner) (*entrypay.User, error) {
	var u entrypay.User
	if err := r.Scan(userDest(&u)...); err != nil {
		return nil, err
	}
	return &u, nil
}

// User returns the user q finds: by ID when set, else by Email.
func (t *tx) User(ctx context.Context, q entrypay.UserQuery) (*entrypay.User, error) {
	col, v := "id", q.ID
	if v == "" {
		col, v = "email", q.Email
	}
	if v == "" {
		return nil, errors.New("sqlstore: user: the query needs an ID or an Email")
	}
	u, err := scanUser(t.queryRow(ctx, selectUserSQL+" WHERE "+col+" = $1"+t.lock(q.ForUpdate), v))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: user %s: %w", v, notFound(err))
	}
	return u, nil
}

// UsersOf lists the users of a merchant, by email.
func (t *tx) UsersOf(ctx context.Context, merchantID string) ([]*entrypay.User, error) {
	us, err := queryAll(ctx, t, scanUser, selectUserSQL+" WHERE merchant_id = $1 ORDER BY email", merchantID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: users of merchant %s: %w", merchantID, err)
	}
	return us, nil
}

// DeleteUser removes a user, its links and its sessions.
func (t *tx) DeleteUser(ctx context.Context, id string) error {
	for _, q := range []string{"DELETE FROM sessions WHERE user_id = $1", "DELETE FROM user_links WHERE user_id = $1", "DELETE FROM users WHERE id = $1"} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return fmt.Errorf("sqlstore: delete user %s: %w", id, err)
		}
	}
	return nil
}

// InsertUser adds u unless its id or email is taken.
func (t *tx) InsertUser(ctx context.Context, u *entrypay.User) (bool, error) {
	ok, err := t.insert(ctx, insertUserSQL, userArgs(u)...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert user %s: %w", u.ID, err)
	}
	return ok, nil
}

// UpdateUser writes every field of u over the user with u's id.
func (t *tx) UpdateUser(ctx context.Context, u *entrypay.User) error {
	if err := t.update(ctx, updateUserSQL, userArgs(u)...); err != nil {
		return fmt.Errorf("sqlstore: update user %s: %w", u.ID, err)
	}
	return nil
}

var userLinkCols = []string{"token_hash", "user_id", "purpose", "created_at", "expires_at", "used_at"}

func userLinkArgs(l *entrypay.UserLink) []any {
	return []any{l.TokenHash, l.UserID, l.Purpose, micros(l.CreatedAt), micros(l.ExpiresAt), micros(l.UsedAt)}
}

func userLinkDest(l *entrypay.UserLink) []any {
	return []any{&l.TokenHash, &l.UserID, &l.Purpose, timeCol{&l.CreatedAt}, timeCol{&l.ExpiresAt}, timeCol{&l.UsedAt}}
}

var (
	selectUserLinkSQL = selectSQL("user_links", userLinkCols)
	insertUserLinkSQL = insertSQL("user_links", userLinkCols, "ON CONFLICT DO NOTHING")
	updateUserLinkSQL = updateSQL("user_links", userLinkCols)
)

// InsertUserLink adds l; a taken token hash is an error wrapping ErrDuplicate.
func (t *tx) InsertUserLink(ctx context.Context, l *entrypay.UserLink) error {
	if err := t.mustInsert(ctx, insertUserLinkSQL, userLinkArgs(l)...); err != nil {
		return fmt.Errorf("sqlstore: insert %s link of user %s: %w", l.Purpose, l.UserID, err)
	}
	return nil
}

// UserLink returns the link stored under tokenHash.
func (t *tx) UserLink(ctx context.Context, tokenHash string, forUpdate bool) (*entrypay.UserLink, error) {
	var l entrypay.UserLink
	if err := t.queryRow(ctx, selectUserLinkSQL+" WHERE token_hash = $1"+t.lock(forUpdate), tokenHash).Scan(userLinkDest(&l)...); err != nil {
		return nil, fmt.Errorf("sqlstore: user link: %w", notFound(err))
	}
	return &l, nil
}

// UpdateUserLink writes every field of l over the link with l's token hash.
func (t *tx) UpdateUserLink(ctx context.Context, l *entrypay.UserLink) error {
	if err := t.update(ctx, updateUserLinkSQL, userLinkArgs(l)...); err != nil {
		return fmt.Errorf("sqlstore: update link of user %s: %w", l.UserID, err)
	}
	return nil
}

var sessionCols = []string{"token_hash", "user_id", "csrf_token", "created_at", "last_seen_at"}

func sessionArgs(s *entrypay.Session) []any {
	return []any{s.TokenHash, s.UserID, s.CSRFToken, micros(s.CreatedAt), micros(s.LastSeenAt)}
}

func sessionDest(s *entrypay.Session) []any {
	return []any{&s.TokenHash, &s.UserID, &s.CSRFToken, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}}
}

var (
	selectSessionSQL = selectSQL("sessions", sessionCols)
	insertSessionSQL = insertSQL("sessions", sessionCols, "ON CONFLICT DO NOTHING")
	updateSessionSQL = updateSQL("sessions", sessionCols)
)

// InsertSession adds s; a taken token hash is an error wrapping ErrDuplicate.
func (t *tx) InsertSession(ctx context.Context, s *entrypay.Session) error {
	if err := t.mustInsert(ctx, insertSessionSQL, sessionArgs(s)...); err != nil {
		return fmt.Errorf("sqlstore: insert session of user %s: %w", s.UserID, err)
	}
	return nil
}

// Session returns the session stored under tokenHash.
func (t *tx) Session(ctx context.Context, tokenHash string) (*entrypay.Session, error) {
	var s entrypay.Session
	if err := t.queryRow(ctx, selectSessionSQL+" WHERE token_hash = $1", tokenHash).Scan(sessionDest(&s)...); err != nil {
		return nil, fmt.Errorf("sqlstore: session: %w", notFound(err))
	}
	return &s, nil
}

// UpdateSession writes every field of s over the session with s's token hash.
func (t *tx) UpdateSession(ctx context.Context, s *entrypay.Session) error {
	if err := t.update(ctx, updateSessionSQL, sessionArgs(s)...); err != nil {
		return fmt.Errorf("sqlstore: update session of user %s: %w", s.UserID, err)
	}
	return nil
}

// DeleteSession removes the session stored under tokenHash, if any.
func (t *tx) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := t.exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", tokenHash); err != nil {
		return fmt.Errorf("sqlstore: delete session: %w", err)
	}
	return nil
}

var auditCols = []string{"at", "user_id", "email", "merchant_id", "action", "subject", "detail"}

func auditArgs(e *entrypay.AuditEntry) []any {
	return []any{micros(e.At), e.UserID, e.Email, e.MerchantID, e.Action, e.Subject, e.Detail}
}

func auditDest(e *entrypay.AuditEntry) []any {
	return []any{timeCol{&e.At}, &e.UserID, &e.Email, &e.MerchantID, &e.Action, &e.Subject, &e.Detail}
}

var (
	selectAuditSQL = selectSQL("audit_log", auditCols)
	insertAuditSQL = insertSQL("audit_log", auditCols, "")
)

func scanAudit(r scanner) (*entrypay.AuditEntry, error) {
	var e entrypay.AuditEntry
	if err := r.Scan(auditDest(&e)...); err != nil {
		return nil, err
	}
	return &e, nil
}

// InsertAuditEntry appends e to the audit log.
func (t *tx) InsertAuditEntry(ctx context.Context, e *entrypay.AuditEntry) error {
	if _, err := t.exec(ctx, insertAuditSQL, auditArgs(e)...); err != nil {
		return fmt.Errorf("sqlstore: insert audit entry %s: %w", e.Action, err)
	}
	return nil
}

// AuditEntries lists the entries q selects, newest first.
func (t *tx) AuditEntries(ctx context.Context, q entrypay.AuditQuery) ([]*entrypay.AuditEntry, error) {
	var c conds
	if q.UserID != "" {
		c.add("user_id = ?", q.UserID)
	}
	if q.MerchantID != "" {
		c.add("merchant_id = ?", q.MerchantID)
	}
	if q.Subject != "" {
		c.add("subject = ?", q.Subject)
	}
	if q.Action != "" {
		c.add("action = ?", q.Action)
	}
	if q.Email != "" {
		c.add("email = ?", q.Email)
	}
	if !q.From.IsZero() {
		c.add("at >= ?", micros(q.From))
	}
	if !q.To.IsZero() {
		c.add("at < ?", micros(q.To))
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	query := selectAuditSQL + c.sql() + " ORDER BY seq DESC LIMIT " + c.next(limit)
	if q.Offset > 0 {
		query += " OFFSET " + c.next(q.Offset)
	}
	es, err := queryAll(ctx, t, scanAudit, query, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: audit entries: %w", err)
	}
	return es, nil
}
