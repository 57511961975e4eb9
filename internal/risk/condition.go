package risk

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/entrypay/entrypay"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// disabledBuiltins are the functions of expr whose result does not follow from the signals.
// Without them a rule is a pure function of the signals, so a stored decision can be
// replayed, and a condition that reads no signal is a constant.
var disabledBuiltins = []string{"now", "date", "timezone", "duration"}

// keywords of the expression language, which a define cannot be named after.
var keywords = []string{"true", "false", "nil", "in", "not", "and", "or", "matches", "contains", "let", "if", "else"}

// maxExpandedNodes bounds a condition once its defines are expanded: defines that use each
// other twice over would otherwise grow a condition exponentially.
const maxExpandedNodes = 10_000

// reservedName says whether a define may not take the name: it would hide a signal, the
// lists, a keyword or a function.
func reservedName(name string) bool {
	_, isBuiltin := builtin.Index[name]
	return name == "lists" || signals().isRoot(name) || slices.Contains(keywords, name) || isBuiltin
}

// condError is a problem in a condition's text; line is 1-based within the text.
type condError struct {
	line   int
	msg    string
	syntax bool // the text does not parse
}

// describe renders the problem for the operator; cond tells whether YAML cut a comment off
// the condition, the likely cause of a syntax error.
func (e *condError) describe(cond condSource) string {
	if e.syntax && cond.comment {
		return e.msg + ` (" #" starts a YAML comment: quote the condition, or write it as a | block)`
	}
	return e.msg
}

// errSkipped marks a condition not compiled because a define it uses has a problem of its
// own, already reported: one mistake gives one message.
var errSkipped = &condError{msg: "skipped"}

// conditions compiles the conditions of one rule set: it knows the set's lists and defines.
type conditions struct {
	config  *conf.Config
	lists   map[string]*list
	defines map[string]*define
}

type define struct {
	source defineSource
	deps   []string // the defines it uses
	broken bool     // it has a problem; conditions that use it are skipped
}

func newConditions(f *ruleFile) *conditions {
	config := conf.CreateNew()
	expr.Env(entrypay.RiskSignals{})(config)
	expr.AsBool()(config)
	for _, name := range disabledBuiltins {
		expr.DisableBuiltin(name)(config)
	}
	for name := range config.Disabled {
		delete(config.Builtins, name)
	}
	c := &conditions{config: config, lists: f.lists, defines: map[string]*define{}}
	for _, d := range f.defines {
		c.defines[d.name] = &define{source: d}
	}
	return c
}

// compiled is a condition ready to run, with its optimized syntax tree for the analysis.
type compiled struct {
	program *vm.Program
	tree    ast.Node
}

// compile checks and compiles a condition: names first (for clear messages), then defines
// and lists are substituted, then expr checks types, folds constants and compiles.
func (c *conditions) compile(text string) (*compiled, *condError) {
	tree, err := parser.ParseWithConfig(text, c.config)
	if err != nil {
		return nil, syntaxError(err, text)
	}
	deps, cerr := c.checkNames(tree.Node, text)
	if cerr != nil {
		return nil, cerr
	}
	for _, name := range deps {
		if c.defines[name].broken {
			return nil, errSkipped
		}
	}
	budget := maxExpandedNodes
	if cerr := c.substitute(&tree.Node, &budget); cerr != nil {
		return nil, cerr
	}
	if _, err := checker.Check(tree, c.config); err != nil {
		return nil, exprError(err, text)
	}
	if err := optimizer.Optimize(&tree.Node, c.config); err != nil {
		return nil, exprError(err, text)
	}
	program, err := compiler.Compile(tree, c.config)
	if err != nil {
		return nil, exprError(err, text)
	}
	return &compiled{program: program, tree: tree.Node}, nil
}

// parse parses a condition without checking it.
func (c *conditions) parse(text string) (ast.Node, *condError) {
	tree, err := parser.ParseWithConfig(text, c.config)
	if err != nil {
		return nil, syntaxError(err, text)
	}
	return tree.Node, nil
}

// exprError converts an error of expr, dropping its source snippet (the operator has the
// file) and, for the compiler's recovered panics, its stack.
func exprError(err error, text string) *condError {
	if fe, ok := errors.AsType[*file.Error](err); ok {
		if fe.Line == 0 {
			fe = fe.Bind(file.NewSource(text))
		}
		return &condError{line: fe.Line, msg: fmt.Sprintf("%s (column %d)", fe.Message, fe.Column+1)}
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if got, ok := strings.CutPrefix(msg, "expected bool, but got "); ok {
		msg = "the condition must be true or false, not a value of type " + got
	}
	return &condError{line: 1, msg: msg}
}

func syntaxError(err error, text string) *condError {
	e := exprError(err, text)
	e.syntax = true
	return e
}

// errorAt is a problem at a node of a condition.
func errorAt(node ast.Node, text, format string, args ...any) *condError {
	fe := (&file.Error{Location: node.Location()}).Bind(file.NewSource(text))
	return &condError{line: fe.Line, msg: fmt.Sprintf(format, args...)}
}

// checkNames refuses unknown signals, lists and names, and returns the defines the
// condition uses directly.
func (c *conditions) checkNames(root ast.Node, text string) ([]string, *condError) {
	v := &nameVisitor{c: c, text: text, known: map[*ast.IdentifierNode]bool{}, lets: map[string]bool{}}
	ast.Walk(&root, v)
	if v.err != nil {
		return nil, v.err
	}
	var deps []string
	for _, id := range v.idents {
		switch name := id.Value; {
		case v.known[id], v.lets[name], signals().isRoot(name), name == "$env":
		case c.defines[name] != nil:
			if !slices.Contains(deps, name) {
				deps = append(deps, name)
			}
		case name == "lists":
			return nil, errorAt(id, text, "lists is not a value: write lists.NAME")
		default:
			return nil, errorAt(id, text, "unknown name %q (not a signal, a define or a let variable)", name)
		}
	}
	return deps, nil
}

// nameVisitor collects the identifiers of a condition and checks member paths. The walk
// visits children before parents, so identifiers are judged once the walk is done, when
// it is known which ones are a path's root or a function's name.
type nameVisitor struct {
	c      *conditions
	text   string
	idents []*ast.IdentifierNode
	known  map[*ast.IdentifierNode]bool
	lets   map[string]bool
	err    *condError
}

func (v *nameVisitor) Visit(node *ast.Node) {
	if v.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		v.idents = append(v.idents, n)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		if slices.Contains(disabledBuiltins, id.Value) {
			v.err = errorAt(n, v.text, "%s() is not available: rules see the time as hour and weekday", id.Value)
			return
		}
		// expr reports an unknown function better than we would.
		v.known[id] = true
	case *ast.VariableDeclaratorNode:
		if reservedName(n.Name) || v.c.defines[n.Name] != nil {
			v.err = errorAt(n, v.text, "let %s: the name is taken by a signal, a define, `lists` or a function", n.Name)
			return
		}
		v.lets[n.Name] = true
	case *ast.MemberNode:
		v.member(n)
	}
}

func (v *nameVisitor) member(n *ast.MemberNode) {
	if id, ok := n.Node.(*ast.IdentifierNode); ok && id.Value == "lists" {
		v.known[id] = true
		name, ok := n.Property.(*ast.StringNode)
		if !ok {
			v.err = errorAt(n, v.text, "want lists.NAME with a fixed name")
			return
		}
		if _, ok := v.c.lists[name.Value]; !ok {
			v.err = errorAt(n, v.text, "unknown list %q (the file's lists: %s)", "lists."+name.Value, v.c.listNames())
		}
		return
	}
	path, ok := staticPath(n)
	if !ok || !signals().isRoot(strings.SplitN(path, ".", 2)[0]) || signals().known(path) {
		return
	}
	parent, _ := staticPath(n.Node)
	if members, ok := signals().groups[parent]; ok {
		v.err = errorAt(n, v.text, "unknown name %q (%s has %s)", path, parent, strings.Join(members, ", "))
		return
	}
	v.err = errorAt(n, v.text, "unknown name %q", path)
}

func (c *conditions) listNames() string {
	if len(c.lists) == 0 {
		return "none"
	}
	var names []string
	for name := range c.lists {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// staticPath is the dotted name of a chain of fixed member accesses from an identifier
// (velocity.ip.count_10m, merchant["id"]), or false.
func staticPath(n ast.Node) (string, bool) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		return n.Value, true
	case *ast.ChainNode:
		return staticPath(n.Node)
	case *ast.MemberNode:
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return "", false
		}
		parent, ok := staticPath(n.Node)
		if !ok {
			return "", false
		}
		return parent + "." + prop.Value, true
	}
	return "", false
}

// substitute replaces each define by its (expanded) condition and each lists.NAME by the
// list, a constant: its set on the right of `in`, so that membership is one map lookup at
// run time, and its items elsewhere.
func (c *conditions) substitute(root *ast.Node, budget *int) *condError {
	v := &substituter{c: c, budget: budget, items: map[ast.Node]*list{}}
	ast.Walk(root, v)
	return v.err
}

type substituter struct {
	c      *conditions
	budget *int
	err    *condError
	// items are the lists substituted as items; the walk reaches a list before the `in`
	// that holds it, which then swaps in the set.
	items map[ast.Node]*list
}

func (v *substituter) Visit(node *ast.Node) {
	if v.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		d := v.c.defines[n.Value]
		if d == nil {
			return
		}
		// A fresh tree per use: expr annotates and rewrites nodes in place.
		tree, err := parser.ParseWithConfig(d.source.cond.text, v.c.config)
		if err != nil {
			v.err = &condError{line: 1, msg: fmt.Sprintf("define %q: %v", d.source.name, err)}
			return
		}
		*v.budget -= countNodes(tree.Node)
		if *v.budget < 0 {
			v.err = &condError{line: 1, msg: fmt.Sprintf("the condition is too large once its defines are expanded (over %d parts)", maxExpandedNodes)}
			return
		}
		if err := v.c.substitute(&tree.Node, v.budget); err != nil {
			v.err = err
			return
		}
		ast.Patch(node, tree.Node)
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || id.Value != "lists" {
			return
		}
		if name, ok := n.Property.(*ast.StringNode); ok {
			l := v.c.lists[name.Value]
			items := &ast.ConstantNode{Value: l.items}
			ast.Patch(node, items)
			v.items[items] = l
		}
	case *ast.BinaryNode:
		if l := v.items[n.Right]; l != nil && n.Operator == "in" {
			ast.Patch(&n.Right, &ast.ConstantNode{Value: l.set})
		}
	}
}

func countNodes(root ast.Node) int {
	var counter nodeCounter
	ast.Walk(&root, &counter)
	return int(counter)
}

type nodeCounter int

func (c *nodeCounter) Visit(*ast.Node) { *c++ }
