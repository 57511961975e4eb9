package entrypay

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Audit actions of the dashboard's stores, entry codes and branding pages.
const (
	AuditStoreCreated    = "store_created"
	AuditCodeCreated     = "code_created"
	AuditCodeDisabled    = "code_disabled"
	AuditCodeEnabled     = "code_enabled"
	AuditCodeReplaced    = "code_replaced"
	AuditBrandingChanged = "branding_changed"
	AuditLogoUploaded    = "logo_uploaded"
	AuditLogoRemoved     = "logo_removed"
)

// CanManage reports whether a user of role r may change the merchant's stores, entry
// codes and branding; the other roles only look and download.
func (r Role) CanManage() bool { return r == RoleOwner }

// audit writes an entry for a change made by as; nil (the operator's CLI or admin API)
// writes nothing, as before the dashboard.
func audit(ctx context.Context, tx Tx, as *User, at time.Time, action, subject, detail string) error {
	if as == nil {
		return nil
	}
	return tx.InsertAuditEntry(ctx, &AuditEntry{At: at, UserID: as.ID, Email: as.Email, MerchantID: as.MerchantID, Action: action, Subject: subject, Detail: detail})
}

// auditBranding records what a branding change changed: the logo (uploaded or removed)
// and the other fields, by name.
func auditBranding(ctx context.Context, tx Tx, as *User, old, b *Branding) error {
	if as == nil {
		return nil
	}
	switch {
	case len(b.Logo) > 0 && string(b.Logo) != string(old.Logo):
		if err := audit(ctx, tx, as, b.UpdatedAt, AuditLogoUploaded, b.MerchantID, fmt.Sprintf("%s, %d bytes", b.LogoType, len(b.Logo))); err != nil {
			return err
		}
	case len(b.Logo) == 0 && len(old.Logo) > 0:
		if err := audit(ctx, tx, as, b.UpdatedAt, AuditLogoRemoved, b.MerchantID, ""); err != nil {
			return err
		}
	}
	var changed []string
	if b.DisplayName != old.DisplayName {
		changed = append(changed, "display name")
	}
	if b.Color != old.Color {
		changed = append(changed, "colour")
	}
	if !maps.Equal(nonEmpty(b.Greetings), nonEmpty(old.Greetings)) {
		changed = append(changed, "greetings")
	}
	if !slices.Equal(b.PresetAmounts, old.PresetAmounts) {
		changed = append(changed, "preset amounts")
	}
	if b.MaxAmount != old.MaxAmount {
		changed = append(changed, "maximum amount")
	}
	if len(changed) == 0 {
		return nil
	}
	return audit(ctx, tx, as, b.UpdatedAt, AuditBrandingChanged, b.MerchantID, strings.Join(changed, ", "))
}

// nonEmpty drops empty greetings, which mean the same as absent ones.
func nonEmpty(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// manager checks that u may change its merchant's stores, codes and branding.
func manager(u *User) error {
	if u == nil || u.MerchantID == "" || !u.Role.CanManage() {
		return ErrForbidden
	}
	return nil
}

// StoreCodes is a store with its entry codes, oldest first.
type StoreCodes struct {
	Store *Store
	Codes []*EntryCode
}

// MerchantStores lists a merchant's stores, oldest first, each with its codes.
func (g *Gateway) MerchantStores(ctx context.Context, merchantID string) ([]StoreCodes, error) {
	if merchantID == "" {
		return nil, Errorf(EInvalid, "a merchant is required")
	}
	var out []StoreCodes
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		stores, err := tx.StoresOfMerchant(ctx, merchantID)
		if err != nil {
			return err
		}
		codes, err := tx.EntryCodes(ctx, EntryCodeQuery{MerchantID: merchantID})
		if err != nil {
			return err
		}
		out = make([]StoreCodes, 0, len(stores))
		index := map[string]int{}
		for _, s := range stores {
			index[s.ID] = len(out)
			out = append(out, StoreCodes{Store: s})
		}
		for _, c := range codes {
			if i, ok := index[c.StoreID]; ok {
				out[i].Codes = append(out[i].Codes, c)
			}
		}
		return nil
	})
	return out, err
}

// CreateStoreAsUser creates a store of u's merchant (u must be its owner), audited.
func (g *Gateway) CreateStoreAsUser(ctx context.Context, u *User, in NewStore) (*Store, error) {
	if err := manager(u); err != nil {
		return nil, err
	}
	in.MerchantID = u.MerchantID
	return g.createStore(ctx, in, u)
}

// CreateEntryCodeAsUser issues a code for one of u's merchant's stores; another
// merchant's store is ENotFound.
func (g *Gateway) CreateEntryCodeAsUser(ctx context.Context, u *User, in NewEntryCode) (*EntryCode, error) {
	if err := manager(u); err != nil {
		return nil, err
	}
	return g.createEntryCode(ctx, in, u)
}

// SetEntryCodeStatusAsUser disables or re-enables one of u's merchant's codes.
func (g *Gateway) SetEntryCodeStatusAsUser(ctx context.Context, u *User, value string, status CodeStatus) (*EntryCode, error) {
	if err := manager(u); err != nil {
		return nil, err
	}
	return g.setEntryCodeStatus(ctx, value, status, u)
}

// ReplaceEntryCodeAsUser replaces one of u's merchant's codes and returns the new one.
func (g *Gateway) ReplaceEntryCodeAsUser(ctx context.Context, u *User, value string) (*EntryCode, error) {
	if err := manager(u); err != nil {
		return nil, err
	}
	return g.replaceEntryCode(ctx, value, u)
}

// SetBrandingAsUser sets u's merchant's branding (b.MerchantID is ignored), with the
// same checks as SetBranding, audited.
func (g *Gateway) SetBrandingAsUser(ctx context.Context, u *User, b Branding, keepLogo bool) (*Branding, error) {
	if err := manager(u); err != nil {
		return nil, err
	}
	b.MerchantID = u.MerchantID
	return g.setBranding(ctx, b, keepLogo, u)
}

// MerchantCodePage is CodePage for one of merchantID's codes only: another merchant's
// code is ENotFound, like one that does not exist.
func (g *Gateway) MerchantCodePage(ctx context.Context, merchantID, value string) (*CodePage, error) {
	v, ok := NormalizeCode(value)
	if !ok || merchantID == "" {
		return nil, Errorf(ENotFound, "no entry code %q", clip(value))
	}
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		_, err := tx.MerchantEntryCode(ctx, merchantID, v, false)
		return notFound(err, ENotFound, "no entry code %q", v)
	})
	if err != nil {
		return nil, err
	}
	return g.CodePage(ctx, v)
}

// MerchantBatchItems is BatchItems for one of merchantID's batches only: another
// merchant's batch is ENotFound, like one that does not exist.
func (g *Gateway) MerchantBatchItems(ctx context.Context, merchantID, batchID string) (*SettlementBatch, []Item, error) {
	if merchantID == "" {
		return nil, nil, Errorf(ENotFound, "no settlement batch %q", clip(batchID))
	}
	var b *SettlementBatch
	var items []Item
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		var err error
		if b, err = tx.MerchantBatch(ctx, merchantID, batchID); err != nil {
			return notFound(err, ENotFound, "no settlement batch %q", clip(batchID))
		}
		entries, err := tx.EntriesOfBatch(ctx, b.ID)
		if err != nil {
			return err
		}
		items, err = itemsOf(ctx, tx, entries, "")
		return err
	})
	return b, items, err
}

// PreviewBranding checks b for merchantID as SetBranding would, stores nothing, and
// returns it as it would be saved (with the current logo when keepLogo), for a preview.
func (g *Gateway) PreviewBranding(ctx context.Context, merchantID string, b Branding, keepLogo bool) (*Branding, error) {
	b.MerchantID = merchantID
	err := g.cfg.DB.InReadTx(ctx, func(tx Tx) error {
		m, err := tx.Merchant(ctx, merchantID)
		if err != nil {
			return notFound(err, EInvalid, "merchant %q does not exist", clip(merchantID))
		}
		if keepLogo {
			old, err := tx.Branding(ctx, merchantID)
			switch {
			case err == nil:
				b.Logo = old.Logo
			case !errors.Is(err, ErrNotFound):
				return err
			}
		}
		return b.check(m.SettlementCurrency)
	})
	if err != nil {
		return nil, err
	}
	return &b, nil
}
