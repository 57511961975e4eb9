package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSQLiteDiskFull fills the disk under the gateway's SQLite database (a small tmpfs)
// under load, keeps it full for a while, then frees it: while full, calls that must write
// fail with U and a clear log line, and nothing half-written is left; once freed, every
// payment ends, is notified, booked once and reconciled.
func TestSQLiteDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault tests run under load for half a minute per store")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=48m"); err != nil {
		if os.Getenv("ENTRYPAY_REQUIRE_TMPFS") != "" {
			t.Fatalf("mount a tmpfs for the disk-full test: %v (ENTRYPAY_REQUIRE_TMPFS is set)", err)
		}
		t.Skipf("the disk-full test mounts a tmpfs, which needs root: %v", err)
	}
	t.Cleanup(func() {
		// A process that has just exited may hold the file system for a moment longer.
		var err error
		for range 50 {
			if err = syscall.Unmount(dir, 0); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		fds, _ := filepath.Glob("/proc/self/fd/*")
		for _, fd := range fds {
			if l, _ := os.Readlink(fd); strings.HasPrefix(l, dir) {
				t.Logf("still open: %s", l)
			}
		}
		t.Errorf("unmount %s: %v", dir, err)
		_ = syscall.Unmount(dir, syscall.MNT_DETACH)
	})
	r := newRig(t, "sqlite", "sqlite:"+filepath.Join(dir, "entrypay.db"))
	filler := filepath.Join(dir, "filler")
	var before map[string]int
	var during map[string]int
	underLoad(t, r, func() {
		time.Sleep(time.Second)
		fillDisk(t, filler)
		before = r.answersCopy()
		// Full for 3 s, and until a few calls have met it.
		time.Sleep(3 * time.Second)
		for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			during = r.answersCopy()
			if during["U/UNKNOWN_EXCEPTION"]-before["U/UNKNOWN_EXCEPTION"] >= 3 || time.Since(start) > time.Minute {
				break
			}
		}
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	})
	failed := during["U/UNKNOWN_EXCEPTION"] - before["U/UNKNOWN_EXCEPTION"]
	if failed == 0 {
		t.Errorf("no call failed while the disk was full: the fault did not happen (answers before %v, during %v)", before, during)
	}
	if log := r.gw.logText(); !strings.Contains(log, "database or disk is full") {
		t.Errorf("the gateway's log does not say the disk is full:\n%s", lastBytes(log, 4<<10))
	}
	t.Logf("%d calls answered U while the disk was full", failed)
}

// fillDisk writes file until the file system has no space left.
func fillDisk(t *testing.T, file string) {
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<16)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			return
		}
	}
}
