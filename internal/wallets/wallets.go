// Package wallets is entrypay's table of Alipay+ wallets and of the User-Agent markers that
// identify them. The table is data (wallets.json), not code: a new wallet or marker needs
// no code change.
package wallets

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// Generic is the code for "some Alipay+ wallet": the page was opened by a wallet that
// embeds the Alipay+ SDK, and the wallet side decides which one it is.
const Generic = "CONNECT_WALLET"

// Wallet is one Alipay+ wallet (Mobile Payment Provider).
type Wallet struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	PspID    string `json:"pspId"`
	Region   string `json:"region"`
	Currency string `json:"currency"`
	// MinAmount is the smallest payment the wallet accepts, in minor units of Currency.
	MinAmount int64 `json:"minAmount"`
	// MaxAmount is the largest payment the wallet accepts, where it publishes one (0: none
	// known).
	MaxAmount int64    `json:"maxAmount"`
	Languages []string `json:"languages"`
}

// Rule maps a User-Agent marker to a wallet code.
type Rule struct {
	Marker string `json:"marker"`
	Wallet string `json:"wallet"`
}

// Table is the list of wallets and the ordered detection rules.
type Table struct {
	Wallets []Wallet `json:"wallets"`
	Rules   []Rule   `json:"rules"`
}

//go:embed wallets.json
var builtin []byte

// Builtin returns the table shipped with entrypay.
func Builtin() *Table {
	t, err := Parse(builtin)
	if err != nil {
		panic(fmt.Sprintf("wallets.json: %v", err))
	}
	return t
}

// Parse reads a table and checks that every rule names a known wallet or Generic.
func Parse(data []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, err
	}
	known := map[string]bool{Generic: true}
	for _, w := range t.Wallets {
		if w.Code == "" || w.Currency == "" {
			return nil, fmt.Errorf("wallet %q: code and currency are required", w.Code)
		}
		known[w.Code] = true
	}
	for i, r := range t.Rules {
		if r.Marker == "" {
			return nil, fmt.Errorf("rule %d: empty marker", i)
		}
		if !known[r.Wallet] {
			return nil, fmt.Errorf("rule %d (%q): unknown wallet %q", i, r.Marker, r.Wallet)
		}
	}
	return &t, nil
}

// Detect returns the code of the wallet whose marker appears first in the rule order, or
// false when the User-Agent carries no known marker (a plain browser).
func (t *Table) Detect(userAgent string) (string, bool) {
	ua := strings.ToLower(userAgent)
	for _, r := range t.Rules {
		if strings.Contains(ua, strings.ToLower(r.Marker)) {
			return r.Wallet, true
		}
	}
	return "", false
}

// Wallet returns the wallet with the given code.
func (t *Table) Wallet(code string) (Wallet, bool) {
	for _, w := range t.Wallets {
		if w.Code == code {
			return w, true
		}
	}
	return Wallet{}, false
}
