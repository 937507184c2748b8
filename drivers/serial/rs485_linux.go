//go:build linux

package serial

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// serialRS485 mirrors struct serial_rs485 from <linux/serial.h>;
// x/sys/unix has the ioctl number but not the struct.
type serialRS485 struct {
	Flags              uint32
	DelayRTSBeforeSend uint32
	DelayRTSAfterSend  uint32
	padding            [5]uint32
}

const (
	rs485Enabled   = 1 << 0
	rs485RTSOnSend = 1 << 1
)

// EnableKernelRS485 asks the UART driver of path to drive the transceiver's
// DE line from RTS while sending. The setting belongs to the tty, so it is
// applied through a separate descriptor. Ptys and most USB adapters reject it;
// use direction "auto" for those.
func EnableKernelRS485(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return fmt.Errorf("serial: rs485 %s: %w", path, err)
	}
	defer f.Close()
	cfg := serialRS485{Flags: rs485Enabled | rs485RTSOnSend}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), uintptr(unix.TIOCSRS485), uintptr(unsafe.Pointer(&cfg)))
	if errno != 0 {
		return fmt.Errorf("serial: rs485 %s: kernel direction control not supported by this device (use auto): %w", path, errno)
	}
	return nil
}
