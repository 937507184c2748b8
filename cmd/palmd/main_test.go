package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/sdnotify/sdnotifytest"
)

// syncBuffer is a log sink safe to read while palmd writes.
type syncBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	mark int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// consume reports whether want occurs after the read mark, and moves the
// mark past it.
func (s *syncBuffer) consume(want string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := strings.Index(s.b.String()[s.mark:], want)
	if i < 0 {
		return false
	}
	s.mark += i + len(want)
	return true
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeConfig copies the simulator config with a private state dir, a
// free loopback port for the control endpoint and no service.
func writeConfig(t *testing.T) (path, control string) {
	return writeConfigWith(t, "")
}

// writeConfigWith puts service (a [service] table, or "" for none) in
// place of the simulator's.
func writeConfigWith(t *testing.T, service string) (path, control string) {
	t.Helper()
	b, err := os.ReadFile("../../configs/simulator.toml")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	control = l.Addr().String()
	l.Close()
	dir := t.TempDir()
	s := strings.Replace(string(b), `state_dir = "var/palmd"`, `state_dir = "`+filepath.Join(dir, "state")+`"`, 1)
	s = strings.Replace(s, `control = "127.0.0.1:7070"`, `control = "`+control+`"`, 1)
	start := strings.Index(s, "[service]")
	end := start + strings.Index(s[start:], "\n\n")
	s = s[:start] + service + s[end:]
	path = filepath.Join(dir, "palmd.toml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, control
}

func TestRunOnSimulatedHardware(t *testing.T) {
	cfg, control := writeConfig(t)
	notify := sdnotifytest.Listen(t)
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-config", cfg}, &logs) }()

	if got := notify.Next(t, 10*time.Second); got != "READY=1" {
		t.Fatalf("first notification %q, want READY=1", got)
	}
	resp, err := http.Post("http://"+control+"/pins/TAMPER", "application/json", strings.NewReader(`{"level":"high"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "tamper: case opened") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "tamper: case opened") {
		t.Fatalf("tamper alarm not logged:\n%s", logs.String())
	}

	cancel() // SIGTERM
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("palmd did not stop")
	}
	if got := notify.Next(t, 10*time.Second); got != "STOPPING=1" {
		t.Fatalf("last notification %q, want STOPPING=1", got)
	}
}

func TestSecondDaemonOnSameStateFails(t *testing.T) {
	cfg, _ := writeConfig(t)
	t.Setenv("NOTIFY_SOCKET", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := make(chan error, 1)
	var logs syncBuffer
	go func() { first <- run(ctx, []string{"-config", cfg}, &logs) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "ready") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// The lock on the state file must be what stops it, not the busy port.
	if err := run(ctx, []string{"-config", cfg}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "store") {
		t.Fatalf("second palmd on the same state directory: %v, want a store lock error", err)
	}
	cancel()
	<-first
}

func TestBadConfigNamesTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.toml")
	if err := os.WriteFile(path, []byte("[device]\nnmae = \"x\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"-config", path}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "device.nmae") {
		t.Fatalf("got %v, want an error naming device.nmae", err)
	}
}
