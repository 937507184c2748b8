// Package sdnotify speaks systemd's service notification protocol: READY=1
// once the daemon serves, WATCHDOG=1 keep-alives, STOPPING=1 on shutdown.
//
// It is a few datagrams on a unix socket named by $NOTIFY_SOCKET; without
// that variable (not started by systemd) every call does nothing.
package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notifier sends state changes to the service manager.
type Notifier struct {
	addr *net.UnixAddr // nil when not supervised
}

// FromEnv returns a Notifier for $NOTIFY_SOCKET ("@name" is an abstract
// socket, as systemd allows).
func FromEnv() *Notifier {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return &Notifier{}
	}
	if path[0] == '@' {
		path = "\x00" + path[1:]
	}
	return &Notifier{addr: &net.UnixAddr{Name: path, Net: "unixgram"}}
}

// Enabled reports whether a service manager listens.
func (n *Notifier) Enabled() bool { return n.addr != nil }

// Notify sends one state string such as "READY=1" or "STATUS=...".
func (n *Notifier) Notify(state string) error {
	if n.addr == nil {
		return nil
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sdnotify: %s: %w", state, err)
	}
	return nil
}

// WatchdogInterval returns how often to send WATCHDOG=1: half the timeout
// systemd set in $WATCHDOG_USEC, or 0 if the watchdog is off or meant for
// another process ($WATCHDOG_PID).
func WatchdogInterval() time.Duration {
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0
	}
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// Feed sends WATCHDOG=1 when systemd watches this process, and nothing
// otherwise. The caller decides that the daemon is alive.
func (n *Notifier) Feed() error {
	if WatchdogInterval() <= 0 {
		return nil
	}
	return n.Notify("WATCHDOG=1")
}
