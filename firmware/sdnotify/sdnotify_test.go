package sdnotify

import (
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

// TestFeed: WATCHDOG=1 goes out only when systemd watches this process.
func TestFeed(t *testing.T) {
	sock := sdnotifytest.Listen(t)
	n := FromEnv()
	t.Setenv("WATCHDOG_USEC", "")
	if err := n.Feed(); err != nil {
		t.Fatal(err)
	}
	if msg, ok := sock.TryNext(50 * time.Millisecond); ok {
		t.Fatalf("fed %q with the watchdog off", msg)
	}
	t.Setenv("WATCHDOG_USEC", "10000000")
	t.Setenv("WATCHDOG_PID", strconv.Itoa(os.Getpid()))
	if err := n.Feed(); err != nil {
		t.Fatal(err)
	}
	if got := sock.Next(t, 5*time.Second); got != "WATCHDOG=1" {
		t.Fatalf("got %q", got)
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
