package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entrypay/entrypay/internal/risk"
	"github.com/entrypay/entrypay/internal/testdb"
)

// TestRiskRulesFile runs serve with a rules file and edits it while it runs: a good edit
// becomes the live rule set within the reload interval, a broken one is refused and the
// rules in force stay.
func TestRiskRulesFile(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	file := filepath.Join(t.TempDir(), "rules.yaml")
	write := func(src string) {
		t.Helper()
		// Write and rename, as an editor does, so the server never reads half a file.
		tmp := file + ".tmp"
		if err := os.WriteFile(tmp, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	blocking := func(ip string) string {
		return strings.Replace(risk.DefaultRules(), "blocked_ips: []", `blocked_ips: ["`+ip+`"]`, 1)
	}
	write(blocking("203.0.113.7"))
	s := startServe(t, append(fastServeArgs(dsn), "--risk-rules", file, "--risk-reload", "50ms", "--admin-token", "tok")...)
	live := func() (int64, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.url+"/admin/api/v1/risk/rulesets", nil)
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var out struct {
			Live     int64 `json:"live"`
			RuleSets []struct {
				Version int64  `json:"version"`
				Source  string `json:"source"`
			} `json:"ruleSets"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatalf("rulesets: %s", body)
		}
		for _, rs := range out.RuleSets {
			if rs.Version == out.Live {
				return out.Live, rs.Source
			}
		}
		return out.Live, ""
	}
	waitFor := func(version int64) string {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			v, src := live()
			if v == version {
				return src
			}
			if time.Now().After(deadline) {
				t.Fatalf("live rule set is %d, want %d", v, version)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// Version 1 is the built-in set the empty database got; the file is version 2.
	if src := waitFor(2); !strings.Contains(src, "203.0.113.7") {
		t.Fatalf("live source is not the file:\n%s", src)
	}

	write(strings.Replace(blocking("203.0.113.8"), "velocity.ip.count_10m", "velocity.ip.count_5m", 1))
	time.Sleep(300 * time.Millisecond) // six reload intervals
	if v, src := live(); v != 2 || !strings.Contains(src, "203.0.113.7") {
		t.Fatalf("a broken file replaced the rules: live %d", v)
	}

	write(blocking("203.0.113.9"))
	if src := waitFor(3); !strings.Contains(src, "203.0.113.9") {
		t.Fatalf("live source after the edit:\n%s", src)
	}
}
