//go:build linux

package serial

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// OpenPTY opens a kernel pseudo-terminal pair and returns the master and the
// path of the slave, which Open accepts like any serial device.
func OpenPTY() (*os.File, string, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, "", fmt.Errorf("serial: open ptmx: %w", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		_ = m.Close()
		return nil, "", fmt.Errorf("serial: unlockpt: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		_ = m.Close()
		return nil, "", fmt.Errorf("serial: ptsname: %w", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n), nil
}

// PTYLink is the master side of a pseudo-terminal used as a serial line:
// the far end opens the slave path with Open, as it would a real port.
// Reads time out like a Port's (ErrTimeout).
type PTYLink struct {
	f           *os.File
	readTimeout time.Duration
}

// OpenPTYLink opens a pseudo-terminal in raw mode and returns its master
// as a link and the slave path.
func OpenPTYLink(readTimeout time.Duration) (*PTYLink, string, error) {
	m, path, err := OpenPTY()
	if err != nil {
		return nil, "", err
	}
	defer m.Close()
	l, err := NewPTYLink(m, readTimeout)
	return l, path, err
}

// NewPTYLink makes a link of a pty master opened elsewhere (another
// process's, passed down). It uses a copy of the descriptor; the caller
// keeps and closes f.
func NewPTYLink(f *os.File, readTimeout time.Duration) (*PTYLink, error) {
	// Fd() put the master in blocking mode; a pollable copy lets reads
	// time out and Close interrupt them.
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("serial: pty: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, fmt.Errorf("serial: pty: %w", err)
	}
	return &PTYLink{f: os.NewFile(uintptr(fd), f.Name()), readTimeout: readTimeout}, nil
}

// File is the master's descriptor, to pass to another process.
func (l *PTYLink) File() *os.File { return l.f }

// Read reads available bytes, or returns ErrTimeout.
func (l *PTYLink) Read(b []byte) (int, error) {
	if l.readTimeout > 0 {
		_ = l.f.SetReadDeadline(time.Now().Add(l.readTimeout))
	}
	n, err := l.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, ErrTimeout
	}
	if err != nil {
		return n, fmt.Errorf("serial: pty read: %w", err)
	}
	return n, nil
}

// Write writes b.
func (l *PTYLink) Write(b []byte) (int, error) {
	n, err := l.f.Write(b)
	if err != nil {
		return n, fmt.Errorf("serial: pty write: %w", err)
	}
	return n, nil
}

// Close closes the master; the slave sees a hang-up.
func (l *PTYLink) Close() error { return l.f.Close() }
