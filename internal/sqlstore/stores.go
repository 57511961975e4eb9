package sqlstore

import (
	"context"
	"fmt"

	"github.com/entrypay/entrypay"
)

// The dashboard's lookups: each is scoped to one merchant in the query itself, so a
// page cannot reach another merchant's row by its id.

// MerchantStore returns a store of the merchant.
func (t *tx) MerchantStore(ctx context.Context, merchantID, id string) (*entrypay.Store, error) {
	var s entrypay.Store
	if err := t.queryRow(ctx, selectStoreSQL+" WHERE merchant_id = $1 AND id = $2", merchantID, id).Scan(storeDest(&s)...); err != nil {
		return nil, fmt.Errorf("sqlstore: store %s of merchant %s: %w", id, merchantID, notFound(err))
	}
	return &s, nil
}

// MerchantEntryCode returns a code of the merchant.
func (t *tx) MerchantEntryCode(ctx context.Context, merchantID, value string, forUpdate bool) (*entrypay.EntryCode, error) {
	c, err := scanEntryCode(t.queryRow(ctx, selectEntryCodeSQL+" WHERE merchant_id = $1 AND value = $2"+t.lock(forUpdate), merchantID, value))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: entry code %s of merchant %s: %w", value, merchantID, notFound(err))
	}
	return c, nil
}

// MerchantBatch returns a settlement batch of the merchant.
func (t *tx) MerchantBatch(ctx context.Context, merchantID, id string) (*entrypay.SettlementBatch, error) {
	b, err := scanBatch(t.queryRow(ctx, selectBatchSQL+" WHERE merchant_id = $1 AND id = $2", merchantID, id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: batch %s of merchant %s: %w", id, merchantID, notFound(err))
	}
	return b, nil
}
