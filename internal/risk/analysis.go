package risk

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/entrypay/entrypay"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// The analysis refuses a rule that can never fire: almost always a typo ("KAKAO_PAY" for
// "KAKAOPAY", hour >= 24) that would otherwise fail silently in production. It is sound, not
// complete: it only says "never" when that follows from the contract of the signals, and
// answers "may fire" for everything it does not understand.

// neverTrue returns why the condition (its optimized tree) can never hold for a rule on the
// given kinds, or "" when it may hold.
func neverTrue(tree ast.Node, on onMask) string {
	facts := &conjunction{on: on, ints: map[string]*intFact{}, strs: map[string]*strFact{}}
	for _, term := range conjuncts(tree, nil) {
		if why := facts.add(term); why != "" {
			return why
		}
	}
	return ""
}

// conjuncts flattens a && b && c into its terms.
func conjuncts(n ast.Node, terms []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		return conjuncts(b.Right, conjuncts(b.Left, terms))
	}
	return append(terms, n)
}

// conjunction is what the terms seen so far say about each signal.
type conjunction struct {
	on   onMask
	ints map[string]*intFact
	strs map[string]*strFact
}

type intFact struct {
	allowed interval
	terms   int
}

type strFact struct {
	allowed []string
	terms   int
}

// add narrows the facts by one term and returns why they became impossible, if they did.
func (c *conjunction) add(term ast.Node) string {
	if isFalse(term) {
		return "it is always false"
	}
	if b, ok := term.(*ast.BinaryNode); ok && (b.Operator == "||" || b.Operator == "or") {
		left := neverTrue(b.Left, c.on)
		if left != "" && neverTrue(b.Right, c.on) != "" {
			return left
		}
		return ""
	}
	if path, op, value, ok := intComparison(term); ok {
		return c.addInt(path, op, value)
	}
	if path, values, negated, ok := stringComparison(term); ok {
		return c.addString(path, values, negated)
	}
	return ""
}

func (c *conjunction) addInt(path, op string, value int) string {
	f := c.ints[path]
	if f == nil {
		f = &intFact{allowed: intDomain(path)}
		c.ints[path] = f
	}
	f.terms++
	narrowed := f.allowed
	switch op {
	case "==":
		narrowed.lo, narrowed.hi = max(narrowed.lo, value), min(narrowed.hi, value)
	case "!=":
		// Only an end of the range can be taken off and leave a range.
		switch value {
		case narrowed.lo:
			narrowed.lo = value + 1
		case narrowed.hi:
			narrowed.hi = value - 1
		}
	case "<":
		if value == math.MinInt {
			narrowed = interval{1, 0}
		} else {
			narrowed.hi = min(narrowed.hi, value-1)
		}
	case "<=":
		narrowed.hi = min(narrowed.hi, value)
	case ">":
		if value == math.MaxInt {
			narrowed = interval{1, 0}
		} else {
			narrowed.lo = max(narrowed.lo, value+1)
		}
	case ">=":
		narrowed.lo = max(narrowed.lo, value)
	}
	f.allowed = narrowed
	if !narrowed.empty() {
		return ""
	}
	if domain := intDomain(path); domain != fullInterval && f.terms == 1 {
		return fmt.Sprintf("%s is between %d and %d", path, domain.lo, domain.hi)
	}
	return fmt.Sprintf("the comparisons of %s exclude each other", path)
}

func (c *conjunction) addString(path string, values []string, negated bool) string {
	domain := stringDomain(path, c.on)
	f := c.strs[path]
	if f == nil {
		f = &strFact{allowed: domain}
		c.strs[path] = f
	}
	f.terms++
	if !negated && !slices.ContainsFunc(values, func(v string) bool { return slices.Contains(domain, v) }) {
		return domainReason(path, domain, c.on)
	}
	f.allowed = slices.DeleteFunc(slices.Clone(f.allowed), func(v string) bool { return slices.Contains(values, v) == negated })
	switch {
	case len(f.allowed) > 0:
		return ""
	case f.terms == 1:
		return domainReason(path, domain, c.on)
	}
	return fmt.Sprintf("the comparisons of %s exclude each other", path)
}

func domainReason(path string, domain []string, on onMask) string {
	if path == "kind" && len(domain) == 1 {
		return fmt.Sprintf("kind is always %q in a rule on %s", domain[0], on)
	}
	return fmt.Sprintf("%s is one of %s", path, quoteAll(domain))
}

func isFalse(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BoolNode:
		return !n.Value
	case *ast.ConstantNode:
		return n.Value == false
	}
	return false
}

// mirrored is the operator of a comparison written the other way round (3 < hour is hour > 3).
var mirrored = map[string]string{"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// intComparison matches an integer signal compared with an integer literal.
func intComparison(n ast.Node) (path, op string, value int, ok bool) {
	b, isBinary := n.(*ast.BinaryNode)
	if !isBinary {
		return "", "", 0, false
	}
	if _, known := mirrored[b.Operator]; !known {
		return "", "", 0, false
	}
	if path, ok := signalPath(b.Left); ok && signals().isInt(path) {
		if lit, ok := b.Right.(*ast.IntegerNode); ok {
			return path, b.Operator, lit.Value, true
		}
	}
	if path, ok := signalPath(b.Right); ok && signals().isInt(path) {
		if lit, ok := b.Left.(*ast.IntegerNode); ok {
			return path, mirrored[b.Operator], lit.Value, true
		}
	}
	return "", "", 0, false
}

// stringComparison matches an enumerated signal compared with literal strings: == "x",
// != "x", or in ["x", "y"]. Lists of the file are not literals: an empty list is a normal
// state, not a mistake.
func stringComparison(n ast.Node) (path string, values []string, negated, ok bool) {
	b, isBinary := n.(*ast.BinaryNode)
	if !isBinary {
		return "", nil, false, false
	}
	switch b.Operator {
	case "==", "!=":
		negated = b.Operator == "!="
		if path, ok := enumPath(b.Left); ok {
			if lit, ok := b.Right.(*ast.StringNode); ok {
				return path, []string{lit.Value}, negated, true
			}
		}
		if path, ok := enumPath(b.Right); ok {
			if lit, ok := b.Left.(*ast.StringNode); ok {
				return path, []string{lit.Value}, negated, true
			}
		}
	case "in":
		path, ok := enumPath(b.Left)
		if !ok {
			return "", nil, false, false
		}
		if values, ok := literalStrings(b.Right); ok {
			return path, values, false, true
		}
	}
	return "", nil, false, false
}

// literalStrings is the strings of a literal array, as written or as the optimizer turned
// it into a set.
func literalStrings(n ast.Node) ([]string, bool) {
	switch n := n.(type) {
	case *ast.ArrayNode:
		var values []string
		for _, item := range n.Nodes {
			s, ok := item.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			values = append(values, s.Value)
		}
		return values, true
	case *ast.ConstantNode:
		set, ok := n.Value.(map[string]struct{})
		if !ok {
			return nil, false
		}
		var values []string
		for v := range set {
			values = append(values, v)
		}
		return values, true
	}
	return nil, false
}

func enumPath(n ast.Node) (string, bool) {
	path, ok := signalPath(n)
	if !ok {
		return "", false
	}
	return path, stringDomain(path, onBoth) != nil
}

// signalPath is the name of the signal a node reads, or false.
func signalPath(n ast.Node) (string, bool) {
	path, ok := staticPath(n)
	if !ok {
		return "", false
	}
	_, leaf := signals().leaves[path]
	return path, leaf
}

// neverFires evaluates a condition that reads only signals fixed by the kind of decision:
// kind itself, and refund.* for payments (zero). Such a condition has one value per kind;
// if it is false for every kind the rule takes part in, the rule never fires, and if it
// fails, it would fail every decision. It returns why, or "".
func neverFires(c *compiled, on onMask) string {
	readsKind, readsRefund, readsOther := false, false, false
	ok := walkAll(c.tree, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IdentifierNode:
			switch n.Value {
			case "kind":
				readsKind = true
			case "refund":
				readsRefund = true
			default:
				// Any other signal, or $env, varies between decisions.
				readsOther = true
			}
		case *ast.BuiltinNode, *ast.CallNode, *ast.PredicateNode, *ast.MapNode, *ast.PairNode:
			// Functions and maps may iterate in random order; leave them alone.
			return false
		}
		return true
	})
	if !ok || readsOther {
		return ""
	}
	var evaluated []string
	for _, kind := range []struct {
		mask onMask
		name string
	}{{onPayment, "payment"}, {onRefund, "refund"}} {
		if on&kind.mask == 0 {
			continue
		}
		if readsRefund && kind.mask == onRefund {
			return ""
		}
		var machine vm.VM
		out, err := machine.Run(c.program, &entrypay.RiskSignals{Kind: kind.name})
		if err != nil {
			return fmt.Sprintf("it fails for every %s: %s", kind.name, exprError(err, "").msg)
		}
		if out != false {
			return ""
		}
		evaluated = append(evaluated, kind.name)
	}
	switch {
	case readsRefund:
		return "it reads only refund.* signals, which are 0 for payments (write on: refund)"
	case !readsKind:
		return "it is always false"
	}
	return fmt.Sprintf("it is false for every %s", strings.Join(evaluated, " and every "))
}

// walkAll calls visit on every node of the tree, children first, and reports whether every
// call returned true.
func walkAll(tree ast.Node, visit func(ast.Node) bool) bool {
	w := &allVisitor{visit: visit, ok: true}
	ast.Walk(&tree, w)
	return w.ok
}

type allVisitor struct {
	visit func(ast.Node) bool
	ok    bool
}

func (w *allVisitor) Visit(n *ast.Node) {
	if w.ok && !w.visit(*n) {
		w.ok = false
	}
}
