package sqlstore

import (
	"context"
	"fmt"

	"github.com/entrypay/entrypay"
)

var merchantCols = []string{"id", "client_id", "name", "mcc", "region", "settlement_currency", "notify_url", "created_at",
	"kyb_status", "kyb_note", "disabled", "time_zone", "max_payment", "max_daily", "kind"}

func merchantArgs(m *entrypay.Merchant) []any {
	return []any{m.ID, m.ClientID, m.Name, m.MCC, m.Region, m.SettlementCurrency, m.NotifyURL, micros(m.CreatedAt),
		string(m.KYBStatus), m.KYBNote, m.Disabled, m.TimeZone, m.MaxPayment, m.MaxDaily, string(m.Kind)}
}

func merchantDest(m *entrypay.Merchant) []any {
	return []any{&m.ID, &m.ClientID, &m.Name, &m.MCC, &m.Region, &m.SettlementCurrency, &m.NotifyURL, timeCol{&m.CreatedAt},
		(*string)(&m.KYBStatus), &m.KYBNote, &m.Disabled, &m.TimeZone, &m.MaxPayment, &m.MaxDaily, (*string)(&m.Kind)}
}

var (
	selectMerchantSQL = selectSQL("merchants", merchantCols)
	insertMerchantSQL = insertSQL("merchants", merchantCols, "ON CONFLICT DO NOTHING")
	updateMerchantSQL = updateSQL("merchants", merchantCols)
)

func scanMerchant(r scanner) (*entrypay.Merchant, error) {
	var m entrypay.Merchant
	if err := r.Scan(merchantDest(&m)...); err != nil {
		return nil, err
	}
	return &m, nil
}

// Merchant returns the merchant with the given id.
func (t *tx) Merchant(ctx context.Context, id string) (*entrypay.Merchant, error) {
	m, err := scanMerchant(t.queryRow(ctx, selectMerchantSQL+" WHERE id = $1", id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: merchant %s: %w", id, notFound(err))
	}
	return m, nil
}

// MerchantByClientID returns the merchant with the given API client id.
func (t *tx) MerchantByClientID(ctx context.Context, clientID string) (*entrypay.Merchant, error) {
	m, err := scanMerchant(t.queryRow(ctx, selectMerchantSQL+" WHERE client_id = $1", clientID))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: merchant with client id %s: %w", clientID, notFound(err))
	}
	return m, nil
}

// InsertMerchant adds m; a taken id or client id is an error wrapping ErrDuplicate.
func (t *tx) InsertMerchant(ctx context.Context, m *entrypay.Merchant) error {
	if err := t.mustInsert(ctx, insertMerchantSQL, merchantArgs(m)...); err != nil {
		return fmt.Errorf("sqlstore: insert merchant %s (client id %s): %w", m.ID, m.ClientID, err)
	}
	return nil
}

// UpdateMerchant writes every field of m over the merchant with m's id.
func (t *tx) UpdateMerchant(ctx context.Context, m *entrypay.Merchant) error {
	if err := t.update(ctx, updateMerchantSQL, merchantArgs(m)...); err != nil {
		return fmt.Errorf("sqlstore: update merchant %s: %w", m.ID, err)
	}
	return nil
}

var merchantKeyCols = []string{"client_id", "key_version", "public_key", "created_at", "revoked_at", "label"}

func merchantKeyArgs(k *entrypay.MerchantKey) []any {
	return []any{k.ClientID, k.KeyVersion, k.PublicKey, micros(k.CreatedAt), micros(k.RevokedAt), k.Label}
}

func merchantKeyDest(k *entrypay.MerchantKey) []any {
	return []any{&k.ClientID, &k.KeyVersion, &k.PublicKey, timeCol{&k.CreatedAt}, timeCol{&k.RevokedAt}, &k.Label}
}

var (
	selectMerchantKeySQL = selectSQL("merchant_keys", merchantKeyCols)
	insertMerchantKeySQL = insertSQL("merchant_keys", merchantKeyCols, "ON CONFLICT DO NOTHING")
)

// MerchantKey returns the given version of a merchant's public key, or the highest
// version when version is 0.
func (t *tx) MerchantKey(ctx context.Context, clientID string, version int) (*entrypay.MerchantKey, error) {
	var k entrypay.MerchantKey
	var err error
	if version == 0 {
		err = t.queryRow(ctx, selectMerchantKeySQL+" WHERE client_id = $1 ORDER BY key_version DESC LIMIT 1", clientID).Scan(merchantKeyDest(&k)...)
	} else {
		err = t.queryRow(ctx, selectMerchantKeySQL+" WHERE client_id = $1 AND key_version = $2", clientID, version).Scan(merchantKeyDest(&k)...)
	}
	if err != nil {
		if version == 0 {
			return nil, fmt.Errorf("sqlstore: latest key of client %s: %w", clientID, notFound(err))
		}
		return nil, fmt.Errorf("sqlstore: key version %d of client %s: %w", version, clientID, notFound(err))
	}
	return &k, nil
}

// InsertMerchantKey adds k; a taken version is an error wrapping ErrDuplicate.
func (t *tx) InsertMerchantKey(ctx context.Context, k *entrypay.MerchantKey) error {
	if err := t.mustInsert(ctx, insertMerchantKeySQL, merchantKeyArgs(k)...); err != nil {
		return fmt.Errorf("sqlstore: insert key version %d of client %s: %w", k.KeyVersion, k.ClientID, err)
	}
	return nil
}

var storeCols = []string{"id", "merchant_id", "name", "display_name", "mcc", "region", "settlement_currency", "currency", "created_at", "reference_id"}

func storeArgs(s *entrypay.Store) []any {
	return []any{s.ID, s.MerchantID, s.Name, s.DisplayName, s.MCC, s.Region, s.SettlementCurrency, s.Currency, micros(s.CreatedAt), s.ReferenceID}
}

func storeDest(s *entrypay.Store) []any {
	return []any{&s.ID, &s.MerchantID, &s.Name, &s.DisplayName, &s.MCC, &s.Region, &s.SettlementCurrency, &s.Currency, timeCol{&s.CreatedAt}, &s.ReferenceID}
}

var (
	selectStoreSQL = selectSQL("stores", storeCols)
	insertStoreSQL = insertSQL("stores", storeCols, "ON CONFLICT DO NOTHING")
)

// StoreByID returns the store with the given id.
func (t *tx) StoreByID(ctx context.Context, id string) (*entrypay.Store, error) {
	var s entrypay.Store
	if err := t.queryRow(ctx, selectStoreSQL+" WHERE id = $1", id).Scan(storeDest(&s)...); err != nil {
		return nil, fmt.Errorf("sqlstore: store %s: %w", id, notFound(err))
	}
	return &s, nil
}

// StoresOfMerchant lists a merchant's stores, oldest first.
func (t *tx) StoresOfMerchant(ctx context.Context, merchantID string) ([]*entrypay.Store, error) {
	out, err := queryAll(ctx, t, func(r scanner) (*entrypay.Store, error) {
		var s entrypay.Store
		return &s, r.Scan(storeDest(&s)...)
	}, selectStoreSQL+" WHERE merchant_id = $1 ORDER BY created_at, id", merchantID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: stores of merchant %s: %w", merchantID, err)
	}
	return out, nil
}

// InsertStore adds s; a taken id is an error wrapping ErrDuplicate.
func (t *tx) InsertStore(ctx context.Context, s *entrypay.Store) error {
	if err := t.mustInsert(ctx, insertStoreSQL, storeArgs(s)...); err != nil {
		return fmt.Errorf("sqlstore: insert store %s: %w", s.ID, err)
	}
	return nil
}

var gatewayKeyCols = []string{"key_version", "private_key", "created_at"}

func gatewayKeyArgs(k *entrypay.GatewayKey) []any {
	return []any{k.KeyVersion, k.PrivateKey, micros(k.CreatedAt)}
}

func gatewayKeyDest(k *entrypay.GatewayKey) []any {
	return []any{&k.KeyVersion, &k.PrivateKey, timeCol{&k.CreatedAt}}
}

var (
	selectGatewayKeySQL = selectSQL("gateway_keys", gatewayKeyCols)
	insertGatewayKeySQL = insertSQL("gateway_keys", gatewayKeyCols, "ON CONFLICT (key_version) DO NOTHING")
)

// GatewayKey returns entrypay's signing key with the highest version.
func (t *tx) GatewayKey(ctx context.Context) (*entrypay.GatewayKey, error) {
	var k entrypay.GatewayKey
	if err := t.queryRow(ctx, selectGatewayKeySQL+" ORDER BY key_version DESC LIMIT 1").Scan(gatewayKeyDest(&k)...); err != nil {
		return nil, fmt.Errorf("sqlstore: latest gateway key: %w", notFound(err))
	}
	return &k, nil
}

// InsertGatewayKey adds k unless its version exists, which is how two processes starting
// at once agree on one first key.
func (t *tx) InsertGatewayKey(ctx context.Context, k *entrypay.GatewayKey) (bool, error) {
	ok, err := t.insert(ctx, insertGatewayKeySQL, gatewayKeyArgs(k)...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: insert gateway key version %d: %w", k.KeyVersion, err)
	}
	return ok, nil
}
