package risk_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/entrypay/entrypay"
	"github.com/entrypay/entrypay/internal/risk"
)

// oneRule is a rule file of one rule (its name: x) with the given condition on line 3.
func oneRule(when string) string {
	return "rules:\n  - name: x\n    when: " + when + "\n    action: reject\n    reason: X\n"
}

// ruleOn is oneRule for a rule with the given on (the condition on line 4).
func ruleOn(on, when string) string {
	return "rules:\n  - name: x\n    on: " + on + "\n    when: " + when + "\n    action: reject\n    reason: X\n"
}

func TestCompileRefuses(t *testing.T) {
	tests := []struct {
		name   string
		source string
		want   string // a line of the message
	}{
		// The file.
		{"empty", "", "line 1: the rule set is empty"},
		{"only comments", "# nothing yet\n", "line 1: the rule set is empty"},
		{"yaml syntax", "rules:\n  - name: x\n    when: [amount\n", "line 3: did not find expected ',' or ']'"},
		{"yaml syntax on line 1", "rules: [\n", "line 2: did not find expected node content"},
		{"yaml key", "review_score: 1\nrules: []\nlists\nrules: []\n", "line 3: could not find expected ':'"},
		{"yaml tab", "rules: []\n\treview_score: 3\n", "line 2: found character that cannot start any token"},
		{"two documents", "rules: []\n---\nrules: []\n", "line 2: a rule set is a single YAML document"},
		{"not a mapping", "- a\n- b\n", "line 1: want a mapping"},
		{"unknown key", "rules: []\nrule: []\n", `line 2: unknown key "rule" (want review_score, reject_score, lists, define, limits or rules)`},
		{"duplicate key", "rules: []\nreview_score: 10\nrules: []\n", `line 3: duplicate key "rules" (first at line 1)`},
		{"no rules", "review_score: 10\n", "line 1: no rules: key"},
		{"rules not a list", "rules: {a: b}\n", "line 1: rules: want a list of rules"},
		{"alias", "lists:\n  a: &ips [\"1.2.3.4\"]\n  b: *ips\nrules: []\n", "line 2: anchors (&ips) are not supported"},
		{"review score not a number", "review_score: high\nrules: []\n", `line 1: review_score: want an integer, not the text "high"`},
		{"review score zero", "review_score: 0\nrules: []\n", "line 1: review_score: 0 is out of range 1..1000000"},
		{"reject below review", "review_score: 80\nreject_score: 60\nrules: []\n", "line 2: reject_score (60) is below review_score (80)"},

		// Lists.
		{"list name", "lists:\n  Blocked: []\nrules: []\n", `line 2: lists: name "Blocked" must match [a-z][a-z0-9_]*`},
		{"list not a list", "lists:\n  ips: 1.2.3.4\nrules: []\n", `line 2: list "ips": want a list`},
		{"list item not a string", "lists:\n  ips:\n    - \"1.2.3.4\"\n    - {ip: 1}\nrules: []\n", `line 4: list "ips": want a string, not a mapping`},
		{"list item a boolean", "lists:\n  flags: [yes, true]\nrules: []\n", `line 2: list "flags": want a string, not a boolean (quote it)`},

		// Limits.
		{"limits unknown key", "limits:\n  stores: {}\nrules: []\n", `line 2: limits: unknown key "stores" (want merchants or wallets)`},
		{"merchant limit key", "limits:\n  merchants:\n    default: {per_payment: 1, monthly: 5}\nrules: []\n", `line 3: limits.merchants.default: unknown key "monthly" (want per_payment or daily)`},
		{"negative limit", "limits:\n  merchants:\n    mer_1:\n      daily: -1\nrules: []\n", "line 4: limits.merchants.mer_1.daily: -1 is out of range"},
		{"limit not a number", "limits:\n  merchants:\n    mer_1: {daily: 1e6}\nrules: []\n", "line 3: limits.merchants.mer_1.daily: want an integer, not a decimal number"},
		{"unknown wallet", "limits:\n  wallets:\n    KAKAO_PAY: {max: 10}\nrules: []\n", `line 3: limits.wallets: unknown wallet "KAKAO_PAY" (want one of ALIPAY_CN`},
		{"wallet min above max", "limits:\n  wallets:\n    GCASH: {min: 10, max: 5}\nrules: []\n", "line 3: limits.wallets.GCASH: min 10 is above max 5"},

		// Rules' fields.
		{"rule not a mapping", "rules:\n  - blocked_ip\n", "line 2: rule 1: want a mapping"},
		{"unknown rule key", "rules:\n  - name: x\n    when: amount > 0\n    acton: reject\n    action: reject\n    reason: X\n", `line 4: rule "x": unknown key "acton" (want name, on, when, action, score or reason)`},
		{"duplicate rule key", "rules:\n  - name: x\n    when: amount > 0\n    when: amount > 1\n    action: reject\n    reason: X\n", `line 4: rule "x": duplicate key "when" (first at line 3)`},
		{"duplicate rule name", oneRule("amount > 0") + "  - name: x\n    when: amount > 1\n    action: reject\n    reason: X\n", `line 6: rule "x": the name is already used at line 2`},
		{"bad rule name", "rules:\n  - name: Blocked-IP\n    when: amount > 0\n    action: reject\n    reason: X\n", `line 2: rule 1: name "Blocked-IP" must match [a-z][a-z0-9_]*`},
		{"bad reason", "rules:\n  - name: x\n    when: amount > 0\n    action: reject\n    reason: Blocked IP\n", `line 5: rule "x": reason "Blocked IP" must match [A-Z][A-Z0-9_]*`},
		{"unknown action", "rules:\n  - name: x\n    when: amount > 0\n    action: deny\n    reason: X\n", `line 4: rule "x": action: unknown "deny" (want reject, review, allow or score)`},
		{"unknown on", ruleOn("payments", "amount > 0"), `line 3: rule "x": on: unknown "payments" (want payment, refund or both)`},
		{"score too high", "rules:\n  - name: x\n    when: amount > 0\n    action: score\n    score: 1001\n    reason: X\n", `line 5: rule "x": score: 1001 is out of range 0..1000`},
		{"score negative", "rules:\n  - name: x\n    when: amount > 0\n    action: score\n    score: -1\n    reason: X\n", `line 5: rule "x": score: -1 is out of range 0..1000`},
		{"score rule without score", "rules:\n  - name: x\n    when: amount > 0\n    action: score\n    reason: X\n", `line 2: rule "x": a score rule needs a score from 1 to 1000`},
		{"missing when", "rules:\n  - name: x\n    action: reject\n    reason: X\n", `line 2: rule "x": when is missing`},
		{"empty when", "rules:\n  - name: x\n    when:\n    action: reject\n    reason: X\n", `line 3: rule "x": when: the condition is empty`},
		{"when not text", "rules:\n  - name: x\n    when: [amount > 0]\n    action: reject\n    reason: X\n", `line 3: rule "x": when: want a condition, not a list`},
		{"missing reason", "rules:\n  - name: x\n    when: amount > 0\n    action: reject\n", `line 2: rule "x": reason is missing`},
		{"missing name", "rules:\n  - when: amount > 0\n    action: reject\n    reason: X\n", `line 2: rule 1: name is missing`},

		// Conditions.
		{"syntax", oneRule("amount >"), `line 3: rule "x": when: unexpected token EOF (column 8)`},
		{"cut by a comment", oneRule("any(lists.a, client.ip startsWith #)"), `line 3: rule "x": when: unexpected token EOF (column 33) (" #" starts a YAML comment: quote the condition, or write it as a | block)`},
		{"unknown signal", oneRule("velocity.ip.count_5m > 10"), `line 3: rule "x": when: unknown name "velocity.ip.count_5m" (velocity.ip has count_10m, count_1h, count_24h, amount_1h, amount_24h)`},
		{"unknown group", oneRule(`velocity.card.count_10m > 10`), `line 3: rule "x": when: unknown name "velocity.card" (velocity has merchant, store, code, wallet, ip, device)`},
		{"unknown top-level name", oneRule("amout > 0"), `line 3: rule "x": when: unknown name "amout" (not a signal, a define or a let variable)`},
		{"unknown list", "lists:\n  blocked_ips: []\n" + oneRule("client.ip in lists.blocked_ip"), `line 5: rule "x": when: unknown list "lists.blocked_ip" (the file's lists: blocked_ips)`},
		{"lists alone", oneRule(`'"a" in lists'`), `line 3: rule "x": when: lists is not a value: write lists.NAME`},
		{"list by expression", "lists:\n  a: []\n" + oneRule(`'"a" in lists[client.ip]'`), `line 5: rule "x": when: want lists.NAME with a fixed name`},
		{"not boolean", oneRule("amount + 1"), `line 3: rule "x": when: the condition must be true or false, not a value of type int`},
		{"type error", oneRule(`amount > "100"`), `line 3: rule "x": when: invalid operation: > (mismatched types int64 and string) (column 8)`},
		{"list of other type", "lists:\n  a: []\n" + oneRule("amount in lists.a"), `line 5: rule "x": when: cannot use int64 as type string in map key`},
		{"time is not a signal", oneRule("now().Hour() < 5"), `line 3: rule "x": when: now() is not available: rules see the time as hour and weekday`},
		{"constant division by zero", oneRule("amount > 1 % 0"), `line 3: rule "x": when: integer divide by zero`},
		{"let hides a signal", oneRule("let amount = 1; amount > 0"), `line 3: rule "x": when: let amount: the name is taken`},
		{"error on the line of a block", "rules:\n  - name: x\n    when: |\n      amount > 0 &&\n      velocity.ip.count_5m > 1\n    action: reject\n    reason: X\n", `line 5: rule "x": when: unknown name "velocity.ip.count_5m"`},

		// Rules that can never fire.
		{"constant", oneRule("1 > 2"), `line 3: rule "x": when: can never fire: it is always false`},
		{"false and", oneRule("false && amount > 0"), `line 3: rule "x": when: can never be true: it is always false`},
		{"and false", oneRule("amount > 0 and false"), `line 3: rule "x": when: can never be true: it is always false`},
		{"folded", oneRule(`amount > 0 && "a" == "b"`), `line 3: rule "x": when: can never be true: it is always false`},
		{"disjoint ranges", oneRule("amount > 100 && amount < 50"), `line 3: rule "x": when: can never be true: the comparisons of amount exclude each other`},
		{"disjoint ranges apart", oneRule("settlement_amount >= 100 && hour > 3 && 100 > settlement_amount"), "the comparisons of settlement_amount exclude each other"},
		{"no integer between", oneRule("amount > 100 && amount < 101"), "the comparisons of amount exclude each other"},
		{"hour 24", oneRule("hour >= 24"), `line 3: rule "x": when: can never be true: hour is between 0 and 23`},
		{"hour negative", oneRule("hour < 0"), "hour is between 0 and 23"},
		{"hour range", oneRule("hour in 24..30"), "hour is between 0 and 23"},
		{"weekday 7", oneRule("weekday > 6"), "weekday is between 0 and 6"},
		{"neither branch", oneRule("hour > 30 || weekday == 7"), "hour is between 0 and 23"},
		{"wallet typo", oneRule(`wallet.name == "KAKAO_PAY"`), `line 3: rule "x": when: can never be true: wallet.name is one of "", "ALIPAY_CN", "ALIPAY_HK", "CONNECT_WALLET", "DANA", "GCASH", "KAKAOPAY",`},
		{"wallet typo reversed", oneRule(`'"KAKAO_PAY" == wallet.name'`), "can never be true: wallet.name is one of"},
		{"wallet typos in", oneRule(`wallet.name in ["KAKAO_PAY", "G_CASH"]`), "can never be true: wallet.name is one of"},
		{"two wallets at once", oneRule(`wallet.name == "GCASH" && wallet.name == "DANA"`), "the comparisons of wallet.name exclude each other"},
		{"code status case", oneRule(`code.status == "active"`), `can never be true: code.status is one of "", "ACTIVE", "DISABLED", "REPLACED"`},
		{"channel", oneRule(`channel == "web"`), `can never be true: channel is one of "api", "page"`},
		{"kind of a payment rule", oneRule(`kind == "refund"`), `can never be true: kind is always "payment" in a rule on payment`},
		{"not the kind of a payment rule", oneRule(`kind != "payment"`), `can never be true: kind is always "payment" in a rule on payment`},
		{"no status left", oneRule(`code.status != "ACTIVE" && code.status != "" && code.status != "DISABLED" && "REPLACED" != code.status`), "the comparisons of code.status exclude each other"},
		{"equal and not equal", oneRule("hour == 3 && hour != 3"), "the comparisons of hour exclude each other"},
		{"not the only hour left", oneRule("hour >= 23 && hour != 23"), "the comparisons of hour exclude each other"},
		{"kind of a refund rule", ruleOn("refund", `kind == "payment" && amount > 0`), `line 4: rule "x": when: can never be true: kind is always "refund" in a rule on refund`},
		{"refund signals on payments", oneRule("refund.payment_amount > 0"), `line 3: rule "x": when: can never fire: it reads only refund.* signals, which are 0 for payments (write on: refund)`},
		{"refund share on payments", oneRule("refund.merchant_refunds_7d * 2 > refund.merchant_volume_7d"), "it reads only refund.* signals"},
		{"fails every time", oneRule(`refund.payment_amount % refund.refunded_before == 0`), "can never fire: it fails for every payment: runtime error: integer divide by zero"},

		// Defines.
		{"define name", "define:\n  Small: amount < 5\nrules: []\n", `line 2: define: name "Small" must match [a-z][a-z0-9_]*`},
		{"define named after a signal", "define:\n  amount: amount < 5\nrules: []\n", `line 2: define: name "amount" is taken by a signal`},
		{"define named after a function", "define:\n  len: amount < 5\nrules: []\n", `line 2: define: name "len" is taken`},
		{"define not boolean", "define:\n  double: amount * 2\nrules: []\n", `line 2: define "double": the condition must be true or false, not a value of type int`},
		{"define unknown signal", "define:\n  small: amont < 5\nrules: []\n", `line 2: define "small": unknown name "amont"`},
		{"define empty", "define:\n  small:\nrules: []\n", `line 2: define "small": the condition is empty`},
		{"define cycle", "define:\n  a: b && amount > 0\n  b: hour < 5 || a\n" + "rules: []\n", `line 2: define "a": cycle a -> b -> a`},
		{"define self", "define:\n  a: amount > 0 && a\nrules: []\n", `line 2: define "a": cycle a -> a`},
		{"define long cycle", "define:\n  a: b\n  b: c\n  c: hour > 1 && a\nrules: []\n", `line 2: define "a": cycle a -> b -> c -> a`},
		{"unknown define", "define:\n  small_payment: settlement_amount < 500\n" + ruleOn("payment", "small_paymnt"), `line 6: rule "x": when: unknown name "small_paymnt"`},
		{"let hides a define", "define:\n  small: amount < 5\n" + oneRule("let small = 1; small > 0"), `line 5: rule "x": when: let small: the name is taken`},
		{"define never true in a rule", "define:\n  late: hour >= 20\n" + oneRule("late && hour < 6"), `line 5: rule "x": when: can never be true: the comparisons of hour exclude each other`},
		{"exponential defines", "define:\n  a0: amount > 0\n" + doubling(14) + "rules: []\n", "too large once its defines are expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := engine.Compile(tt.source, 1)
			if err == nil {
				t.Fatalf("Compile succeeded (%v), want %q", rules, tt.want)
			}
			if rules != nil {
				t.Errorf("Compile returned rules %v with the error", rules)
			}
			e, ok := errors.AsType[*entrypay.Error](err)
			if !ok || e.Code != entrypay.EInvalid {
				t.Fatalf("error %v is not an EInvalid *entrypay.Error", err)
			}
			if !lineFormat.MatchString(e.Message) {
				t.Errorf("message %q: a line does not start with \"line N: \"", e.Message)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message:\n%s\nwant it to contain:\n%s", e.Message, tt.want)
			}
		})
	}
}

// lineFormat is a refusal message: every line names its line of the file.
var lineFormat = regexp.MustCompile(`^line [1-9][0-9]*: [^\n]+(\nline [1-9][0-9]*: [^\n]+)*(\n… and \d+ more)?$`)

// doubling writes defines a1..an, each using the one before twice.
func doubling(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  a%d: a%d && a%d\n", i, i-1, i-1)
	}
	return b.String()
}

// TestCompileReportsEveryProblem: one upload lists all mistakes, in line order, and a
// broken define is reported once, not again at every rule that uses it.
func TestCompileReportsEveryProblem(t *testing.T) {
	source := `review_score: 10
define:
  broken: amont > 0
rules:
  - name: uses_broken
    when: broken && hour < 3
    action: reject
    reason: X
  - name: typo
    when: hour > 24
    action: rejct
    reason: Y
  - name: fine
    when: amount > 0
    action: review
    reason: Z
  - name: bad_when
    when: velocity.ip.count > 1
    action: review
    reason: Z
`
	_, err := engine.Compile(source, 1)
	e, _ := errors.AsType[*entrypay.Error](err)
	if e == nil {
		t.Fatalf("Compile: %v", err)
	}
	// First the file's shape: conditions are judged once it is right.
	want := `line 11: rule "typo": action: unknown "rejct" (want reject, review, allow or score)`
	if e.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", e.Message, want)
	}

	// Then the defines.
	source = strings.Replace(source, "rejct", "reject", 1)
	_, err = engine.Compile(source, 1)
	e, _ = errors.AsType[*entrypay.Error](err)
	want = `line 3: define "broken": unknown name "amont" (not a signal, a define or a let variable)`
	if e == nil || e.Message != want {
		t.Errorf("message:\n%v\nwant:\n%s", err, want)
	}

	// Then every rule.
	source = strings.Replace(source, "amont", "amount", 1)
	_, err = engine.Compile(source, 1)
	e, _ = errors.AsType[*entrypay.Error](err)
	want = `line 10: rule "typo": when: can never be true: hour is between 0 and 23
line 18: rule "bad_when": when: unknown name "velocity.ip.count" (velocity.ip has count_10m, count_1h, count_24h, amount_1h, amount_24h)`
	if e == nil || e.Message != want {
		t.Errorf("message:\n%v\nwant:\n%s", err, want)
	}
}

// TestCompileAccepts: the analysis is sound: it never refuses a rule that can fire.
func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name   string
		source string
	}{
		{"last hour", oneRule("hour >= 23")},
		{"first hours", oneRule("hour in 0..4")},
		{"a one-value range", oneRule("amount >= 100 && amount <= 100")},
		{"negative amounts", oneRule("wallet.amount < 0")},
		{"a float bound", oneRule("hour > 22.5")},
		{"a ratio", oneRule("merchant.avg_amount_30d > 0 && settlement_amount / merchant.avg_amount_30d > 9.5")},
		{"a wallet", oneRule(`wallet.name == "KAKAOPAY"`)},
		{"no wallet", oneRule(`wallet.name == ""`)},
		{"the generic wallet", oneRule(`wallet.name in ["CONNECT_WALLET", "NOT_A_WALLET"]`)},
		{"not a wallet", oneRule(`wallet.name != "KAKAO_PAY"`)},
		{"not every status", oneRule(`code.status != "ACTIVE" && code.status != "DISABLED" && code.status != "REPLACED"`)},
		{"not some hours", oneRule("hour != 0 && hour != 23 && hour != 12")},
		{"kind of a rule on both", ruleOn("both", `kind != "payment"`)},
		{"negated impossibility", oneRule("not (hour >= 24)")},
		{"one possible branch", oneRule("hour >= 24 || amount > 5")},
		{"code status", oneRule(`code.status in ["DISABLED", "REPLACED"]`)},
		{"kind on both", ruleOn("both", `kind == "refund" && refund.payment_amount > 0`)},
		{"refund signals on refunds", ruleOn("refund", "refund.payment_amount > 100000")},
		{"refund signals on both", ruleOn("both", "refund.payment_amount == 0")},
		{"always true", oneRule("true")},
		{"kind only", ruleOn("both", `kind == "refund"`)},
		{"an empty list", "lists:\n  wallets: []\n  ips:\n" + oneRule("wallet.name in lists.wallets || client.ip in lists.ips")},
		{"numbers in a list", "lists:\n  mccs: [7995, \"5812\", 0742]\n" + oneRule("merchant.mcc in lists.mccs")},
		{"let", oneRule("let ratio = amount * 2; ratio > 100")},
		{"predicate", "lists:\n  prefixes: [\"10.\", \"192.168.\"]\n" + oneRule("'any(lists.prefixes, client.ip startsWith #)'")},
		{"function", oneRule(`lower(client.user_agent) contains "headless"`)},
		{"optional chaining", oneRule("merchant?.age_days < 2")},
		{"env", oneRule(`$env.hour < 5`)},
		{"multi-line", "rules:\n  - name: x\n    when: >\n      amount > 0 &&\n      hour < 5\n    action: reject\n    reason: X\n"},
		{"flow style", "rules: [{name: x, when: amount > 0, action: review, reason: X}]\n"},
		{"empty rules", "rules: []\n"},
		{"null sections", "lists:\ndefine:\nlimits:\nrules:\n"},
		{"define used twice", "define:\n  small: amount < 5\n" + oneRule("small || (small && hour < 3)")},
		{"deep but narrow defines", "define:\n  a0: amount > 0\n  a1: a0 && hour < 5\n  a2: a1 && hour < 4\n  a3: a2 && hour < 3\n" + oneRule("a3")},
		{"unused define", "define:\n  small: amount < 5\nrules: []\n"},
		{"a merchant called default", "limits:\n  merchants:\n    default: {}\n    mer_1: {}\nrules: []\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := engine.Compile(tt.source, 1); err != nil {
				t.Errorf("Compile: %v", err)
			}
		})
	}
}

func TestDefaultRulesCompile(t *testing.T) {
	rules, err := engine.Compile(risk.DefaultRules(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if rules.Version() != 42 {
		t.Errorf("Version() = %d", rules.Version())
	}
	// Every contracted rule is there with its action and reason.
	for _, want := range []string{
		"merchant_payment_limit", "merchant_daily_limit", "wallet_minimum", "wallet_maximum",
		"wallet_daily_limit", "ip_velocity", "device_velocity", "code_burst", "blocked_merchant",
		"blocked_code", "blocked_customer", "blocked_ip", "blocked_device", "allowed_customer",
		"allowed_ip", "allowed_device", "code_not_active", "code_recently_replaced", "mcc_denied",
		"refund_share", "unusual_amount", "night_time",
	} {
		if !strings.Contains(risk.DefaultRules(), "- name: "+want+"\n") {
			t.Errorf("default.yaml has no rule %s", want)
		}
	}
}
