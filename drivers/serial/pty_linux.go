//go:build linux

package serial

import (
	"fmt"
	"os"

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
