package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/release"
	"github.com/palmd/palmd/firmware/sdnotify"
	"github.com/palmd/palmd/firmware/update"
)

// TestBootChild is a palmd as the supervisor sees it, run from a slot by
// a script that re-executes this test binary. PALMCTL_BOOT_CHILD says how
// it behaves: "good" feeds the watchdog and confirms its slot, "exit"
// dies at start, "hang" never feeds the watchdog, "unconfirmed" feeds
// the watchdog and never confirms. Every start is logged
// as "VERSION PID" in PALMCTL_BOOT_LOG.
func TestBootChild(t *testing.T) {
	mode, version := os.Getenv("PALMCTL_BOOT_CHILD"), os.Getenv("PALMCTL_BOOT_VERSION")
	if mode == "" {
		t.Skip("run from a slot by the boot tests")
	}
	if slices.Contains(os.Args, "-version") {
		fmt.Println("palmd", version)
		os.Exit(0)
	}
	f, err := os.OpenFile(os.Getenv("PALMCTL_BOOT_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		os.Exit(3)
	}
	fmt.Fprintln(f, version, os.Getpid())
	f.Close()
	switch mode {
	case "exit":
		os.Exit(1)
	case "hang":
		select {}
	}
	n := sdnotify.FromEnv()
	for i := 0; ; i++ {
		_ = n.Feed()
		if i == 4 && mode == "good" {
			_ = update.Dir{Root: os.Getenv("PALMCTL_BOOT_SLOTS")}.Confirm()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// bootRig is a slots directory, the scripts that stand for releases and
// the log of their starts.
type bootRig struct {
	t   *testing.T
	d   update.Dir
	dir string
	log string
}

func newBootRig(t *testing.T) *bootRig {
	dir := t.TempDir()
	r := &bootRig{t: t, d: update.Dir{Root: filepath.Join(dir, "slots")}, dir: dir, log: filepath.Join(dir, "starts")}
	if err := initSlots(context.Background(), r.d, r.script("good", "1.0.0")); err != nil {
		t.Fatal(err)
	}
	return r
}

// script writes a release: this test binary as TestBootChild in mode.
func (r *bootRig) script(mode, version string) string {
	r.t.Helper()
	path := filepath.Join(r.dir, mode+"-"+version)
	body := fmt.Sprintf("#!/bin/sh\nPALMCTL_BOOT_CHILD=%s PALMCTL_BOOT_VERSION=%s PALMCTL_BOOT_LOG=%q PALMCTL_BOOT_SLOTS=%q exec %q -test.run='^TestBootChild$' -- \"$@\"\n",
		mode, version, r.log, r.d.Root, os.Args[0])
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		r.t.Fatal(err)
	}
	return path
}

func (r *bootRig) install(mode, version string) {
	r.t.Helper()
	path := r.script(mode, version)
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	m := release.Manifest{Product: release.Product, Version: version, Arch: "amd64", Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	if err := r.d.Install(path, m); err != nil {
		r.t.Fatal(err)
	}
}

// boot runs the supervisor until the test ends.
func (r *bootRig) boot(watchdog, trialLimit time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	sup := &supervisor{slots: r.d, watchdog: watchdog, delay: 10 * time.Millisecond, trialLimit: trialLimit, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.DiscardHandler)}
	go func() { done <- sup.run(ctx) }()
	r.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			r.t.Errorf("supervisor: %v", err)
		}
	})
}

// starts lists the starts so far as "VERSION PID".
func (r *bootRig) starts() []string {
	b, _ := os.ReadFile(r.log)
	return strings.Fields(strings.ReplaceAll(string(b), " ", "@"))
}

// waitStarts waits until ok holds of the starts.
func (r *bootRig) waitStarts(what string, ok func([]string) bool) []string {
	r.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s := r.starts(); ok(s) {
			return s
		}
	}
	r.t.Fatalf("waiting for %s: starts %v", what, r.starts())
	return nil
}

func versions(starts []string) []string {
	v := make([]string, len(starts))
	for i, s := range starts {
		v[i], _, _ = strings.Cut(s, "@")
	}
	return v
}

// TestBootRollsBack: a release that dies at start, or never feeds the
// watchdog, is started as many times as it has tries, then the good one
// runs again and the slots say which release was rolled back.
func TestBootRollsBack(t *testing.T) {
	for _, mode := range []string{"exit", "hang"} {
		t.Run(mode, func(t *testing.T) {
			r := newBootRig(t)
			r.install(mode, "2.0.0")
			start := time.Now()
			r.boot(2*time.Second, 0) // the test binary may take a while to start on a loaded machine
			got := versions(r.waitStarts("the good release again", func(s []string) bool {
				v := versions(s)
				return len(v) > 0 && v[len(v)-1] == "1.0.0"
			}))
			want := slices.Repeat([]string{"2.0.0"}, update.DefaultTries)
			if !slices.Equal(got, append(want, "1.0.0")) {
				t.Fatalf("starts %v, want %d of 2.0.0 then 1.0.0", got, update.DefaultTries)
			}
			st, err := r.d.State()
			if err != nil || st.Status != update.StatusRolledBack || st.Failed != "2.0.0" || st.Version != "1.0.0" {
				t.Fatalf("state %+v, %v", st, err)
			}
			t.Logf("%s: rolled back after %d starts in %v", mode, update.DefaultTries, time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// TestBootKeepsAConfirmedRelease: a release that feeds the watchdog is
// left running beyond the watchdog's time and the trial limit, confirms
// itself, and is the one started again after it crashes.
func TestBootKeepsAConfirmedRelease(t *testing.T) {
	r := newBootRig(t)
	r.install("good", "2.0.0")
	r.boot(2*time.Second, 4*time.Second) // the trial limit passes during the sleep below: confirmed, it is left alone
	first := r.waitStarts("the new release", func(s []string) bool { return len(s) == 1 })
	if versions(first)[0] != "2.0.0" {
		t.Fatalf("started %v", first)
	}
	time.Sleep(5 * time.Second) // two watchdog periods and more, fed
	if s := r.starts(); len(s) != 1 {
		t.Fatalf("a fed release was restarted: %v", s)
	}
	if st, err := r.d.State(); err != nil || st.Status != update.StatusConfirmed || st.Version != "2.0.0" {
		t.Fatalf("state %+v, %v", st, err)
	}
	_, pid, _ := strings.Cut(first[0], "@")
	n, _ := strconv.Atoi(pid)
	if err := syscall.Kill(n, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	again := r.waitStarts("a start after the crash", func(s []string) bool { return len(s) == 2 })
	if v := versions(again); v[1] != "2.0.0" {
		t.Fatalf("after a crash of a confirmed release: %v", v)
	}
}

// TestBootRejectsAReleaseThatNeverConfirms: a release that feeds the
// watchdog but never confirms its slot (its trial is broken, or it has
// none) is rejected and stopped at the trial limit, and the good release
// runs again, once: the rejection uses every try.
func TestBootRejectsAReleaseThatNeverConfirms(t *testing.T) {
	r := newBootRig(t)
	r.install("unconfirmed", "2.0.0")
	start := time.Now()
	r.boot(5*time.Second, 2*time.Second) // the limit comes first, however slowly the test binary starts
	got := versions(r.waitStarts("the good release again", func(s []string) bool {
		v := versions(s)
		return len(v) > 0 && v[len(v)-1] == "1.0.0"
	}))
	if took := time.Since(start); !slices.Equal(got, []string{"2.0.0", "1.0.0"}) || took < 2*time.Second {
		t.Fatalf("starts %v after %v, want 2.0.0 stopped at the 2 s limit, then 1.0.0", got, took)
	}
	st, err := r.d.State()
	if err != nil || st.Status != update.StatusRolledBack || st.Failed != "2.0.0" || st.Version != "1.0.0" {
		t.Fatalf("state %+v, %v", st, err)
	}
}
