package risk_test

import (
	"testing"

	"github.com/entrypay/entrypay/internal/risk"
)

// BenchmarkEvaluate is the built-in rule set, with lists and limits set, on an ordinary
// payment: the cost the gateway pays inside every payment's transaction.
func BenchmarkEvaluate(b *testing.B) {
	rules := compile(b, configured(b))
	s := payment()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rules.Evaluate(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompile is the cost of an upload or a hot reload of the built-in rule set.
func BenchmarkCompile(b *testing.B) {
	source := risk.DefaultRules()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.Compile(source, 1); err != nil {
			b.Fatal(err)
		}
	}
}
