package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/entrypay/entrypay"
)

var registrationCols = []string{"id", "partner_id", "request_id", "reference_merchant_id", "details", "hash", "status", "reason",
	"merchant_id", "store_id", "reviewed_by", "reviewed_at", "created_at", "updated_at", "wallet", "wallet_error", "wallet_at",
	"notify_url", "notify_body", "notify_status", "notify_attempts", "notified_at"}

var (
	selectRegistrationSQL = selectSQL("registrations", registrationCols)
	// Either unique key (request id; live referenceMerchantId) makes it not inserted.
	insertRegistrationSQL = insertSQL("registrations", registrationCols, "ON CONFLICT DO NOTHING")
	updateRegistrationSQL = updateSQL("registrations", registrationCols)
)

func registrationArgs(r *entrypay.Registration) ([]any, error) {
	details, err := json.Marshal(r.Details)
	if err != nil {
		return nil, fmt.Errorf("encode details: %w", err)
	}
	return []any{r.ID, r.PartnerID, r.RequestID, r.Details.ReferenceMerchantID, string(details), r.Hash, string(r.Status), r.Reason,
		r.MerchantID, r.StoreID, r.ReviewedBy, micros(r.ReviewedAt), micros(r.CreatedAt), micros(r.UpdatedAt),
		string(r.Wallet), r.WalletError, micros(r.WalletAt),
		r.NotifyURL, blob(r.NotifyBody), string(r.NotifyStatus), r.NotifyAttempts, micros(r.NotifiedAt)}, nil
}

func scanRegistration(s scanner) (*entrypay.Registration, error) {
	var r entrypay.Registration
	var ref, details string
	if err := s.Scan(&r.ID, &r.PartnerID, &r.RequestID, &ref, &details, &r.Hash, (*string)(&r.Status), &r.Reason,
		&r.MerchantID, &r.StoreID, &r.ReviewedBy, timeCol{&r.ReviewedAt}, timeCol{&r.CreatedAt}, timeCol{&r.UpdatedAt},
		(*string)(&r.Wallet), &r.WalletError, timeCol{&r.WalletAt},
		&r.NotifyURL, blobCol{&r.NotifyBody}, (*string)(&r.NotifyStatus), &r.NotifyAttempts, timeCol{&r.NotifiedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(details), &r.Details); err != nil {
		return nil, fmt.Errorf("registration %s: details: %w", r.ID, err)
	}
	return &r, nil
}

// InsertRegistration stores a new registration; inserted is false when a unique key is
// taken.
func (t *tx) InsertRegistration(ctx context.Context, r *entrypay.Registration) (bool, error) {
	args, err := registrationArgs(r)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert registration %s: %w", r.ID, err)
	}
	ok, err := t.insert(ctx, insertRegistrationSQL, args...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert registration %s: %w", r.ID, err)
	}
	return ok, nil
}

// Registration returns a registration by id, only among partnerID's when it is set.
func (t *tx) Registration(ctx context.Context, id, partnerID string, forUpdate bool) (*entrypay.Registration, error) {
	var c conds
	c.add("id = ?", id)
	if partnerID != "" {
		c.add("partner_id = ?", partnerID)
	}
	r, err := scanRegistration(t.queryRow(ctx, selectRegistrationSQL+c.sql()+t.lock(forUpdate), c.args...))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: registration %s: %w", id, notFound(err))
	}
	return r, nil
}

// Registrations lists the registrations q selects, newest first.
func (t *tx) Registrations(ctx context.Context, q entrypay.RegistrationQuery) ([]*entrypay.Registration, error) {
	var c conds
	if q.PartnerID != "" {
		c.add("partner_id = ?", q.PartnerID)
	}
	if q.RequestID != "" {
		c.add("request_id = ?", q.RequestID)
	}
	if q.ReferenceMerchantID != "" {
		c.add("reference_merchant_id = ?", q.ReferenceMerchantID)
	}
	if q.Status != "" {
		c.add("status = ?", string(q.Status))
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query := selectRegistrationSQL + c.sql() + " ORDER BY created_at DESC, id DESC LIMIT " + c.next(limit) + " OFFSET " + c.next(max(q.Offset, 0))
	rs, err := queryAll(ctx, t, scanRegistration, query, c.args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: registrations: %w", err)
	}
	return rs, nil
}

// UpdateRegistration writes every field of r over the registration with r's id.
func (t *tx) UpdateRegistration(ctx context.Context, r *entrypay.Registration) error {
	args, err := registrationArgs(r)
	if err == nil {
		err = t.update(ctx, updateRegistrationSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: update registration %s: %w", r.ID, err)
	}
	return nil
}

var (
	selectRegistrationAttemptSQL = selectSQL("registration_attempts", registrationAttemptCols)
	insertRegistrationAttemptSQL = insertSQL("registration_attempts", registrationAttemptCols, "ON CONFLICT DO NOTHING")
)

// registrationAttemptCols are notification_attempts' columns, keyed by registration.
var registrationAttemptCols = append([]string{"registration_id"}, notificationAttemptCols[1:]...)

// InsertRegistrationAttempt records a delivery attempt of a registration's notification.
func (t *tx) InsertRegistrationAttempt(ctx context.Context, a *entrypay.NotificationAttempt) error {
	if err := t.mustInsert(ctx, insertRegistrationAttemptSQL, notificationAttemptArgs(a)...); err != nil {
		return fmt.Errorf("sqlstore: insert attempt %d of registration %s: %w", a.Attempt, a.NotificationID, err)
	}
	return nil
}

// RegistrationAttempts returns a registration's notification attempts by number.
func (t *tx) RegistrationAttempts(ctx context.Context, registrationID string) ([]*entrypay.NotificationAttempt, error) {
	as, err := queryAll(ctx, t, scanNotificationAttempt, selectRegistrationAttemptSQL+" WHERE registration_id = $1 ORDER BY attempt", registrationID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: attempts of registration %s: %w", registrationID, err)
	}
	return as, nil
}
