package entrypay

import (
	"context"
	"errors"
	"fmt"
)

// CreateEntryCode issues a new code for a store, with a fresh unguessable value.
func (g *Gateway) CreateEntryCode(ctx context.Context, in NewEntryCode) (*EntryCode, error) {
	return g.createEntryCode(ctx, in, nil)
}

// createEntryCode issues a code. With as set, the store must be of as's merchant (another
// merchant's is ENotFound, like one that does not exist) and the change is audited.
func (g *Gateway) createEntryCode(ctx context.Context, in NewEntryCode, as *User) (*EntryCode, error) {
	if in.Label != "" && !validText(in.Label, 64) {
		return nil, Errorf(EInvalid, "label must be at most 64 characters, no control characters")
	}
	var c *EntryCode
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var s *Store
		var err error
		if as != nil {
			if s, err = tx.MerchantStore(ctx, as.MerchantID, in.StoreID); err != nil {
				return notFound(err, ENotFound, "no store %q", clip(in.StoreID))
			}
		} else if s, err = tx.StoreByID(ctx, in.StoreID); err != nil {
			return notFound(err, EInvalid, "store %q does not exist", clip(in.StoreID))
		}
		if in.FixedAmount != (Amount{}) {
			if in.FixedAmount.Currency != s.Currency {
				return Errorf(EInvalid, "amount currency %s is not the store's currency %s", in.FixedAmount.Currency, s.Currency)
			}
			if err := in.FixedAmount.check("amount"); err != nil {
				return err
			}
		}
		if c, err = g.insertCode(ctx, tx, s, in.Label, in.FixedAmount); err != nil {
			return err
		}
		return audit(ctx, tx, as, c.CreatedAt, AuditCodeCreated, c.Value, "store "+s.ID)
	})
	return c, err
}

// insertCode stores a code with a new random value, drawing again in the (astronomically
// unlikely) case the value is taken.
func (g *Gateway) insertCode(ctx context.Context, tx Tx, s *Store, label string, fixed Amount) (*EntryCode, error) {
	now := g.now()
	for range 5 {
		c := &EntryCode{
			Value: RandomCode(CodeLength), MerchantID: s.MerchantID, StoreID: s.ID, Label: label,
			FixedAmount: fixed, Status: CodeActive, CreatedAt: now, UpdatedAt: now,
		}
		ok, err := tx.InsertEntryCode(ctx, c)
		if err != nil {
			return nil, err
		}
		if ok {
			return c, nil
		}
	}
	return nil, errors.New("could not draw an unused entry code value")
}

// EntryCodes lists a merchant's or a store's codes.
func (g *Gateway) EntryCodes(ctx context.Context, q EntryCodeQuery) ([]*EntryCode, error) {
	if q.MerchantID == "" && q.StoreID == "" {
		return nil, Errorf(EInvalid, "a merchant or a store is required")
	}
	var out []*EntryCode
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.EntryCodes(ctx, q)
		return err
	})
	return out, err
}

// SetEntryCodeStatus disables or re-enables a code.
func (g *Gateway) SetEntryCodeStatus(ctx context.Context, value string, status CodeStatus) (*EntryCode, error) {
	return g.setEntryCodeStatus(ctx, value, status, nil)
}

// setEntryCodeStatus disables or re-enables a code; with as set, only a code of as's
// merchant, audited.
func (g *Gateway) setEntryCodeStatus(ctx context.Context, value string, status CodeStatus, as *User) (*EntryCode, error) {
	if status != CodeActive && status != CodeDisabled {
		return nil, Errorf(EInvalid, "status must be ACTIVE or DISABLED")
	}
	var c *EntryCode
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		var err error
		if c, err = g.lockCode(ctx, tx, value, as); err != nil {
			return err
		}
		if status == CodeActive && c.ReplacedBy != "" {
			return Errorf(EInvalid, "code %s was replaced by %s; enable that one instead", c.Value, c.ReplacedBy)
		}
		c.Status, c.UpdatedAt = status, g.now()
		if err := tx.UpdateEntryCode(ctx, c); err != nil {
			return err
		}
		action := AuditCodeEnabled
		if status == CodeDisabled {
			action = AuditCodeDisabled
		}
		return audit(ctx, tx, as, c.UpdatedAt, action, c.Value, "")
	})
	return c, err
}

// ReplaceEntryCode disables a code (say, a printed code was copied or damaged) and issues
// a new one with the same store, label and amount.
func (g *Gateway) ReplaceEntryCode(ctx context.Context, value string) (*EntryCode, error) {
	return g.replaceEntryCode(ctx, value, nil)
}

// replaceEntryCode replaces a code; with as set, only a code of as's merchant, audited.
func (g *Gateway) replaceEntryCode(ctx context.Context, value string, as *User) (*EntryCode, error) {
	var fresh *EntryCode
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		old, err := g.lockCode(ctx, tx, value, as)
		if err != nil {
			return err
		}
		if old.ReplacedBy != "" {
			return Errorf(EInvalid, "code %s was already replaced by %s", old.Value, old.ReplacedBy)
		}
		s, err := tx.StoreByID(ctx, old.StoreID)
		if err != nil {
			return err
		}
		if fresh, err = g.insertCode(ctx, tx, s, old.Label, old.FixedAmount); err != nil {
			return err
		}
		old.Status, old.ReplacedBy, old.UpdatedAt = CodeDisabled, fresh.Value, g.now()
		if err := tx.UpdateEntryCode(ctx, old); err != nil {
			return err
		}
		return audit(ctx, tx, as, old.UpdatedAt, AuditCodeReplaced, old.Value, "replaced by "+fresh.Value)
	})
	return fresh, err
}

// lockCode finds a code for update: any code, or with as set only one of as's merchant
// (the store query itself is scoped, so another merchant's code is not found).
func (g *Gateway) lockCode(ctx context.Context, tx Tx, value string, as *User) (*EntryCode, error) {
	v, ok := NormalizeCode(value)
	if !ok {
		return nil, Errorf(ENotFound, "no entry code %q", clip(value))
	}
	var c *EntryCode
	var err error
	if as != nil {
		c, err = tx.MerchantEntryCode(ctx, as.MerchantID, v, true)
	} else {
		c, err = tx.EntryCode(ctx, v, true)
	}
	return c, notFound(err, ENotFound, "no entry code %q", v)
}

// CodePage is everything the hosted page needs to show a code.
type CodePage struct {
	Code     *EntryCode
	Store    *Store
	Merchant *Merchant
	Branding *Branding
	// Replaces is the earlier code of the store this one replaced, if any.
	Replaces string
}

// CodePage resolves a code value (any case) to its store, merchant and branding. An
// unknown value is ENotFound; a disabled code is returned with its status so the page can
// say so.
func (g *Gateway) CodePage(ctx context.Context, value string) (*CodePage, error) {
	v, ok := NormalizeCode(value)
	if !ok {
		return nil, Errorf(ENotFound, "no entry code %q", clip(value))
	}
	page := &CodePage{}
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if page.Code, err = tx.EntryCode(ctx, v, false); err != nil {
			return notFound(err, ENotFound, "no entry code %q", v)
		}
		if page.Store, err = tx.StoreByID(ctx, page.Code.StoreID); err != nil {
			return err
		}
		if page.Merchant, err = tx.Merchant(ctx, page.Code.MerchantID); err != nil {
			return err
		}
		siblings, err := tx.EntryCodes(ctx, EntryCodeQuery{StoreID: page.Store.ID})
		if err != nil {
			return err
		}
		for _, c := range siblings {
			if c.ReplacedBy == page.Code.Value {
				page.Replaces = c.Value
			}
		}
		if page.Branding, err = tx.Branding(ctx, page.Merchant.ID); errors.Is(err, ErrNotFound) {
			page.Branding, err = &Branding{MerchantID: page.Merchant.ID}, nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// CodePayment is a customer's payment at an entry code, from the hosted page.
type CodePayment struct {
	Code string
	// RequestID is the page's one-time token: submitting the same form twice creates one
	// payment.
	RequestID string
	Amount    Amount
	UserAgent string
	ClientIP  string
	// ResultURL is where the wallet sends the customer back to.
	ResultURL string
	// Note is the customer's optional note; it becomes the order description.
	Note string
	// DeviceID is the hosted page's device cookie.
	DeviceID string
}

// PayAtCode takes a payment at an entry code: it checks the code is active, the amount
// against the code's fixed amount and the merchant's maximum, and then pays like the API
// does, with the merchant's configured notify URL (none is needed for a hosted page).
func (g *Gateway) PayAtCode(ctx context.Context, in CodePayment) (*Payment, error) {
	page, err := g.CodePage(ctx, in.Code)
	if err != nil {
		return nil, err
	}
	// With a risk engine a payment to a code no longer active is refused by it (and
	// recorded as a decision); without one, here.
	inactive := page.Code.Status != CodeActive
	if inactive && !g.riskOn() {
		return nil, Errorf(EOrderClosed, "entry code %s is disabled", page.Code.Value)
	}
	if fixed := page.Code.FixedAmount; fixed != (Amount{}) && in.Amount != fixed {
		return nil, Errorf(EInvalid, "this code takes exactly %s", fixed)
	}
	if in.Amount.Currency != page.Store.Currency {
		return nil, Errorf(EInvalid, "amount currency %s is not the store's currency %s", in.Amount.Currency, page.Store.Currency)
	}
	if max := page.Branding.MaxAmount; max > 0 && in.Amount.Value > max {
		return nil, &Error{Code: EInvalid, Message: fmt.Sprintf("amount %s is above the maximum %s", in.Amount, Amount{max, in.Amount.Currency}), Err: ErrAmountTooLarge}
	}
	return g.Pay(ctx, page.Merchant, PayInput{
		Origin:           "hosted page, entry code " + page.Code.Value,
		RequestID:        in.RequestID,
		Amount:           in.Amount,
		OrderDescription: orderDescription(page.Store, in.Note),
		Store:            StoreRef{ReferenceID: page.Store.ID, Name: page.Store.Name, MCC: page.Store.MCC},
		UserAgent:        in.UserAgent,
		ClientIP:         in.ClientIP,
		NotifyURL:        page.Merchant.NotifyURL,
		RedirectURL:      in.ResultURL,
		EntryCode:        page.Code.Value,
		DeviceID:         in.DeviceID,
		codeReplacement:  page.Replaces != "",
		codeInactive:     inactive,
		hosted:           true,
	})
}

// Branding returns a merchant's branding (empty when none was set).
func (g *Gateway) Branding(ctx context.Context, merchantID string) (*Branding, error) {
	var b *Branding
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		if _, err := tx.Merchant(ctx, merchantID); err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(merchantID))
		}
		var err error
		if b, err = tx.Branding(ctx, merchantID); errors.Is(err, ErrNotFound) {
			b, err = &Branding{MerchantID: merchantID}, nil
		}
		return err
	})
	return b, err
}

// SetBranding checks and stores a merchant's branding, replacing what was there. Give
// Logo nil to keep the current logo, KeepLogo false and an empty Logo to remove it.
func (g *Gateway) SetBranding(ctx context.Context, b Branding, keepLogo bool) (*Branding, error) {
	return g.setBranding(ctx, b, keepLogo, nil)
}

// setBranding stores branding; with as set, what changed is audited (branding_changed,
// logo_uploaded, logo_removed) in the same transaction.
func (g *Gateway) setBranding(ctx context.Context, b Branding, keepLogo bool, as *User) (*Branding, error) {
	err := g.cfg.DB.InTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, b.MerchantID)
		if err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(b.MerchantID))
		}
		old, err := tx.Branding(ctx, b.MerchantID)
		switch {
		case errors.Is(err, ErrNotFound):
			old = &Branding{MerchantID: b.MerchantID}
		case err != nil:
			return err
		}
		if keepLogo {
			b.Logo = old.Logo
		}
		if err := b.check(m.SettlementCurrency); err != nil {
			return err
		}
		b.UpdatedAt = g.now()
		if err := tx.PutBranding(ctx, &b); err != nil {
			return err
		}
		return auditBranding(ctx, tx, as, old, &b)
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Stores lists a merchant's stores.
func (g *Gateway) Stores(ctx context.Context, merchantID string) ([]*Store, error) {
	var out []*Store
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		out, err = tx.StoresOfMerchant(ctx, merchantID)
		return err
	})
	return out, err
}

// orderDescription is what the wallet shows as the order: the store, and the customer's
// note when there is one.
func orderDescription(s *Store, note string) string {
	name := firstNonEmpty(s.DisplayName, s.Name)
	if note == "" || !validText(note, 64) {
		return name
	}
	return name + ": " + note
}
