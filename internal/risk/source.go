package risk

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/entrypay/entrypay"
	"go.yaml.in/yaml/v3"
)

// ruleFile is a rule set as written, checked for shape but not yet compiled. Every part
// keeps its line so that later errors can name it.
type ruleFile struct {
	reviewScore int
	rejectScore int
	lists       map[string]*list
	defines     []defineSource
	merchants   map[string]merchantLimit
	wallets     map[string]walletLimit
	rules       []ruleSource
}

// list is a named list of the rule file, in two forms: the items as written, for functions
// (any(lists.prefixes, client.ip startsWith #)), and a set for `x in lists.name`, so that
// membership costs one lookup however long the list.
type list struct {
	items []string
	set   listSet
}

// listSet is a list as a set. Its own type tells the analysis that the operator will edit
// it (an empty list is a normal state), unlike a literal array in a condition.
type listSet map[string]struct{}

type defineSource struct {
	name string
	cond condSource
}

type ruleSource struct {
	line   int // the rule's "- name: …" line
	name   string
	on     onMask
	cond   condSource
	action string
	score  int
	reason string
}

// condSource is a condition's text and where it starts in the file.
type condSource struct {
	text string
	line int
	// literal is set for a `|` block, whose lines are the file's lines from line+1 on.
	literal bool
	// comment is set when YAML took part of the line as a comment: in an unquoted
	// condition, " #" starts one, which may have cut the condition short.
	comment bool
}

// fileLine converts a line of the condition's text (1-based) into a line of the file.
func (c condSource) fileLine(exprLine int) int {
	if c.literal {
		return c.line + max(exprLine, 1)
	}
	return c.line
}

type merchantLimit struct{ perPayment, daily int64 }

type walletLimit struct{ min, max, daily int64 }

// onMask is the kinds of decision a rule takes part in.
type onMask uint8

const (
	onPayment onMask = 1 << iota
	onRefund
	onBoth = onPayment | onRefund
)

func (m onMask) String() string {
	switch m {
	case onPayment:
		return "payment"
	case onRefund:
		return "refund"
	}
	return "both"
}

const (
	defaultReviewScore = 50
	defaultRejectScore = 100
	maxRuleScore       = 1000
	// maxThreshold keeps thresholds in a range where a sum of rule scores is meaningful.
	maxThreshold = 1_000_000
	// maxProblems bounds the message of a refused rule set; the first ones matter most.
	maxProblems = 20
)

var (
	nameFormat   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	reasonFormat = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	yamlLine     = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)
)

var (
	topKeys      = []string{"review_score", "reject_score", "lists", "define", "limits", "rules"}
	limitKeys    = []string{"merchants", "wallets"}
	merchantKeys = []string{"per_payment", "daily"}
	walletKeys   = []string{"min", "max", "daily"}
	ruleKeys     = []string{"name", "on", "when", "action", "score", "reason"}
	actions      = []string{entrypay.ActionReject, entrypay.ActionReview, entrypay.ActionAllow, entrypay.ActionScore}
)

// problem is one reason a rule set is refused.
type problem struct {
	line int
	msg  string
}

// problems collects every problem of a rule set, so that an operator fixes them in one
// round rather than one upload per mistake.
type problems []problem

func (ps *problems) add(line int, format string, args ...any) {
	// One problem, one line of the message, whatever the libraries put in theirs.
	msg := strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")
	*ps = append(*ps, problem{line: max(line, 1), msg: msg})
}

// err is the *entrypay.Error the gateway shows the operator, one "line N: …" per problem,
// or nil.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, func(a, b problem) int { return cmp.Compare(a.line, b.line) })
	var b strings.Builder
	for i, p := range sorted {
		if i == maxProblems {
			fmt.Fprintf(&b, "\n… and %d more", len(sorted)-maxProblems)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "line %d: %s", p.line, p.msg)
	}
	return entrypay.Errorf(entrypay.EInvalid, "%s", b.String())
}

// reader turns the YAML tree into a ruleFile, noting problems as it goes.
type reader struct {
	problems problems
}

// readSource parses a rule file. The ruleFile is incomplete when problems were noted.
func readSource(source string) (*ruleFile, problems) {
	r := &reader{}
	f := &ruleFile{
		reviewScore: defaultReviewScore,
		rejectScore: defaultRejectScore,
		lists:       map[string]*list{},
		merchants:   map[string]merchantLimit{},
		wallets:     map[string]walletLimit{},
	}
	root := r.document(source)
	if root == nil {
		return f, r.problems
	}
	r.refuseAliases(root)
	if len(r.problems) > 0 {
		return f, r.problems
	}
	fields := r.mapping(root, "", topKeys)
	if root.Kind != yaml.MappingNode {
		return f, r.problems
	}
	hasRules := false
	for _, fl := range fields {
		switch fl.key.Value {
		case "review_score":
			f.reviewScore = int(r.integer(fl.value, "review_score", 1, maxThreshold))
		case "reject_score":
			f.rejectScore = int(r.integer(fl.value, "reject_score", 1, maxThreshold))
		case "lists":
			r.lists(fl.value, f)
		case "define":
			r.defines(fl.value, f)
		case "limits":
			r.limits(fl.value, f)
		case "rules":
			hasRules = true
			r.rules(fl.value, f)
		}
	}
	// Only compared when both were read: a bad value stands in as 1 and would mislead.
	if len(r.problems) == 0 && f.rejectScore < f.reviewScore {
		line := root.Line
		for _, fl := range fields {
			if fl.key.Value == "reject_score" {
				line = fl.key.Line
			}
		}
		r.problems.add(line, "reject_score (%d) is below review_score (%d)", f.rejectScore, f.reviewScore)
	}
	if !hasRules {
		r.problems.add(root.Line, "no rules: key (write `rules: []` for a rule set that accepts everything)")
	}
	return f, r.problems
}

// document parses the source as exactly one YAML document and returns its root.
func (r *reader) document(source string) *yaml.Node {
	dec := yaml.NewDecoder(strings.NewReader(source))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			r.problems.add(1, "the rule set is empty")
		} else {
			r.yamlError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		r.yamlError(err)
		return nil
	default:
		r.problems.add(next.Line, "a rule set is a single YAML document (remove the second ---)")
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		r.problems.add(doc.Line, "the rule set is empty")
		return nil
	}
	root := doc.Content[0]
	if isNull(root) {
		r.problems.add(root.Line, "the rule set is empty")
		return nil
	}
	return root
}

// yamlError converts the YAML library's error; those without a line are on line 1.
func (r *reader) yamlError(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		if line, convErr := strconv.Atoi(m[1]); convErr == nil {
			// The library numbers the lines of its parser's errors (unlike its scanner's)
			// from 0, and leaves out "line 0".
			if slices.Contains(yamlParserProblems, m[2]) {
				line++
			}
			r.problems.add(line, "%s", m[2])
			return
		}
	}
	r.problems.add(1, "%s", strings.TrimPrefix(msg, "yaml: "))
}

// yamlParserProblems are the messages of go.yaml.in/yaml/v3's parser (parserc.go).
var yamlParserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// refuseAliases refuses anchors and aliases: they would let one list or limit silently stand
// for another, and a rule file is read by people auditing it.
func (r *reader) refuseAliases(n *yaml.Node) {
	if n.Kind == yaml.AliasNode {
		r.problems.add(n.Line, "aliases (*%s) are not supported: write the value out", n.Value)
		return
	}
	if n.Anchor != "" {
		r.problems.add(n.Line, "anchors (&%s) are not supported: write the value out", n.Anchor)
	}
	for _, c := range n.Content {
		r.refuseAliases(c)
	}
}

type field struct{ key, value *yaml.Node }

// mapping returns a mapping's entries, refusing duplicate keys, non-scalar keys and, when
// known is given, keys not in it. A null (an empty "key:") is an empty mapping.
func (r *reader) mapping(n *yaml.Node, where string, known []string) []field {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		r.problems.add(n.Line, "%swant a mapping (key: value lines), not %s", where, describe(n))
		return nil
	}
	var fields []field
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if key.Kind != yaml.ScalarNode || isNull(key) {
			r.problems.add(key.Line, "%swant a name as key, not %s", where, describe(key))
			continue
		}
		if first, dup := seen[key.Value]; dup {
			r.problems.add(key.Line, "%sduplicate key %q (first at line %d)", where, key.Value, first)
			continue
		}
		seen[key.Value] = key.Line
		if known != nil && !slices.Contains(known, key.Value) {
			r.problems.add(key.Line, "%sunknown key %q (want %s)", where, key.Value, oneOf(known))
			continue
		}
		fields = append(fields, field{key, value})
	}
	return fields
}

// integer reads an integer in [lo, hi]; on a problem it returns lo.
func (r *reader) integer(n *yaml.Node, what string, lo, hi int64) int64 {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		r.problems.add(n.Line, "%s: want an integer, not %s", what, describe(n))
		return lo
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		r.problems.add(n.Line, "%s: %s is not an integer in range", what, n.Value)
		return lo
	}
	if v < lo || v > hi {
		r.problems.add(n.Line, "%s: %d is out of range %d..%d", what, v, lo, hi)
		return lo
	}
	return v
}

// text reads a string scalar; numbers are taken as written (MCC 7995, an id 0042).
func (r *reader) text(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		r.problems.add(n.Line, "%s: want a string, not %s", what, describe(n))
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int":
		return n.Value, true
	}
	r.problems.add(n.Line, "%s: want a string, not %s (quote it)", what, describe(n))
	return "", false
}

func (r *reader) lists(n *yaml.Node, f *ruleFile) {
	for _, fl := range r.mapping(n, "lists: ", nil) {
		name := fl.key.Value
		if !nameFormat.MatchString(name) {
			r.problems.add(fl.key.Line, "lists: name %q must match [a-z][a-z0-9_]*", name)
			continue
		}
		l := &list{items: []string{}, set: listSet{}}
		f.lists[name] = l
		if isNull(fl.value) {
			continue
		}
		if fl.value.Kind != yaml.SequenceNode {
			r.problems.add(fl.value.Line, "list %q: want a list ([\"a\", \"b\"] or - lines), not %s", name, describe(fl.value))
			continue
		}
		for _, item := range fl.value.Content {
			if v, ok := r.text(item, fmt.Sprintf("list %q", name)); ok {
				l.items = append(l.items, v)
				l.set[v] = struct{}{}
			}
		}
	}
}

func (r *reader) defines(n *yaml.Node, f *ruleFile) {
	for _, fl := range r.mapping(n, "define: ", nil) {
		name := fl.key.Value
		switch {
		case !nameFormat.MatchString(name):
			r.problems.add(fl.key.Line, "define: name %q must match [a-z][a-z0-9_]*", name)
			continue
		case reservedName(name):
			r.problems.add(fl.key.Line, "define: name %q is taken by a signal, `lists` or a function of the language", name)
			continue
		}
		cond, ok := r.condition(fl.value, fmt.Sprintf("define %q", name))
		if !ok {
			continue
		}
		f.defines = append(f.defines, defineSource{name: name, cond: cond})
	}
}

// condition reads a condition's text. Any scalar is taken as written, so that `when: true`
// is the condition true.
func (r *reader) condition(n *yaml.Node, what string) (condSource, bool) {
	if n.Kind != yaml.ScalarNode {
		r.problems.add(n.Line, "%s: want a condition, not %s", what, describe(n))
		return condSource{}, false
	}
	if isNull(n) || strings.TrimSpace(n.Value) == "" {
		r.problems.add(n.Line, "%s: the condition is empty", what)
		return condSource{}, false
	}
	return condSource{
		text:    n.Value,
		line:    n.Line,
		literal: n.Style&yaml.LiteralStyle != 0,
		comment: n.LineComment != "",
	}, true
}

func (r *reader) limits(n *yaml.Node, f *ruleFile) {
	for _, fl := range r.mapping(n, "limits: ", limitKeys) {
		switch fl.key.Value {
		case "merchants":
			for _, m := range r.mapping(fl.value, "limits.merchants: ", nil) {
				what := fmt.Sprintf("limits.merchants.%s", m.key.Value)
				var lim merchantLimit
				for _, v := range r.mapping(m.value, what+": ", merchantKeys) {
					amount := r.integer(v.value, what+"."+v.key.Value, 0, maxAmount)
					switch v.key.Value {
					case "per_payment":
						lim.perPayment = amount
					case "daily":
						lim.daily = amount
					}
				}
				f.merchants[m.key.Value] = lim
			}
		case "wallets":
			for _, w := range r.mapping(fl.value, "limits.wallets: ", nil) {
				code := w.key.Value
				what := "limits.wallets." + code
				if !slices.Contains(walletNames(), code) || code == "" {
					r.problems.add(w.key.Line, "limits.wallets: unknown wallet %q (want one of %s)", code, strings.Join(walletNames()[1:], ", "))
					continue
				}
				var lim walletLimit
				for _, v := range r.mapping(w.value, what+": ", walletKeys) {
					amount := r.integer(v.value, what+"."+v.key.Value, 0, maxAmount)
					switch v.key.Value {
					case "min":
						lim.min = amount
					case "max":
						lim.max = amount
					case "daily":
						lim.daily = amount
					}
				}
				if lim.min > 0 && lim.max > 0 && lim.min > lim.max {
					r.problems.add(w.key.Line, "%s: min %d is above max %d", what, lim.min, lim.max)
				}
				f.wallets[code] = lim
			}
		}
	}
}

// maxAmount bounds limits well inside int64 so that sums of them cannot overflow.
const maxAmount = 1 << 53

func (r *reader) rules(n *yaml.Node, f *ruleFile) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		r.problems.add(n.Line, "rules: want a list of rules (- name: …), not %s", describe(n))
		return
	}
	seen := map[string]int{}
	for i, item := range n.Content {
		rs, ok := r.rule(item, i+1)
		if !ok {
			continue
		}
		if first, dup := seen[rs.name]; dup {
			r.problems.add(rs.line, "rule %q: the name is already used at line %d", rs.name, first)
			continue
		}
		seen[rs.name] = rs.line
		f.rules = append(f.rules, rs)
	}
}

// rule reads one rule; ok is false when it has a problem (already noted).
func (r *reader) rule(n *yaml.Node, index int) (ruleSource, bool) {
	rs := ruleSource{line: n.Line, on: onPayment}
	before := len(r.problems)
	// Until the name is known, the rule is named by its place in the list.
	where := fmt.Sprintf("rule %d", index)
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Value != "name" || value.Kind != yaml.ScalarNode {
				continue
			}
			if nameFormat.MatchString(value.Value) {
				where = fmt.Sprintf("rule %q", value.Value)
			} else {
				r.problems.add(value.Line, "%s: name %q must match [a-z][a-z0-9_]*", where, value.Value)
			}
		}
	}
	fields := r.mapping(n, where+": ", ruleKeys)
	if n.Kind != yaml.MappingNode {
		return rs, false
	}
	var hasWhen, hasAction, hasReason, hasName bool
	for _, fl := range fields {
		switch fl.key.Value {
		case "name":
			hasName = true
			rs.name, _ = r.text(fl.value, where+": name")
		case "on":
			v, _ := r.text(fl.value, where+": on")
			switch v {
			case "payment":
				rs.on = onPayment
			case "refund":
				rs.on = onRefund
			case "both":
				rs.on = onBoth
			default:
				r.problems.add(fl.value.Line, "%s: on: unknown %q (want payment, refund or both)", where, v)
			}
		case "when":
			hasWhen = true
			rs.cond, _ = r.condition(fl.value, where+": when")
		case "action":
			hasAction = true
			v, _ := r.text(fl.value, where+": action")
			if !slices.Contains(actions, v) {
				r.problems.add(fl.value.Line, "%s: action: unknown %q (want %s)", where, v, oneOf(actions))
			}
			rs.action = v
		case "score":
			rs.score = int(r.integer(fl.value, where+": score", 0, maxRuleScore))
		case "reason":
			hasReason = true
			v, ok := r.text(fl.value, where+": reason")
			if ok && !reasonFormat.MatchString(v) {
				r.problems.add(fl.value.Line, "%s: reason %q must match [A-Z][A-Z0-9_]*", where, v)
			}
			rs.reason = v
		}
	}
	for _, missing := range []struct {
		has  bool
		name string
	}{{hasName, "name"}, {hasWhen, "when"}, {hasAction, "action"}, {hasReason, "reason"}} {
		if !missing.has {
			r.problems.add(n.Line, "%s: %s is missing", where, missing.name)
		}
	}
	if rs.action == entrypay.ActionScore && rs.score == 0 {
		r.problems.add(n.Line, "%s: a score rule needs a score from 1 to %d", where, maxRuleScore)
	}
	return rs, len(r.problems) == before
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names a YAML node's kind for an error message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return fmt.Sprintf("the text %q", n.Value)
		case "!!bool":
			return "a boolean"
		case "!!float":
			return "a decimal number"
		case "!!int":
			return "an integer"
		}
		return fmt.Sprintf("a %s value", n.ShortTag())
	}
	return "an alias"
}

// oneOf renders alternatives: "a, b or c".
func oneOf(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
