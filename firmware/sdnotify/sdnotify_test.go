package sdnotify

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen opens a real unixgram socket where a service manager would.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

func recv(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 256)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestNotifySendsState(t *testing.T) {
	conn := listen(t)
	n := FromEnv()
	if !n.Enabled() {
		t.Fatal("not enabled with NOTIFY_SOCKET set")
	}
	if err := n.Notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, conn); got != "READY=1" {
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
	conn := listen(t)
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
	if got := recv(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("got %q", got)
	}
	alive <- false
	// Drain what was sent before the loop saw the stall, then expect silence.
	time.Sleep(20 * time.Millisecond)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	buf := make([]byte, 64)
	for {
		if _, err := conn.Read(buf); err != nil {
			break
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := conn.Read(buf); err == nil {
		t.Fatal("watchdog fed while the main loop reports itself stuck")
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
