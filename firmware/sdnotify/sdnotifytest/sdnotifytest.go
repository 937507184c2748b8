// Package sdnotifytest stands in for systemd in tests: a real unixgram
// socket named by $NOTIFY_SOCKET that records what the daemon says.
package sdnotifytest

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

// Socket is a listening notify socket.
type Socket struct {
	conn *net.UnixConn
}

// Listen opens a socket in a temporary directory and points $NOTIFY_SOCKET
// at it for the rest of the test.
func Listen(t testing.TB) *Socket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return &Socket{conn: conn}
}

// Next returns the next notification, failing the test after timeout.
func (s *Socket) Next(t testing.TB, timeout time.Duration) string {
	t.Helper()
	msg, ok := s.TryNext(timeout)
	if !ok {
		t.Fatalf("no notification within %v", timeout)
	}
	return msg
}

// TryNext returns the next notification, or false if none came in time.
func (s *Socket) TryNext(timeout time.Duration) (string, bool) {
	buf := make([]byte, 256)
	_ = s.conn.SetReadDeadline(time.Now().Add(timeout))
	n, err := s.conn.Read(buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}
