//go:build !linux

package serial

import (
	"errors"
	"os"
	"time"
)

// OpenPTY is only implemented on Linux.
func OpenPTY() (*os.File, string, error) {
	return nil, "", errors.New("serial: pty: not supported on this OS")
}

// PTYLink is only implemented on Linux.
type PTYLink struct{}

// OpenPTYLink is only implemented on Linux.
func OpenPTYLink(time.Duration) (*PTYLink, string, error) {
	return nil, "", errors.New("serial: pty: not supported on this OS")
}

// NewPTYLink is only implemented on Linux.
func NewPTYLink(*os.File, time.Duration) (*PTYLink, error) {
	return nil, errors.New("serial: pty: not supported on this OS")
}

// File is nil: there is no pty on this OS.
func (*PTYLink) File() *os.File { return nil }

// Read fails: there is no pty on this OS.
func (*PTYLink) Read([]byte) (int, error) { return 0, os.ErrInvalid }

// Write fails: there is no pty on this OS.
func (*PTYLink) Write([]byte) (int, error) { return 0, os.ErrInvalid }

// Close does nothing.
func (*PTYLink) Close() error { return nil }
