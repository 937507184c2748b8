package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/sdnotify/sdnotifytest"
)

// TestRunOnSimulatedHardware: palmd tells systemd it is ready, plays the
// simulated hardware (the tamper switch becomes an alarm on the screen),
// stops on a cancel and says so, and leaves no goroutine behind.
func TestRunOnSimulatedHardware(t *testing.T) {
	baseline := runtime.NumGoroutine()
	cfg, control := writeConfig(t, "")
	notify := sdnotifytest.Listen(t)
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := run(ctx, []string{"-config", cfg}, logs)
		done <- err
	}()
	if got := notify.Next(t, 15*time.Second); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	p := &palmd{t: t, control: control, logs: logs}
	st := p.waitState("first boot", func(s appliance.Status) bool { return true })
	if st.Phase != appliance.PhaseSetup || st.Screen.Name != appliance.ScreenSetup {
		t.Fatalf("a new reader starts at %+v", st)
	}
	p.post("/pins/TAMPER", "application/json", []byte(`{"level":"high"}`))
	st = p.waitState("the tamper alarm", func(s appliance.Status) bool { return s.Tamper })
	if st.Screen.Name != appliance.ScreenTamper || st.Health.Status != "CRITICAL" {
		t.Fatalf("case open: %+v", st)
	}

	cancel() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("palmd did not stop")
	}
	if got := notify.Next(t, 10*time.Second); got != "STOPPING=1" {
		t.Fatalf("last notification %q, want STOPPING=1", got)
	}
	// Idle HTTP connections of this test's client are not palmd's.
	http.DefaultClient.CloseIdleConnections()
	var after int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if after = runtime.NumGoroutine(); after <= baseline {
			return
		}
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines after palmd stopped, %d before:\n%s", after, baseline, buf[:runtime.Stack(buf, true)])
}

func TestSecondDaemonOnSameStateFails(t *testing.T) {
	cfg, control := writeConfig(t, "")
	startPalmd(t, cfg, control)
	// The lock on the state file must be what stops it, not the busy port.
	_, _, err := run(context.Background(), []string{"-config", cfg}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("second palmd on the same state directory: %v, want a store lock error", err)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[device]\nnmae = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(context.Background(), []string{"-config", path}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "device.nmae") {
		t.Fatalf("got %v, want an error naming device.nmae", err)
	}
}

// TestCheck: -check validates the file and stops there: the shipped
// field configuration names GPIO lines and a camera this machine lacks.
func TestCheck(t *testing.T) {
	var out bytes.Buffer
	if _, _, err := run(context.Background(), []string{"-check", "-config", "../../configs/palmd.toml"}, &out); err != nil || !strings.Contains(out.String(), "valid (backend real)") {
		t.Fatalf("-check: %q %v", out.String(), err)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(bad, []byte("[device]\nnmae = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if _, _, err := run(context.Background(), []string{"-check", "-config", bad}, &out); err == nil || !strings.Contains(err.Error(), "device.nmae") {
		t.Fatalf("-check of a bad file: %q %v", out.String(), err)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if _, _, err := run(context.Background(), []string{"-version"}, &out); err != nil || out.String() != "palmd "+version+"\n" {
		t.Fatalf("-version: %q %v", out.String(), err)
	}
}

// TestCameraUnpluggedAndBack: a camera that stops delivering fails the
// camera check and shows on the screen; plugged back, it is reopened and
// both clear.
func TestCameraUnpluggedAndBack(t *testing.T) {
	cfg, control := writeConfig(t, "")
	p := startPalmd(t, cfg, control)
	p.firstBoot()
	p.waitState("scanning with frames", func(s appliance.Status) bool { return s.Camera && s.Screen.Name == appliance.ScreenScanCode })
	p.post("/camera/unplug", "application/json", nil)
	st := p.waitState("the camera check failing", func(s appliance.Status) bool { return !s.Camera })
	if st.Health.Status != "CRITICAL" || st.Screen.Name != appliance.ScreenCameraFault {
		t.Fatalf("unplugged: %+v", st)
	}
	p.post("/camera/plug", "application/json", nil)
	st = p.waitState("the camera back", func(s appliance.Status) bool { return s.Camera })
	if st.Health.Status != "HEALTHY" || st.Screen.Name != appliance.ScreenScanCode {
		t.Fatalf("plugged back: %+v", st)
	}
}
