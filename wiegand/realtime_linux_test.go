package wiegand

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"testing"

	"github.com/palmd/palmd/drivers/pinsim"
	"golang.org/x/sys/unix"
)

// TestRealtimeRestored checks that a frame sent at realtime priority leaves
// the thread at its previous policy, whether or not the raise was allowed.
func TestRealtimeRestored(t *testing.T) {
	runtime.LockOSThread() // Send's own lock nests; we stay on this thread
	defer runtime.UnlockOSThread()
	before, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Skipf("sched_getattr: %v", err)
	}
	var log bytes.Buffer
	cfg := fast
	cfg.RealtimePriority = 10
	cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	tx, err := NewTransmitter(pinsim.New("D0", 0), pinsim.New("D1", 1), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tx.Send(context.Background(), Bits{true, false, true, true}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if after.Policy != before.Policy || after.Priority != before.Priority {
		t.Errorf("policy %d/%d after Send, was %d/%d", after.Policy, after.Priority, before.Policy, before.Priority)
	}
	if n := bytes.Count(log.Bytes(), []byte("normal priority")); n > 1 {
		t.Errorf("warned %d times, want at most once:\n%s", n, log.String())
	}
	t.Logf("log: %q", log.String())
}
