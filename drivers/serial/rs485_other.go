//go:build !linux

package serial

import "errors"

// EnableKernelRS485 is only implemented on Linux.
func EnableKernelRS485(path string) error {
	return errors.New("serial: rs485: kernel direction control needs Linux")
}
