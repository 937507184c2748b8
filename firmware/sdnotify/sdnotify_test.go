package sdnotify

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/sdnotify/sdnotifytest"
)

func TestNotifySendsState(t *testing.T) {
	sock := sdnotifytest.Listen(t)
	n := FromEnv()
	if !n.Enabled() {
		t.Fatal("not enabled with NOTIFY_SOCKET set")
	}
	if err := n.Notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := sock.Next(t, 5*time.Second); got != "READY=1" {
		t.Fatalf("got %q", got)
	}
}

func TestWithoutSocketDoesNothing(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	n := FromEnv()
	if n.Enabled() || n.Notify("READY=1") != nil {
		t.Fatal("unsupervised notifier should be a silent no-op")
	}
}

func TestWatchdogFeedsOnlyWhileAlive(t *testing.T) {
	sock := sdnotifytest.Listen(t)
	n := FromEnv()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	alive := make(chan bool, 1)
	alive <- true
	healthy := true
	go n.Watchdog(ctx, time.Millisecond, func() bool {
		select {
		case healthy = <-alive:
		default:
		}
		return healthy
	})
	if got := sock.Next(t, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("got %q", got)
	}
	alive <- false
	// Drain what was sent before the loop saw the stall, then expect silence.
	time.Sleep(20 * time.Millisecond)
	for {
		if _, ok := sock.TryNext(10 * time.Millisecond); !ok {
			break
		}
	}
	if msg, ok := sock.TryNext(50 * time.Millisecond); ok {
		t.Fatalf("watchdog fed (%q) while the main loop reports itself stuck", msg)
	}
}

func TestWatchdogInterval(t *testing.T) {
	tests := []struct {
		usec, pid string
		want      time.Duration
	}{
		{"10000000", "", 5 * time.Second},
		{"10000000", strconv.Itoa(os.Getpid()), 5 * time.Second},
		{"10000000", "1", 0},
		{"", "", 0},
		{"garbage", "", 0},
	}
	for _, tt := range tests {
		t.Setenv("WATCHDOG_USEC", tt.usec)
		t.Setenv("WATCHDOG_PID", tt.pid)
		if got := WatchdogInterval(); got != tt.want {
			t.Errorf("usec=%q pid=%q: got %v, want %v", tt.usec, tt.pid, got, tt.want)
		}
	}
}
