package entrypay

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Merchant registration: a partner (ISV) registers a merchant with its KYB details; an
// operator approves or rejects it. Approval creates the merchant, its first store and
// the partner's Agent-Token in one transaction, with the jobs that register the merchant
// with its wallet network and tell the partner.

// Register stores a partner's registration request, PROCESSING until an operator
// reviews it. It is idempotent by the partner's request id: the same request again
// answers the stored registration; the same id with other details is
// ERepeatInconsistent. A referenceMerchantId the partner has under review or approved is
// ERepeatRegistration (a rejected one may be registered again).
func (g *Gateway) Register(ctx context.Context, partner *Merchant, in NewRegistration) (*Registration, error) {
	if !partner.IsPartner() {
		return nil, Errorf(EAccessDenied, "merchants/registration is for partners (ISVs); client %s is a merchant", partner.ClientID)
	}
	if partner.Disabled {
		return nil, merchantDisabled(partner)
	}
	if u := in.Details.NotifyURL; u != "" && g.cfg.Notifier != nil {
		if err := g.cfg.Notifier.CheckURL(u); err != nil {
			return nil, Errorf(EInvalid, "registrationNotifyURL %s", err)
		}
	}
	now := g.now()
	r := &Registration{
		ID:        NewID("reg_", now),
		PartnerID: partner.ID,
		RequestID: in.RequestID,
		Details:   in.Details,
		Hash:      in.Details.Hash(),
		Status:    RegistrationProcessing,
		CreatedAt: now,
		UpdatedAt: now,
	}
	var existing *Registration
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		existing = nil
		prev, err := g.registrationByRequest(ctx, tx, partner.ID, in.RequestID)
		switch {
		case err == nil:
			existing = prev
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		inserted, err := tx.InsertRegistration(ctx, r)
		if err != nil || inserted {
			return err
		}
		// A concurrent request with the same id, or a live registration of the same
		// merchant.
		if existing, err = g.registrationByRequest(ctx, tx, partner.ID, in.RequestID); errors.Is(err, ErrNotFound) {
			return Errorf(ERepeatRegistration, "merchantInfo.referenceMerchantId %q is already registered (under review or approved)", clip(in.Details.ReferenceMerchantID))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if existing == nil {
		return r, nil
	}
	if existing.Hash != r.Hash {
		return nil, Errorf(ERepeatInconsistent, "registrationRequestId %q was already used with other details", clip(in.RequestID))
	}
	return existing, nil
}

func (g *Gateway) registrationByRequest(ctx context.Context, tx Tx, partnerID, requestID string) (*Registration, error) {
	rs, err := tx.Registrations(ctx, RegistrationQuery{PartnerID: partnerID, RequestID: requestID, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, ErrNotFound
	}
	return rs[0], nil
}

// RegistrationOf finds one of the partner's registrations by its request id, else the
// newest of its referenceMerchantId; another partner's is ERecordNotFound like one that
// does not exist. An approved one comes with the partner's Agent-Token.
func (g *Gateway) RegistrationOf(ctx context.Context, partner *Merchant, requestID, referenceMerchantID string) (*RegistrationView, error) {
	if !partner.IsPartner() {
		return nil, Errorf(EAccessDenied, "the registration APIs are for partners (ISVs); client %s is a merchant", partner.ClientID)
	}
	var v RegistrationView
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		q := RegistrationQuery{PartnerID: partner.ID, RequestID: requestID, Limit: 1}
		if requestID == "" {
			q.ReferenceMerchantID = referenceMerchantID
		}
		rs, err := tx.Registrations(ctx, q)
		if err != nil {
			return err
		}
		if len(rs) == 0 || (requestID != "" && referenceMerchantID != "" && rs[0].Details.ReferenceMerchantID != referenceMerchantID) {
			if requestID != "" {
				return Errorf(ERecordNotFound, "no registration with registrationRequestId %q", clip(requestID))
			}
			return Errorf(ERecordNotFound, "no registration of referenceMerchantId %q", clip(referenceMerchantID))
		}
		v.Registration = rs[0]
		v.AgentToken, err = registrationToken(ctx, tx, v.Registration, g.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// registrationToken is the active Agent-Token an approved registration issued ("" for
// one not approved, or whose token the merchant revoked).
func registrationToken(ctx context.Context, tx Tx, r *Registration, now time.Time) (string, error) {
	if r.Status != RegistrationApproved || r.MerchantID == "" {
		return "", nil
	}
	toks, err := tx.AgentTokens(ctx, r.MerchantID, r.PartnerID)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if t.CreatedBy == RegistrationCreatedBy && t.Active(now) {
			return t.Token, nil
		}
	}
	return "", nil
}

// Registrations lists registrations for the operator's review.
func (g *Gateway) Registrations(ctx context.Context, u *User, q RegistrationQuery) ([]*Registration, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	var rs []*Registration
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		rs, err = tx.Registrations(ctx, q)
		return err
	})
	return rs, err
}

// ReviewRegistration returns one registration with its partner and the delivery
// attempts of its notification, for the operator.
func (g *Gateway) ReviewRegistration(ctx context.Context, u *User, id string) (*ReviewedRegistration, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	var rr ReviewedRegistration
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if rr.Registration, err = tx.Registration(ctx, id, "", false); err != nil {
			return notFound(err, ENotFound, "registration %q does not exist", clip(id))
		}
		if rr.Partner, err = tx.Merchant(ctx, rr.PartnerID); err != nil {
			return err
		}
		rr.Attempts, err = tx.RegistrationAttempts(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &rr, nil
}

// ApproveRegistration approves a PROCESSING registration as operator u: in one
// transaction it creates the merchant (KYB approved, sandbox or live like the partner,
// no key of its own: it acts through its partner), its first store and the partner's
// Agent-Token with every scope, writes registration_approved, and queues the wallet
// registration and the partner's notification.
func (g *Gateway) ApproveRegistration(ctx context.Context, u *User, id string) (*Registration, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	return g.review(ctx, u, id, func(tx Tx, r *Registration, partner *Merchant, now time.Time) (string, error) {
		d := r.Details
		in := NewMerchant{Name: d.Name, MCC: d.MCC, Region: d.Address.Region,
			SettlementCurrency: firstNonEmpty(d.SettlementCurrency, firstNonEmpty(regionCurrency(d.Address.Region), partner.SettlementCurrency)),
			NotifyURL:          partner.NotifyURL, Sandbox: partner.Sandbox()}
		if err := in.validate(); err != nil {
			return "", err
		}
		m := newMerchantRow(in, now)
		m.KYBStatus, m.KYBNote = KYBApproved, "registration "+r.ID+" by partner "+partner.ClientID+" approved by "+u.Email
		if err := tx.InsertMerchant(ctx, m); err != nil {
			return "", err
		}
		st := NewStore{MerchantID: m.ID, Name: d.StoreName, DisplayName: d.StoreDisplayName, MCC: d.StoreMCC, Region: d.StoreAddress.Region}
		if err := st.validate(); err != nil {
			return "", err
		}
		s := &Store{ID: NewID("sto_", now), MerchantID: m.ID, Name: st.Name, DisplayName: st.DisplayName,
			MCC: firstNonEmpty(st.MCC, m.MCC), Region: firstNonEmpty(st.Region, m.Region),
			Currency: m.SettlementCurrency, CreatedAt: now}
		if err := tx.InsertStore(ctx, s); err != nil {
			return "", err
		}
		tok, err := g.issueAgentToken(ctx, tx, partner.ID, m.ID, AllScopes, "registration "+r.RequestID, RegistrationCreatedBy, time.Time{}, now)
		if err != nil {
			return "", err
		}
		r.Status, r.MerchantID, r.StoreID = RegistrationApproved, m.ID, s.ID
		r.Wallet = WalletRegistrationPending
		if err := tx.Enqueue(ctx, Job{Kind: JobRegisterWallet, Subject: r.ID, RunAt: now}); err != nil {
			return "", err
		}
		if err := tx.InsertAuditEntry(ctx, auditBy(u, now, AuditRegistrationApproved, r.ID,
			fmt.Sprintf("%s (%s) of partner %s: merchant %s, store %s", d.LegalName, d.ReferenceMerchantID, partner.ClientID, m.ID, s.ID))); err != nil {
			return "", err
		}
		return tok.Token, nil
	})
}

// RejectRegistration rejects a PROCESSING registration as operator u; the reason is
// required and is told to the partner. No merchant is created.
func (g *Gateway) RejectRegistration(ctx context.Context, u *User, id, reason string) (*Registration, error) {
	if err := asOperator(u); err != nil {
		return nil, err
	}
	reason, err := checkNote(reason, true)
	if err != nil {
		return nil, Errorf(EInvalid, "reason: %s", ErrorMessage(err))
	}
	return g.review(ctx, u, id, func(tx Tx, r *Registration, partner *Merchant, now time.Time) (string, error) {
		r.Status, r.Reason = RegistrationRejected, reason
		return "", tx.InsertAuditEntry(ctx, auditBy(u, now, AuditRegistrationRejected, r.ID,
			fmt.Sprintf("%s (%s) of partner %s: %s", r.Details.LegalName, r.Details.ReferenceMerchantID, partner.ClientID, reason)))
	})
}

// review locks a PROCESSING registration, applies decide (which sets the outcome and
// returns the partner's token, if any) and queues the partner's notification, all in
// one transaction.
func (g *Gateway) review(ctx context.Context, u *User, id string, decide func(tx Tx, r *Registration, partner *Merchant, now time.Time) (string, error)) (*Registration, error) {
	now := g.now()
	var r *Registration
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.Registration(ctx, id, "", true); err != nil {
			return notFound(err, ENotFound, "registration %q does not exist", clip(id))
		}
		if r.Status != RegistrationProcessing {
			return Errorf(EStatusInvalid, "registration %s is already %s", r.ID, r.Status)
		}
		partner, err := tx.Merchant(ctx, r.PartnerID)
		if err != nil {
			return err
		}
		token, err := decide(tx, r, partner, now)
		if err != nil {
			return err
		}
		r.ReviewedBy, r.ReviewedAt, r.UpdatedAt = u.Email, now, now
		if r.NotifyURL = firstNonEmpty(r.Details.NotifyURL, partner.NotifyURL); r.NotifyURL != "" && g.cfg.Notifier != nil {
			if r.NotifyBody, err = g.cfg.Notifier.FormatRegistration(r, token); err != nil {
				return fmt.Errorf("format registration notification of %s: %w", r.ID, err)
			}
			r.NotifyStatus = NotificationPending
			if err := tx.Enqueue(ctx, Job{Kind: JobNotifyRegistration, Subject: r.ID, RunAt: now}); err != nil {
				return err
			}
		}
		return tx.UpdateRegistration(ctx, r)
	})
	if err != nil {
		if _, ok := errors.AsType[*Error](err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("review registration %s: %w", id, err)
	}
	return r, nil
}

// RegisterWallet is the work of a JobRegisterWallet: it registers the approved merchant
// with its wallet network. No answer is an error, so the job runs again; a refusal is
// recorded and ends the job.
func (g *Gateway) RegisterWallet(ctx context.Context, registrationID string) error {
	var r *Registration
	var m *Merchant
	var s *Store
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.Registration(ctx, registrationID, "", false); err != nil {
			return err
		}
		if r.MerchantID == "" || r.Wallet != WalletRegistrationPending {
			return nil
		}
		if m, err = tx.Merchant(ctx, r.MerchantID); err != nil {
			return err
		}
		s, err = tx.StoreByID(ctx, r.StoreID)
		return err
	})
	if err != nil || m == nil {
		return err
	}
	callErr := g.side(g.networkFor(m)).RegisterMerchant(ctx, r, m, s)
	if errors.Is(callErr, ErrWalletNoAnswer) {
		return fmt.Errorf("register %s with the wallet side: %w", r.ID, callErr)
	}
	now := g.now()
	return g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Registration(ctx, registrationID, "", true)
		if err != nil || cur.Wallet != WalletRegistrationPending {
			return err
		}
		cur.Wallet, cur.WalletAt, cur.UpdatedAt = WalletRegistrationRegistered, now, now
		if callErr != nil {
			cur.Wallet, cur.WalletError = WalletRegistrationFailed, clip(callErr.Error())
		}
		return tx.UpdateRegistration(ctx, cur)
	})
}

// DeliverRegistrationNotice is the work of a JobNotifyRegistration: one attempt to
// deliver the registration's notifyRegistrationStatus to the partner, recorded whatever
// its outcome. Not acknowledged is an error, so the job runs again on the notification
// schedule; last says no attempt follows this one.
func (g *Gateway) DeliverRegistrationNotice(ctx context.Context, registrationID string, last bool) error {
	var r *Registration
	var partner *Merchant
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.Registration(ctx, registrationID, "", false); err != nil {
			return err
		}
		partner, err = tx.Merchant(ctx, r.PartnerID)
		return err
	})
	if err != nil {
		return err
	}
	if r.NotifyStatus != NotificationPending {
		return nil
	}
	n := &Notification{ID: r.ID, MerchantID: r.PartnerID, URL: r.NotifyURL, Body: r.NotifyBody, Status: r.NotifyStatus, CreatedAt: r.ReviewedAt}
	attempt := g.cfg.Notifier.Deliver(ctx, partner, n)
	now := g.now()
	err = g.cfg.DB.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Registration(ctx, registrationID, "", true)
		if err != nil {
			return err
		}
		cur.NotifyAttempts++
		attempt.NotificationID, attempt.Attempt = cur.ID, cur.NotifyAttempts
		attempt.At = attempt.At.UTC().Truncate(time.Microsecond)
		if err := tx.InsertRegistrationAttempt(ctx, &attempt); err != nil {
			return err
		}
		switch {
		case attempt.Acknowledged && cur.NotifyStatus != NotificationDelivered:
			cur.NotifyStatus, cur.NotifiedAt = NotificationDelivered, now
		case last && cur.NotifyStatus == NotificationPending:
			cur.NotifyStatus = NotificationFailed
		}
		return tx.UpdateRegistration(ctx, cur)
	})
	if err != nil {
		return fmt.Errorf("record attempt of %s: %w", registrationID, err)
	}
	if !attempt.Acknowledged {
		return fmt.Errorf("registration notification %s not acknowledged: HTTP %d %s", registrationID, attempt.HTTPStatus, attempt.Error)
	}
	return nil
}

// regionCurrency is the currency of region, or "" when CLDR knows none: a registration
// that names no settlement currency is settled in its region's.
func regionCurrency(region string) string {
	c, _ := RegionCurrency(region)
	return c
}
