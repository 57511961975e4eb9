package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/entrypay/entrypay"
)

var ruleSetCols = []string{"version", "status", "source", "comment", "created_at", "updated_at"}

var (
	selectRuleSetSQL = selectSQL("risk_rule_sets", ruleSetCols)
	updateRuleSetSQL = updateSQL("risk_rule_sets", ruleSetCols)
	// The next version is one more than the highest, taken in the insert itself; two
	// operators saving at once collide on the key and one of them retries.
	insertRuleSetSQL = `INSERT INTO risk_rule_sets (version, status, source, comment, created_at, updated_at)
		SELECT COALESCE(MAX(version), 0) + 1, $1, $2, $3, $4, $5 FROM risk_rule_sets RETURNING version`
)

func scanRuleSet(r scanner) (*entrypay.RuleSet, error) {
	var rs entrypay.RuleSet
	err := r.Scan(&rs.Version, (*string)(&rs.Status), &rs.Source, &rs.Comment, timeCol{&rs.CreatedAt}, timeCol{&rs.UpdatedAt})
	return &rs, err
}

// InsertRuleSet stores a rule set under the next version.
func (t *tx) InsertRuleSet(ctx context.Context, rs *entrypay.RuleSet) error {
	err := t.queryRow(ctx, insertRuleSetSQL, string(rs.Status), rs.Source, rs.Comment, micros(rs.CreatedAt), micros(rs.UpdatedAt)).Scan(&rs.Version)
	if err != nil {
		return fmt.Errorf("sqlstore: insert rule set: %w", err)
	}
	return nil
}

// RuleSet returns one version.
func (t *tx) RuleSet(ctx context.Context, version int64) (*entrypay.RuleSet, error) {
	rs, err := scanRuleSet(t.queryRow(ctx, selectRuleSetSQL+" WHERE version = $1", version))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rule set %d: %w", version, notFound(err))
	}
	return rs, nil
}

// RuleSets lists every version, newest first.
func (t *tx) RuleSets(ctx context.Context) ([]*entrypay.RuleSet, error) {
	out, err := queryAll(ctx, t, scanRuleSet, selectRuleSetSQL+" ORDER BY version DESC")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: rule sets: %w", err)
	}
	return out, nil
}

// UpdateRuleSet changes a version's status and comment (its source never changes).
func (t *tx) UpdateRuleSet(ctx context.Context, rs *entrypay.RuleSet) error {
	if err := t.update(ctx, updateRuleSetSQL, rs.Version, string(rs.Status), rs.Source, rs.Comment, micros(rs.CreatedAt), micros(rs.UpdatedAt)); err != nil {
		return fmt.Errorf("sqlstore: update rule set %d: %w", rs.Version, err)
	}
	return nil
}

var decisionCols = []string{
	"id", "kind", "merchant_id", "payment_id", "refund_id", "outcome", "verdict", "shadow", "signals",
	"review", "reviewed_by", "reviewed_at", "created_at",
}

var (
	selectDecisionSQL = selectSQL("risk_decisions", decisionCols)
	insertDecisionSQL = insertSQL("risk_decisions", decisionCols, "")
	updateDecisionSQL = updateSQL("risk_decisions", decisionCols)
)

func decisionArgs(d *entrypay.RiskDecision) ([]any, error) {
	verdict, err := json.Marshal(d.Verdict)
	if err != nil {
		return nil, err
	}
	var shadow []byte
	if d.Shadow != nil {
		if shadow, err = json.Marshal(d.Shadow); err != nil {
			return nil, err
		}
	}
	signals, err := json.Marshal(d.Signals)
	if err != nil {
		return nil, err
	}
	return []any{
		d.ID, d.Kind, d.MerchantID, d.PaymentID, d.RefundID, string(d.Outcome), string(verdict), string(shadow), string(signals),
		d.Review, d.ReviewedBy, micros(d.ReviewedAt), micros(d.CreatedAt),
	}, nil
}

func scanDecision(r scanner) (*entrypay.RiskDecision, error) {
	var d entrypay.RiskDecision
	var verdict, shadow, signals string
	if err := r.Scan(&d.ID, &d.Kind, &d.MerchantID, &d.PaymentID, &d.RefundID, (*string)(&d.Outcome), &verdict, &shadow, &signals,
		&d.Review, &d.ReviewedBy, timeCol{&d.ReviewedAt}, timeCol{&d.CreatedAt}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(verdict), &d.Verdict); err != nil {
		return nil, fmt.Errorf("decision %s: verdict: %w", d.ID, err)
	}
	if shadow != "" {
		d.Shadow = new(entrypay.RiskVerdict)
		if err := json.Unmarshal([]byte(shadow), d.Shadow); err != nil {
			return nil, fmt.Errorf("decision %s: shadow: %w", d.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(signals), &d.Signals); err != nil {
		return nil, fmt.Errorf("decision %s: signals: %w", d.ID, err)
	}
	return &d, nil
}

// InsertRiskDecision records a decision.
func (t *tx) InsertRiskDecision(ctx context.Context, d *entrypay.RiskDecision) error {
	args, err := decisionArgs(d)
	if err == nil {
		err = t.mustInsert(ctx, insertDecisionSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: insert risk decision %s: %w", d.ID, err)
	}
	return nil
}

// RiskDecision returns one decision.
func (t *tx) RiskDecision(ctx context.Context, id string, forUpdate bool) (*entrypay.RiskDecision, error) {
	d, err := scanDecision(t.queryRow(ctx, selectDecisionSQL+" WHERE id = $1"+t.lock(forUpdate), id))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: risk decision %s: %w", id, notFound(err))
	}
	return d, nil
}

// RiskDecisions lists decisions, newest first.
func (t *tx) RiskDecisions(ctx context.Context, q entrypay.RiskDecisionQuery) ([]*entrypay.RiskDecision, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.MerchantID != "" {
		add("merchant_id = ?", q.MerchantID)
	}
	if q.PaymentID != "" {
		add("payment_id = ?", q.PaymentID)
	}
	if q.Outcome != "" {
		add("outcome = ?", string(q.Outcome))
	}
	if q.Review != "" {
		add("review = ?", q.Review)
	}
	if q.Shadowed {
		where = append(where, "shadow <> ''")
	}
	if !q.Since.IsZero() {
		add("created_at >= ?", micros(q.Since))
	}
	query := selectDecisionSQL
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY created_at DESC, id DESC"
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	out, err := queryAll(ctx, t, scanDecision, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: risk decisions: %w", err)
	}
	return out, nil
}

// UpdateRiskDecision records what happened to a held decision.
func (t *tx) UpdateRiskDecision(ctx context.Context, d *entrypay.RiskDecision) error {
	args, err := decisionArgs(d)
	if err == nil {
		err = t.update(ctx, updateDecisionSQL, args...)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: update risk decision %s: %w", d.ID, err)
	}
	return nil
}

// AddRiskCounts adds to the counters' buckets in one statement, creating them; the rows
// are locked in the order given.
func (t *tx) AddRiskCounts(ctx context.Context, counts []entrypay.RiskCount) error {
	if len(counts) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO risk_counters (key, span, start, count, amount, declined_count, declined_amount) VALUES ")
	args := make([]any, 0, 7*len(counts))
	for i, c := range counts {
		if i > 0 {
			b.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7)
		args = append(args, c.Key, c.Span, c.Start, c.Count, c.Amount, c.DeclinedCount, c.DeclinedAmount)
	}
	b.WriteString(` ON CONFLICT (key, span, start) DO UPDATE SET
		count = risk_counters.count + excluded.count, amount = risk_counters.amount + excluded.amount,
		declined_count = risk_counters.declined_count + excluded.declined_count,
		declined_amount = risk_counters.declined_amount + excluded.declined_amount`)
	if _, err := t.exec(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("sqlstore: add risk counts: %w", err)
	}
	return nil
}

// RiskCounts returns the keys' buckets of the spans in since that start at or after the
// time given for their span, and the keys' "all" rows.
func (t *tx) RiskCounts(ctx context.Context, keys []string, since map[string]int64) ([]entrypay.RiskCount, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(keys)+2*len(since))
	ph := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	spans := []string{"span = 'all'"}
	for _, span := range slices.Sorted(maps.Keys(since)) { // one SQL text, prepared once
		args = append(args, span, since[span])
		spans = append(spans, fmt.Sprintf("(span = $%d AND start >= $%d)", len(args)-1, len(args)))
	}
	query := "SELECT key, span, start, count, amount, declined_count, declined_amount FROM risk_counters WHERE key IN (" +
		strings.Join(ph, ", ") + ") AND (" + strings.Join(spans, " OR ") + ")"
	out, err := queryAll(ctx, t, func(r scanner) (*entrypay.RiskCount, error) {
		var c entrypay.RiskCount
		return &c, r.Scan(&c.Key, &c.Span, &c.Start, &c.Count, &c.Amount, &c.DeclinedCount, &c.DeclinedAmount)
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: risk counts: %w", err)
	}
	counts := make([]entrypay.RiskCount, len(out))
	for i, c := range out {
		counts[i] = *c
	}
	return counts, nil
}
