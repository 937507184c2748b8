package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/palmd/palmd/firmware/update"
)

// runBoot is a bootloader and systemd in one, for simulation: it picks
// the slot to start from an A/B pair (update.Dir, counting the tries of a
// release on trial), runs that slot's palmd with the arguments given,
// starts it again whenever it exits, and kills it when it stops feeding
// the watchdog, as systemd's WatchdogSec would. Every start is a boot:
// a release on trial that dies or hangs uses one of its tries.
func runBoot(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("boot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	slots := fs.String("slots", "", "directory of the A/B slots (required)")
	initFrom := fs.String("init", "", "program to make the good slot (its version from PROGRAM -version) when the directory is empty or PROGRAM is not the one --init last gave: a fresh build runs, releases installed since the same build keep running")
	tries := fs.Int("tries", update.DefaultTries, "starts a release on trial gets before the bootloader goes back")
	watchdog := fs.Duration("watchdog", 10*time.Second, "WATCHDOG_USEC given to palmd: a start silent for this long is killed")
	delay := fs.Duration("restart-delay", time.Second, "pause before starting again (systemd's RestartSec)")
	trial := fs.Duration("trial-limit", 10*time.Minute, "a release on trial still not confirmed after this long is rejected and stopped (0: never); longer than palmd's own [service] trial_limit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: palmctl boot --slots DIR [--init PROGRAM] [flags] [-- PALMD ARGS...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *slots == "" || *tries < 1 || *watchdog <= 0 || *trial < 0 {
		fs.Usage()
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil)).With("part", "boot")
	d := update.Dir{Root: *slots, Tries: *tries}
	if *initFrom != "" {
		if err := initSlots(ctx, d, *initFrom); err != nil {
			fmt.Fprintln(stderr, "palmctl boot:", err)
			return 1
		}
	}
	sup := &supervisor{slots: d, args: fs.Args(), watchdog: *watchdog, delay: *delay, trialLimit: *trial, stdout: stdout, stderr: stderr, log: log}
	if err := sup.run(ctx); err != nil {
		fmt.Fprintln(stderr, "palmctl boot:", err)
		return 1
	}
	return 0
}

// initSlots adopts program as the good slot (update.Dir.Adopt): in an
// empty directory, or when it is another build than the one last given;
// its version is what it says with -version ("palmd 0.1.0").
func initSlots(ctx context.Context, d update.Dir, program string) error {
	// palmd says its version on stderr, where its log goes.
	out, err := exec.CommandContext(ctx, program, "-version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("init: %s -version: %w", program, err)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return fmt.Errorf("init: %s -version said nothing", program)
	}
	if _, err := d.Adopt(program, f[len(f)-1]); err != nil {
		return fmt.Errorf("init: %w", err)
	}
	return nil
}

// supervisor starts the slot the bootloader picks, again and again.
type supervisor struct {
	slots    update.Dir
	args     []string
	watchdog time.Duration
	delay    time.Duration
	// trialLimit bounds a start of a release on trial that never
	// confirms its slot (nor fails): palmd gives up by itself after its
	// own trial_limit, but a release whose trial is broken, or that has
	// none, would otherwise run unconfirmed for good. Zero: no bound.
	trialLimit     time.Duration
	stdout, stderr io.Writer
	log            *slog.Logger
}

// run boots until ctx ends; it returns an error only when nothing can be
// started.
func (s *supervisor) run(ctx context.Context) error {
	sock, err := listenNotify()
	if err != nil {
		return err
	}
	defer sock.close()
	for {
		slot, err := s.slots.Boot()
		if err != nil {
			return err
		}
		st, err := s.slots.State()
		if err == nil && st.Status == update.StatusRolledBack {
			s.log.Warn("rolled back", "failed", st.Failed, "running", st.Version)
		}
		trying := err == nil && st.Status == update.StatusTrying
		s.log.Info("starting", "slot", slot.Name, "version", slot.Version)
		why := s.once(ctx, slot, sock, trying)
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("stopped", "slot", slot.Name, "version", slot.Version, "why", why)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.delay):
		}
	}
}

// once runs one start of slot until it exits, its watchdog expires, it
// stays on trial past the trial limit or ctx ends, and says how it ended.
func (s *supervisor) once(ctx context.Context, slot update.Slot, sock *notifySocket, trying bool) string {
	sock.drain()
	cmd := exec.Command(slot.Program, s.args...)
	cmd.Env = append(withoutNotify(os.Environ()), "NOTIFY_SOCKET="+sock.path,
		fmt.Sprintf("WATCHDOG_USEC=%d", s.watchdog.Microseconds()))
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Sprintf("did not start: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }() // waited for on every path below
	pid := cmd.Process.Pid
	dog := time.NewTimer(s.watchdog)
	defer dog.Stop()
	var limit <-chan time.Time
	if trying && s.trialLimit > 0 {
		t := time.NewTimer(s.trialLimit)
		defer t.Stop()
		limit = t.C
	}
	for {
		select {
		case err := <-exited:
			return exitReason(err)
		case m := <-sock.msgs:
			if m.pid != 0 && m.pid != pid {
				continue // a message from an earlier start, late
			}
			if hasState(m.text, "WATCHDOG=1") || hasState(m.text, "READY=1") {
				dog.Reset(s.watchdog)
			}
		case <-dog.C:
			// systemd's WatchdogSignal is SIGABRT: Go dumps its goroutines,
			// which says where it hung.
			stopChild(cmd, exited, syscall.SIGABRT, 2*time.Second)
			return fmt.Sprintf("watchdog: no WATCHDOG=1 for %v", s.watchdog)
		case <-limit:
			limit = nil
			if st, err := s.slots.State(); err != nil || st.Status != update.StatusTrying {
				continue // confirmed (or the record is unreadable: the next boot says)
			}
			if err := s.slots.Reject(); err != nil {
				s.log.Error("rejecting a release that did not confirm", "slot", slot.Name, "err", err)
			}
			stopChild(cmd, exited, syscall.SIGTERM, 10*time.Second)
			return fmt.Sprintf("not confirmed within %v", s.trialLimit)
		case <-ctx.Done():
			stopChild(cmd, exited, syscall.SIGTERM, 10*time.Second)
			return "stopped"
		}
	}
}

// stopChild signals the child, waits up to grace, then kills it (as
// systemd's TimeoutStopSec); it returns once the child is gone.
func stopChild(cmd *exec.Cmd, exited <-chan error, sig os.Signal, grace time.Duration) {
	_ = cmd.Process.Signal(sig)
	select {
	case <-exited:
		return
	case <-time.After(grace):
	}
	_ = cmd.Process.Kill()
	<-exited
}

func exitReason(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exited 0"
	case errors.As(err, &ee):
		return "exited: " + ee.ProcessState.String()
	}
	return err.Error()
}

func hasState(text, state string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == state {
			return true
		}
	}
	return false
}

// withoutNotify drops the supervisor's own systemd variables: the child
// gets the ones this supervisor answers.
func withoutNotify(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NOTIFY_SOCKET=") && !strings.HasPrefix(kv, "WATCHDOG_") {
			out = append(out, kv)
		}
	}
	return out
}
