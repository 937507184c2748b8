//go:build !linux

package serial

import (
	"errors"
	"os"
)

// OpenPTY is only implemented on Linux.
func OpenPTY() (*os.File, string, error) {
	return nil, "", errors.New("serial: pty: not supported on this OS")
}
