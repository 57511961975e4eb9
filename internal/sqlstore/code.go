package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/entrypay/entrypay"
)

var entryCodeCols = []string{"value", "merchant_id", "store_id", "label", "fixed_amount_value", "fixed_amount_currency", "status", "replaced_by", "created_at", "updated_at"}

func entryCodeArgs(c *entrypay.EntryCode) []any {
	return []any{c.Value, c.MerchantID, c.StoreID, c.Label, c.FixedAmount.Value, c.FixedAmount.Currency, string(c.Status), c.ReplacedBy, micros(c.CreatedAt), micros(c.UpdatedAt)}
}

func scanEntryCode(r scanner) (*entrypay.EntryCode, error) {
	var c entrypay.EntryCode
	var status string
	err := r.Scan(&c.Value, &c.MerchantID, &c.StoreID, &c.Label, &c.FixedAmount.Value, &c.FixedAmount.Currency, &status, &c.ReplacedBy, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	c.Status = entrypay.CodeStatus(status)
	return &c, err
}

var (
	selectEntryCodeSQL = selectSQL("entry_codes", entryCodeCols)
	insertEntryCodeSQL = insertSQL("entry_codes", entryCodeCols, "ON CONFLICT DO NOTHING")
	updateEntryCodeSQL = updateSQL("entry_codes", entryCodeCols)
)

// EntryCode returns the code with the given value.
func (t *tx) EntryCode(ctx context.Context, value string, forUpdate bool) (*entrypay.EntryCode, error) {
	c, err := scanEntryCode(t.queryRow(ctx, selectEntryCodeSQL+" WHERE value = $1"+t.lock(forUpdate), value))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: entry code %s: %w", value, notFound(err))
	}
	return c, nil
}

// EntryCodes lists a store's codes, or a merchant's, oldest first.
func (t *tx) EntryCodes(ctx context.Context, q entrypay.EntryCodeQuery) ([]*entrypay.EntryCode, error) {
	query, arg := selectEntryCodeSQL+" WHERE merchant_id = $1 ORDER BY created_at, value", q.MerchantID
	if q.StoreID != "" {
		query, arg = selectEntryCodeSQL+" WHERE store_id = $1 ORDER BY created_at, value", q.StoreID
	}
	out, err := queryAll(ctx, t, scanEntryCode, query, arg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: entry codes of %s: %w", arg, err)
	}
	return out, nil
}

// InsertEntryCode adds c unless its value is taken.
func (t *tx) InsertEntryCode(ctx context.Context, c *entrypay.EntryCode) (bool, error) {
	ok, err := t.insert(ctx, insertEntryCodeSQL, entryCodeArgs(c)...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert entry code %s: %w", c.Value, err)
	}
	return ok, nil
}

// UpdateEntryCode writes every field of c.
func (t *tx) UpdateEntryCode(ctx context.Context, c *entrypay.EntryCode) error {
	if err := t.update(ctx, updateEntryCodeSQL, entryCodeArgs(c)...); err != nil {
		return fmt.Errorf("sqlstore: update entry code %s: %w", c.Value, err)
	}
	return nil
}

var brandingCols = []string{"merchant_id", "display_name", "color", "greetings", "preset_amounts", "max_amount", "logo", "logo_type", "updated_at"}

var (
	selectBrandingSQL = selectSQL("merchant_branding", brandingCols)
	upsertBrandingSQL = insertSQL("merchant_branding", brandingCols,
		"ON CONFLICT (merchant_id) DO UPDATE SET display_name = excluded.display_name, color = excluded.color, "+
			"greetings = excluded.greetings, preset_amounts = excluded.preset_amounts, max_amount = excluded.max_amount, "+
			"logo = excluded.logo, logo_type = excluded.logo_type, updated_at = excluded.updated_at")
)

// Branding returns a merchant's branding.
func (t *tx) Branding(ctx context.Context, merchantID string) (*entrypay.Branding, error) {
	var b entrypay.Branding
	var greetings, presets string
	var logo []byte
	err := t.queryRow(ctx, selectBrandingSQL+" WHERE merchant_id = $1", merchantID).
		Scan(&b.MerchantID, &b.DisplayName, &b.Color, &greetings, &presets, &b.MaxAmount, &logo, &b.LogoType, timeCol{&b.UpdatedAt})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: branding of %s: %w", merchantID, notFound(err))
	}
	if err := json.Unmarshal([]byte(greetings), &b.Greetings); err != nil {
		return nil, fmt.Errorf("sqlstore: branding of %s: greetings: %w", merchantID, err)
	}
	if err := json.Unmarshal([]byte(presets), &b.PresetAmounts); err != nil {
		return nil, fmt.Errorf("sqlstore: branding of %s: preset amounts: %w", merchantID, err)
	}
	if len(logo) > 0 {
		b.Logo = logo
	}
	// Empty collections read back as nil, as they were given.
	if len(b.Greetings) == 0 {
		b.Greetings = nil
	}
	if len(b.PresetAmounts) == 0 {
		b.PresetAmounts = nil
	}
	return &b, nil
}

// PutBranding stores b, replacing the merchant's branding.
func (t *tx) PutBranding(ctx context.Context, b *entrypay.Branding) error {
	greetings, err := json.Marshal(b.Greetings)
	if err != nil {
		return err
	}
	if b.Greetings == nil {
		greetings = []byte("{}")
	}
	presets, err := json.Marshal(b.PresetAmounts)
	if err != nil {
		return err
	}
	if b.PresetAmounts == nil {
		presets = []byte("[]")
	}
	var logo any
	if len(b.Logo) > 0 {
		logo = b.Logo
	} else {
		logo = sql.Null[[]byte]{}
	}
	_, err = t.exec(ctx, upsertBrandingSQL, b.MerchantID, b.DisplayName, b.Color, string(greetings), string(presets), b.MaxAmount, logo, b.LogoType, micros(b.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put branding of %s: %w", b.MerchantID, err)
	}
	return nil
}
