package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"time"

	"github.com/entrypay/entrypay"
)

// riskFile keeps the live risk rule set equal to a file the operator edits: the file is
// read at start and again whenever it changes. A file that does not compile is logged
// with the line at fault and changes nothing: the rules in force stay.
type riskFile struct {
	path string
	gw   *entrypay.Gateway
	log  *slog.Logger
	last [sha256.Size]byte
}

// sync stores the file as the live rule set if it changed since the last look and
// differs from the live set.
func (f *riskFile) sync(ctx context.Context) {
	data, err := os.ReadFile(f.path)
	if err != nil {
		f.log.ErrorContext(ctx, "risk rules file unreadable; the rules in force stay", "file", f.path, "err", err)
		return
	}
	sum := sha256.Sum256(data)
	if sum == f.last {
		return
	}
	f.last = sum
	live, _ := f.gw.RiskVersions()
	if cur, err := f.gw.RuleSet(ctx, live); err == nil && bytes.Equal([]byte(cur.Source), data) {
		return
	}
	rs, err := f.gw.SaveRuleSet(ctx, string(data), "from "+f.path, entrypay.RuleSetLive)
	if err != nil {
		f.log.ErrorContext(ctx, "risk rules file refused; the rules in force stay", "file", f.path, "err", entrypay.ErrorMessage(err), "live", live)
		return
	}
	f.log.InfoContext(ctx, "risk rules file loaded", "file", f.path, "version", rs.Version)
}

// watch looks at the file every interval until ctx ends.
func (f *riskFile) watch(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 2 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.sync(ctx)
		}
	}
}
