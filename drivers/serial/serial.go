// Package serial opens serial lines (RS-485 adapters, UARTs, ptys) for
// byte-oriented protocols such as OSDP.
package serial

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	bug "go.bug.st/serial"
)

// ErrTimeout is returned by Port.Read when no byte arrived within the read
// timeout. It matches os.ErrDeadlineExceeded so callers can use errors.Is
// with either value.
var ErrTimeout = fmt.Errorf("serial: read timeout: %w", os.ErrDeadlineExceeded)

// Port is an open serial line, 8N1.
type Port struct {
	p bug.Port
}

// Open opens path at baud, 8 data bits, no parity, one stop bit, with the
// given read timeout (0 means block until data arrives).
func Open(path string, baud int, readTimeout time.Duration) (*Port, error) {
	if baud <= 0 {
		return nil, fmt.Errorf("serial: open %s: invalid baud %d", path, baud)
	}
	p, err := bug.Open(path, &bug.Mode{BaudRate: baud, DataBits: 8, Parity: bug.NoParity, StopBits: bug.OneStopBit})
	if err != nil {
		return nil, fmt.Errorf("serial: open %s: %w", path, err)
	}
	if readTimeout > 0 {
		if err := p.SetReadTimeout(readTimeout); err != nil {
			_ = p.Close()
			return nil, fmt.Errorf("serial: set read timeout on %s: %w", path, err)
		}
	}
	return &Port{p: p}, nil
}

// Read reads available bytes. The underlying library reports a timeout as
// (0, nil); Read turns that into ErrTimeout so io.ReadFull cannot spin.
func (s *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, err := s.p.Read(b)
	if err != nil {
		return n, fmt.Errorf("serial: read: %w", err)
	}
	if n == 0 {
		return 0, ErrTimeout
	}
	return n, nil
}

// Write writes b and waits until it has been transmitted.
func (s *Port) Write(b []byte) (int, error) {
	n, err := s.p.Write(b)
	if err != nil {
		return n, fmt.Errorf("serial: write: %w", err)
	}
	if err := s.drain(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return n, fmt.Errorf("serial: drain: %w", err)
	}
	return n, nil
}

// drain waits for the output to leave. The Go runtime's preemption
// signals interrupt the tcdrain ioctl, so EINTR means "try again".
func (s *Port) drain() error {
	for {
		err := s.p.Drain()
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// SetBaud changes the line speed, keeping 8N1.
func (s *Port) SetBaud(baud int) error {
	if baud <= 0 {
		return fmt.Errorf("serial: invalid baud %d", baud)
	}
	if err := s.p.SetMode(&bug.Mode{BaudRate: baud, DataBits: 8, Parity: bug.NoParity, StopBits: bug.OneStopBit}); err != nil {
		return fmt.Errorf("serial: set baud %d: %w", baud, err)
	}
	return nil
}

// Close closes the line.
func (s *Port) Close() error { return s.p.Close() }
