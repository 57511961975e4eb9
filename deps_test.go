package entrypay_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestDomainDependencies keeps the root package free of adapters: no database, no HTTP,
// nothing under internal/. Its only third-party import is the ISO 4217 data.
func TestDomainDependencies(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"github.com/bojanz/currency": true}
	for _, imp := range pkg.Imports {
		switch {
		case allowed[imp]:
		case strings.Contains(imp, "."):
			t.Errorf("domain package imports %s: only the standard library (and ISO 4217 data) belongs here", imp)
		case imp == "database/sql" || imp == "net" || strings.HasPrefix(imp, "net/http"):
			t.Errorf("domain package imports %s: that is an adapter's business", imp)
		}
	}
}
