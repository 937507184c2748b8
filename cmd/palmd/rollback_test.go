package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/update"
)

// The end-to-end rollback tests run what `make run` runs: palmd built as
// a program, started from A/B slots by `palmctl boot` (the simulated
// bootloader and systemd), releases published with `devcloud release
// publish`. They watch the reader's state through its control endpoint
// and the events devcloud published, never logs.

// Timings small enough for make test: a release confirms after a second
// of health and gives up after trialLimit; a start that sends no
// WATCHDOG=1 for bootWatchdog is killed.
const (
	confirmAfter = time.Second
	trialLimit   = 5 * time.Second
	bootWatchdog = 2 * time.Second
)

var builds struct {
	mu   sync.Mutex
	bins map[string]string // by package
}

// buildOnce builds pkg once for the test binary.
func buildOnce(t *testing.T, pkg string) string {
	t.Helper()
	builds.mu.Lock()
	defer builds.mu.Unlock()
	if bin, ok := builds.bins[pkg]; ok {
		return bin
	}
	bin, err := buildPackage(pkg)
	if err != nil {
		t.Fatal(err)
	}
	if builds.bins == nil {
		builds.bins = map[string]string{}
	}
	builds.bins[pkg] = bin
	return bin
}

// buildPackage builds pkg into a temporary directory.
func buildPackage(pkg string) (string, error) {
	dir, err := os.MkdirTemp("", "palmd-release")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", pkg, err)
	}
	bin := filepath.Join(dir, filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", pkg, err, out)
	}
	return bin, nil
}

// bootedReader is a reader run by palmctl boot from its slots, and its
// service.
type bootedReader struct {
	t       *testing.T
	dc      *devcloud
	cfg     string
	control string
	slots   update.Dir
	boot    *exec.Cmd
	exited  chan struct{}
	dir     string
}

// newBootedReader activates a reader whose slots start with this
// package's palmd (0.1.0) and runs it under palmctl boot.
func newBootedReader(t *testing.T) *bootedReader {
	dc := startDevcloud(t)
	_, code := dc.door(t)
	dir := t.TempDir()
	r := &bootedReader{t: t, dc: dc, dir: dir, slots: update.Dir{Root: filepath.Join(dir, "slots")}}
	r.cfg, r.control = writeConfig(t, dc.serviceSection(fmt.Sprintf("release_key = %q\nslots = %q\nconfirm_after = %q\ntrial_limit = %q\n",
		filepath.Join(dc.dir, "release.pub"), r.slots.Root, confirmAfter, trialLimit)))
	r.start()
	t.Cleanup(r.stop)
	r.view().activate(code)
	return r
}

// start runs palmctl boot, as make run does, until stop (at the latest
// when the test that made the reader ends).
func (r *bootedReader) start() {
	r.t.Helper()
	cmd := exec.Command(buildOnce(r.t, "../palmctl"), "boot", "--slots", r.slots.Root, "--init", palmdBinary(r.t),
		"--watchdog", bootWatchdog.String(), "--restart-delay", "100ms", "--", "-config", r.cfg)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET=")
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.boot, r.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(r.exited) }() // waited for by stop
}

// stop ends palmctl boot as systemd stops a service: SIGTERM, which
// stops palmd, then SIGKILL after a grace.
func (r *bootedReader) stop() {
	if r.boot == nil {
		return
	}
	_ = r.boot.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(15 * time.Second):
		_ = r.boot.Process.Kill()
		<-r.exited
	}
	r.boot = nil
}

func (r *bootedReader) view() *palmd {
	return &palmd{t: r.t, control: r.control, logs: &syncBuffer{}}
}

// publish publishes program as version with devcloud's command line.
func (r *bootedReader) publish(program, version string) time.Time {
	r.t.Helper()
	r.dc.cli(nil, "release", "publish", program, "--version", version)
	return time.Now()
}

// script writes a release that is a shell script.
func (r *bootedReader) script(name, body string) string {
	r.t.Helper()
	path := filepath.Join(r.dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		r.t.Fatal(err)
	}
	return path
}

// waitSoftware waits until the reader serves a state whose software is
// slot (confirmed, trying, rolled-back) at version, with failed as the
// release rolled back, for up to a minute.
func (r *bootedReader) waitSoftware(slot update.Status, version, failed string) appliance.Status {
	r.t.Helper()
	want := appliance.SoftwareStatus{Slot: string(slot), Version: version, Failed: failed}
	var st appliance.Status
	var err error
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st, err = r.view().state(); err == nil && st.Software == want {
			return st
		}
	}
	r.t.Fatalf("waiting for software %+v: last state %+v (%v)", want, st, err)
	return st
}

// updateEvent is a software update event devcloud published.
type updateEvent struct {
	Type             string
	Version, Running string
}

// updates lists the software update events devcloud published so far.
func (r *bootedReader) updates() []updateEvent {
	var out []updateEvent
	for _, ev := range r.dc.published() {
		typ, _ := ev["detail-type"].(string)
		if !strings.HasPrefix(typ, "Software Update ") {
			continue
		}
		detail, _ := ev["detail"].(map[string]any)
		data, _ := detail["data"].(map[string]any)
		v, _ := data["version"].(string)
		running, _ := data["running"].(string)
		out = append(out, updateEvent{typ, v, running})
	}
	return out
}

// waitEvent waits until devcloud has published want, and returns when.
func (r *bootedReader) waitEvent(want updateEvent) time.Time {
	r.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if slices.Contains(r.updates(), want) {
			return time.Now()
		}
	}
	r.t.Fatalf("devcloud never published %+v; it published %+v", want, r.updates())
	return time.Time{}
}

// expectRollback waits for the reader to run 0.1.0 again with version
// rolled back, and for devcloud to have published its installation and
// its rollback exactly once each.
func (r *bootedReader) expectRollback(version string) time.Time {
	r.t.Helper()
	st := r.waitSoftware(update.StatusRolledBack, version0, version)
	if slices.Contains(st.Health.Failing, appliance.CheckSoftwareSlot) {
		r.t.Errorf("after the rollback of %s the software-slot check fails: %+v", version, st.Health)
	}
	at := r.waitEvent(updateEvent{api.EventUpdateRolledBack, version, version0})
	evs := r.updates()
	for _, want := range []updateEvent{{api.EventUpdateInstalling, version, version0}, {api.EventUpdateRolledBack, version, version0}} {
		if n := countUpdates(evs, want); n != 1 {
			r.t.Errorf("%+v published %d times: %+v", want, n, evs)
		}
	}
	if slices.ContainsFunc(evs, func(e updateEvent) bool { return e.Type == api.EventUpdateConfirmed && e.Version == version }) {
		r.t.Errorf("%s was confirmed: %+v", version, evs)
	}
	if s, err := r.slots.State(); err != nil || s.Status != update.StatusRolledBack || s.Failed != version || s.Version != version0 {
		r.t.Errorf("slots after the rollback of %s: %+v, %v", version, s, err)
	}
	return at
}

// version0 is the version of this package's palmd, the first good slot.
const version0 = "0.1.0"

func countUpdates(evs []updateEvent, want updateEvent) (n int) {
	for _, e := range evs {
		if e == want {
			n++
		}
	}
	return n
}

// TestRollbackEndToEnd: one reader, as in make run, is given releases
// that fail in each way a release fails (it exits at start, it hangs and
// its watchdog expires, one of its health checks fails through its
// trial, it never reaches its service so it never confirms); each is
// tried and rolled back by the reader alone, which reports it. Then a
// good release is confirmed and still runs after the reader restarts.
func TestRollbackEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds palmctl and runs a minute of releases")
	}
	start := time.Now()
	r := newBootedReader(t)
	if st := r.waitSoftware(update.StatusConfirmed, version0, ""); slices.Contains(st.Health.Failing, appliance.CheckSoftwareSlot) {
		t.Fatalf("a confirmed slot fails its check: %+v", st.Health)
	}
	t.Logf("activated under palmctl boot in %v", time.Since(start).Round(100*time.Millisecond))

	t.Run("exits at start", func(t *testing.T) {
		r.t = t
		published := r.publish(r.script("exit", "exit 1"), "0.2.0")
		at := r.expectRollback("0.2.0")
		t.Logf("published to Rolled Back: %v", at.Sub(published).Round(10*time.Millisecond))
	})
	t.Run("hangs", func(t *testing.T) {
		r.t = t
		published := r.publish(r.script("hang", "exec sleep 600"), "0.3.0")
		at := r.expectRollback("0.3.0")
		t.Logf("published to Rolled Back: %v", at.Sub(published).Round(10*time.Millisecond))
	})
	// The releases that run are scripts that start this palmd (0.1.0),
	// published as another version: the slots, the trial and the reports
	// go by the slot's version, and building palmd once more would cost
	// 8 s of make test. The two that fail start it on another
	// configuration: what fails them is what they meet.
	t.Run("fails a health check", func(t *testing.T) {
		r.t = t
		// The release runs and feeds its watchdog, but its camera never
		// delivers a frame.
		cfg := r.variantConfig("no-camera", "[simulate]", "[simulate]\ncamera_unplugged = true")
		published := r.publish(r.script("no-camera", fmt.Sprintf("exec %q -config %q", palmdBinary(t), cfg)), "0.4.0")
		st := r.view().waitState("the camera check failing on trial", func(s appliance.Status) bool {
			return s.Software.Version == "0.4.0" && slices.Contains(s.Health.Failing, appliance.CheckCamera) ||
				s.Software.Failed == "0.4.0" || s.Software.Slot == string(update.StatusConfirmed)
		})
		if st.Software != (appliance.SoftwareStatus{Slot: string(update.StatusTrying), Version: "0.4.0"}) ||
			!slices.Contains(st.Health.Failing, appliance.CheckSoftwareSlot) || !slices.Contains(st.Health.Failing, appliance.CheckCamera) {
			t.Fatalf("on trial without a camera: %+v", st)
		}
		at := r.expectRollback("0.4.0")
		t.Logf("published to Rolled Back: %v", at.Sub(published).Round(10*time.Millisecond))
	})
	t.Run("never confirms", func(t *testing.T) {
		r.t = t
		// The release runs and feeds its watchdog but cannot reach its
		// service (another URL, nothing there), so its trial never passes.
		cfg := r.variantConfig("dead-service", r.dc.url, "https://"+freeAddr(t))
		published := r.publish(r.script("unreachable", fmt.Sprintf("exec %q -config %q", palmdBinary(t), cfg)), "0.5.0")
		st := r.waitSoftware(update.StatusTrying, "0.5.0", "")
		if !slices.Contains(st.Health.Failing, appliance.CheckSoftwareSlot) {
			t.Fatalf("on trial: %+v", st.Health)
		}
		at := r.expectRollback("0.5.0")
		t.Logf("published to Rolled Back: %v", at.Sub(published).Round(10*time.Millisecond))
	})
	t.Run("good release kept", func(t *testing.T) {
		r.t = t
		r.publish(r.script("good", fmt.Sprintf("exec %q \"$@\"", palmdBinary(t))), "0.6.0")
		r.waitSoftware(update.StatusTrying, "0.6.0", "")
		st := r.waitSoftware(update.StatusConfirmed, "0.6.0", "")
		if slices.Contains(st.Health.Failing, appliance.CheckSoftwareSlot) {
			t.Fatalf("confirmed, the software-slot check fails: %+v", st.Health)
		}
		r.waitEvent(updateEvent{api.EventUpdateConfirmed, "0.6.0", "0.6.0"})
		r.stop() // the reader restarts: the bootloader must start 0.6.0 again
		r.start()
		r.waitSoftware(update.StatusConfirmed, "0.6.0", "")
		r.view().waitState("entry after the restart", func(s appliance.Status) bool {
			return s.Phase == appliance.PhaseActive && s.Screen.Name == appliance.ScreenIdle
		})
		if s, err := r.slots.State(); err != nil || s.Status != update.StatusConfirmed || s.Version != "0.6.0" {
			t.Fatalf("slots after the restart: %+v, %v", s, err)
		}
		evs := r.updates()
		if n := countUpdates(evs, updateEvent{api.EventUpdateConfirmed, "0.6.0", "0.6.0"}); n != 1 {
			t.Fatalf("Confirmed published %d times: %+v", n, evs)
		}
	})
	t.Logf("whole test: %v", time.Since(start).Round(100*time.Millisecond))
}

// variantConfig is the reader's configuration with old replaced by new.
func (r *bootedReader) variantConfig(name, old, new string) string {
	r.t.Helper()
	b := mustRead(r.t, r.cfg)
	if !strings.Contains(string(b), old) {
		r.t.Fatalf("the configuration has no %q", old)
	}
	path := filepath.Join(r.dir, name+".toml")
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o600); err != nil {
		r.t.Fatal(err)
	}
	return path
}

// TestRollbackTime measures how long a broken release (one that exits at
// start) takes from `devcloud release publish` to devcloud publishing
// the reader's Software Update Rolled Back, over PALMD_ROLLBACK_RUNS
// releases to one reader (make bench: 20), and prints the median and
// the p99. It includes the wait for the reader's next sync round (every
// 5 s), three starts of the release and the report. Skipped unless the
// variable is set.
func TestRollbackTime(t *testing.T) {
	runs, err := strconv.Atoi(os.Getenv("PALMD_ROLLBACK_RUNS"))
	if err != nil || runs < 1 {
		t.Skip("PALMD_ROLLBACK_RUNS sets the number of broken releases (make bench)")
	}
	r := newBootedReader(t)
	took := make([]time.Duration, 0, runs)
	for i := range runs {
		version := fmt.Sprintf("0.2.%d", i)
		// Other bytes each time: a reader does not install the bytes it
		// installed last again.
		published := r.publish(r.script("exit-"+version, "exit 1 # "+version), version)
		at := r.expectRollback(version)
		took = append(took, at.Sub(published))
	}
	slices.Sort(took)
	median, p99 := took[len(took)/2], took[min(len(took)-1, len(took)*99/100)]
	if median <= 0 || p99 < median {
		t.Fatalf("times %v", took)
	}
	t.Logf("rollback: %d broken releases, publish to Rolled Back median %v, p99 %v (min %v, max %v)", runs,
		median.Round(10*time.Millisecond), p99.Round(10*time.Millisecond), took[0].Round(10*time.Millisecond), took[len(took)-1].Round(10*time.Millisecond))
}
