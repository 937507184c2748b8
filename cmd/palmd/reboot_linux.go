package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// rebootDevice flushes the file systems and restarts the machine; it needs
// CAP_SYS_BOOT (palmd.service runs palmd as root).
func rebootDevice() error {
	unix.Sync()
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART); err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	return nil
}
