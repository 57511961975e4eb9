package risk

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/wallets"
)

// signalTable is the rule language's view of entrypay.RiskSignals, built from the expr tags
// so that a signal added there is known here without a second list to keep in step.
type signalTable struct {
	// leaves maps every signal (merchant.age_days) to its Go kind.
	leaves map[string]reflect.Kind
	// groups maps every group (merchant, velocity.ip; "" for the top level) to the names of
	// its members, in declaration order, for error messages.
	groups map[string][]string
}

var signals = sync.OnceValue(func() *signalTable {
	t := &signalTable{leaves: map[string]reflect.Kind{}, groups: map[string][]string{}}
	t.add("", reflect.TypeFor[entrypay.RiskSignals]())
	return t
})

func (t *signalTable) add(prefix string, typ reflect.Type) {
	for f := range typ.Fields() {
		name := f.Tag.Get("expr")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		t.groups[prefix] = append(t.groups[prefix], name)
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		if f.Type.Kind() == reflect.Struct {
			t.add(path, f.Type)
			continue
		}
		t.leaves[path] = f.Type.Kind()
	}
}

// isRoot says whether name is a top-level signal or group (amount, merchant, …).
func (t *signalTable) isRoot(name string) bool {
	return slices.Contains(t.groups[""], name)
}

// known says whether path names a signal or a group of signals.
func (t *signalTable) known(path string) bool {
	_, leaf := t.leaves[path]
	_, group := t.groups[path]
	return leaf || group
}

// isInt says whether the signal is an integer (amounts, counts, ages, hour, weekday).
func (t *signalTable) isInt(path string) bool {
	switch t.leaves[path] {
	case reflect.Int, reflect.Int64:
		return true
	}
	return false
}

// interval is a closed range of integers; lo > hi is the empty range.
type interval struct{ lo, hi int }

func (i interval) empty() bool { return i.lo > i.hi }

var fullInterval = interval{math.MinInt, math.MaxInt}

// intDomain is the values an integer signal can take. Only the clock signals are bounded by
// the contract; counts and amounts are left unbounded so that the analysis never refuses a
// rule on an assumption the gateway does not promise.
func intDomain(path string) interval {
	switch path {
	case "hour":
		return interval{0, 23}
	case "weekday":
		return interval{0, 6}
	}
	return fullInterval
}

// stringDomain is the values an enumerated string signal can take, nil for free text. The
// domain of kind depends on the rule's on: a rule on payment only ever sees "payment".
func stringDomain(path string, on onMask) []string {
	switch path {
	case "kind":
		var kinds []string
		if on&onPayment != 0 {
			kinds = append(kinds, "payment")
		}
		if on&onRefund != 0 {
			kinds = append(kinds, "refund")
		}
		return kinds
	case "channel":
		return []string{"api", "page"}
	case "code.status":
		return []string{"", "ACTIVE", "DISABLED", "REPLACED"}
	case "wallet.name":
		return walletNames()
	}
	return nil
}

// walletNames is every value wallet.name can take: the wallet table's codes, the generic
// Alipay+ code, and "" when no wallet is known.
var walletNames = sync.OnceValue(func() []string {
	names := []string{"", wallets.Generic}
	for _, w := range wallets.Builtin().Wallets {
		names = append(names, w.Code)
	}
	slices.Sort(names)
	return slices.Compact(names)
})

// quoteAll renders values for an error message: "", "ACTIVE", "DISABLED".
func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = `"` + v + `"`
	}
	return strings.Join(quoted, ", ")
}
