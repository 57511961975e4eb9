// Package risk is entrypay's risk rule engine: it compiles the operator's rule file (YAML;
// conditions in the expr language over entrypay.RiskSignals) into a rule set that decides
// in microseconds whether a payment or refund is accepted, held for review or refused.
//
// Everything that can be checked is checked when a rule set is compiled, before it takes
// effect: the shape of the file, every name a condition uses, the types, cycles among
// defines, and rules that can never fire. What remains for run time is arithmetic on the
// signals; a failure there is an error the gateway turns into a refusal (it fails closed).
// The rule language is documented for operators in docs/risk-rules.md.
package risk

import (
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/entrypay/entrypay"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// EngineVersion names this engine in every verdict, so that a stored decision says which
// semantics produced it.
const EngineVersion = "entrypay-risk/1 (expr-lang/expr v1.17.8)"

//go:embed default.yaml
var defaultRules string

// DefaultRules returns the built-in rule set: every built-in rule, with empty lists and no
// limits. It is the starting point operators copy and edit.
func DefaultRules() string { return defaultRules }

// Engine compiles rule sets. Its zero value is ready to use.
type Engine struct{}

var _ entrypay.RiskEngine = Engine{}

// Compile checks a rule set's source and compiles it as the given version. A refused
// source is an *entrypay.Error (EInvalid) with one "line N: …" line per problem.
func (Engine) Compile(source string, version int64) (entrypay.RiskRules, error) {
	rules, err := compile(source, version)
	if err != nil {
		// Not a typed nil: the caller tests the interface against nil.
		return nil, err
	}
	return rules, nil
}

// Rules is a compiled rule set. It is immutable and safe for concurrent use.
type Rules struct {
	version     int64
	reviewScore int
	rejectScore int
	rules       []rule
	merchants   map[string]merchantLimit
	wallets     map[string]walletLimit
}

var _ entrypay.RiskRules = (*Rules)(nil)

type rule struct {
	name    string
	line    int
	on      onMask
	action  string
	score   int
	reason  string
	program *vm.Program
}

func compile(source string, version int64) (rules *Rules, err error) {
	defer func() {
		// The YAML and expr libraries are not ours; a panic on some odd input must not
		// take the admin API down with it.
		if p := recover(); p != nil {
			rules = nil
			err = entrypay.Errorf(entrypay.EInvalid, "line 1: the rule set could not be compiled (%v)", p)
		}
	}()
	f, ps := readSource(source)
	if len(ps) > 0 {
		return nil, ps.err()
	}
	conds := newConditions(f)
	ps = conds.compileDefines(f.defines)
	if len(ps) > 0 {
		return nil, ps.err()
	}
	rules = &Rules{
		version:     version,
		reviewScore: f.reviewScore,
		rejectScore: f.rejectScore,
		merchants:   f.merchants,
		wallets:     f.wallets,
	}
	for _, rs := range f.rules {
		where := fmt.Sprintf("rule %q: when: ", rs.name)
		c, cerr := conds.compile(rs.cond.text)
		if cerr == errSkipped {
			continue
		}
		if cerr != nil {
			ps.add(rs.cond.fileLine(cerr.line), "%s%s", where, cerr.describe(rs.cond))
			continue
		}
		if why := neverTrue(c.tree, rs.on); why != "" {
			ps.add(rs.cond.fileLine(1), "%scan never be true: %s", where, why)
			continue
		}
		if why := neverFires(c, rs.on); why != "" {
			ps.add(rs.cond.fileLine(1), "%scan never fire: %s", where, why)
			continue
		}
		rules.rules = append(rules.rules, rule{
			name:    rs.name,
			line:    rs.line,
			on:      rs.on,
			action:  rs.action,
			score:   rs.score,
			reason:  rs.reason,
			program: c.program,
		})
	}
	if len(ps) > 0 {
		return nil, ps.err()
	}
	return rules, nil
}

// compileDefines checks every define on its own (so that a mistake is reported at the
// define, once, not at each use) after refusing cycles among them.
func (c *conditions) compileDefines(defines []defineSource) problems {
	var ps problems
	for _, ds := range defines {
		d := c.defines[ds.name]
		where := fmt.Sprintf("define %q: ", ds.name)
		tree, err := c.parse(ds.cond.text)
		if err != nil {
			ps.add(ds.cond.fileLine(err.line), "%s%s", where, err.describe(ds.cond))
			d.broken = true
			continue
		}
		deps, cerr := c.checkNames(tree, ds.cond.text)
		if cerr != nil {
			ps.add(ds.cond.fileLine(cerr.line), "%s%s", where, cerr.describe(ds.cond))
			d.broken = true
			continue
		}
		d.deps = deps
	}
	order := c.refuseCycles(defines, &ps)
	for _, name := range order {
		d := c.defines[name]
		for _, dep := range d.deps {
			d.broken = d.broken || c.defines[dep].broken
		}
		if d.broken {
			continue
		}
		if _, cerr := c.compile(d.source.cond.text); cerr != nil && cerr != errSkipped {
			ps.add(d.source.cond.fileLine(cerr.line), "define %q: %s", name, cerr.describe(d.source.cond))
			d.broken = true
		}
	}
	return ps
}

// refuseCycles notes every cycle among the defines (a -> b -> a) and returns the defines in
// an order where each comes after those it uses.
func (c *conditions) refuseCycles(defines []defineSource, ps *problems) []string {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var path, order []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = onPath
		path = append(path, name)
		d := c.defines[name]
		for _, dep := range d.deps {
			switch state[dep] {
			case unvisited:
				visit(dep)
			case onPath:
				start := len(path) - 1
				for path[start] != dep {
					start--
				}
				cycle := append(append([]string{}, path[start:]...), dep)
				head := c.defines[dep]
				ps.add(head.source.cond.line, "define %q: cycle %s", dep, strings.Join(cycle, " -> "))
				for _, member := range cycle {
					c.defines[member].broken = true
				}
			}
		}
		path = path[:len(path)-1]
		state[name] = done
		order = append(order, name)
	}
	for _, d := range defines {
		if state[d.name] == unvisited {
			visit(d.name)
		}
	}
	return order
}

// Version returns the version the rule set was compiled as.
func (r *Rules) Version() int64 { return r.version }

// machines reuses expr's virtual machines (their stacks) across evaluations.
var machines = sync.Pool{New: func() any { return new(vm.VM) }}

// Evaluate decides about s. It first fills in the limits the rule set sets: the
// merchant's (its own entry, else limits.merchants.default), the wallet's daily limit, and
// the wallet's min and max where the rule set overrides them. It then runs, in file order,
// every rule for s.Kind. An error (a rule failed at run time, or s is not a payment or a
// refund) means no decision: the caller fails closed.
func (r *Rules) Evaluate(s *entrypay.RiskSignals) (verdict *entrypay.RiskVerdict, err error) {
	defer func() {
		if p := recover(); p != nil {
			verdict = nil
			err = fmt.Errorf("risk rules version %d: panic: %v", r.version, p)
		}
	}()
	if s == nil {
		return nil, fmt.Errorf("risk rules version %d: no signals", r.version)
	}
	var kind onMask
	switch s.Kind {
	case "payment":
		kind = onPayment
	case "refund":
		kind = onRefund
	default:
		return nil, fmt.Errorf("risk rules version %d: signals of unknown kind %q", r.version, s.Kind)
	}
	r.fillLimits(s)

	machine := machines.Get().(*vm.VM)
	defer machines.Put(machine)
	fired := make([]entrypay.FiredRule, 0, 4)
	for i := range r.rules {
		ru := &r.rules[i]
		if ru.on&kind == 0 {
			continue
		}
		out, err := machine.Run(ru.program, s)
		if err != nil {
			return nil, &RuleError{Version: r.version, Rule: ru.name, Line: ru.line, Err: err}
		}
		holds, ok := out.(bool)
		if !ok {
			return nil, &RuleError{Version: r.version, Rule: ru.name, Line: ru.line, Err: fmt.Errorf("condition gave %T, not a boolean", out)}
		}
		if holds {
			fired = append(fired, entrypay.FiredRule{Name: ru.name, Action: ru.action, Score: ru.score, Reason: ru.reason})
		}
	}
	return r.decide(fired), nil
}

func (r *Rules) fillLimits(s *entrypay.RiskSignals) {
	m, ok := r.merchants[s.Merchant.ID]
	if !ok {
		m = r.merchants["default"]
	}
	s.Merchant.LimitPerPayment = m.perPayment
	s.Merchant.LimitDaily = m.daily
	w := r.wallets[s.Wallet.Name]
	s.Wallet.LimitDaily = w.daily
	if w.min > 0 {
		s.Wallet.Min = w.min
	}
	if w.max > 0 {
		s.Wallet.Max = w.max
	}
}

// decide combines the fired rules: a reject wins, then an allow, then a review; otherwise
// the total score against the thresholds. The reason is that of the deciding rule.
func (r *Rules) decide(fired []entrypay.FiredRule) *entrypay.RiskVerdict {
	v := &entrypay.RiskVerdict{Outcome: entrypay.RiskAccept, Fired: fired, Version: r.version, Engine: EngineVersion}
	firstOf := func(action string) int {
		for i, f := range fired {
			if f.Action == action {
				return i
			}
		}
		return -1
	}
	top := -1
	for i, f := range fired {
		v.Score += f.Score
		if top < 0 || f.Score > fired[top].Score {
			top = i
		}
	}
	switch {
	case len(fired) == 0:
		return v
	case firstOf(entrypay.ActionReject) >= 0:
		v.Outcome, v.Reason = entrypay.RiskReject, fired[firstOf(entrypay.ActionReject)].Reason
	case firstOf(entrypay.ActionAllow) >= 0:
		v.Outcome, v.Reason = entrypay.RiskAccept, fired[firstOf(entrypay.ActionAllow)].Reason
	case firstOf(entrypay.ActionReview) >= 0:
		v.Outcome, v.Reason = entrypay.RiskReview, fired[firstOf(entrypay.ActionReview)].Reason
	case v.Score >= r.rejectScore:
		v.Outcome, v.Reason = entrypay.RiskReject, fired[top].Reason
	case v.Score >= r.reviewScore:
		v.Outcome, v.Reason = entrypay.RiskReview, fired[top].Reason
	default:
		v.Reason = fired[top].Reason
	}
	return v
}

// RuleError is a rule's failure at run time (an integer division by zero, say). The
// gateway fails closed on it and logs it; the operator fixes the rule.
type RuleError struct {
	Version int64  // of the rule set
	Rule    string // the rule's name
	Line    int    // the rule's line in the rule file
	Err     error
}

func (e *RuleError) Error() string {
	msg := e.Err.Error()
	// expr's own message, without the multi-line source snippet meant for terminals.
	if fe, ok := errors.AsType[*file.Error](e.Err); ok {
		msg = fe.Message
	}
	return fmt.Sprintf("risk rules version %d: rule %q (line %d) failed: %s", e.Version, e.Rule, e.Line, msg)
}

func (e *RuleError) Unwrap() error { return e.Err }
