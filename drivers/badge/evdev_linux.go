//go:build linux

package badge

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// evIOCGrab is EVIOCGRAB, _IOW('E', 0x90, int): x/sys has no constant.
const evIOCGrab = 0x40044590

// Wedge is a USB HID keyboard-wedge badge scanner, read from its Linux
// input device and grabbed exclusively while palmd runs, so that its
// keystrokes reach palmd alone and never the kiosk browser.
type Wedge struct {
	// Device is the input device's path (/dev/input/eventN, or a stable
	// /dev/input/by-id link), or its name as the kernel reports it
	// (e.g. "RFIDeas USB Keyboard"), looked up at each start.
	Device string
	// SysFS is where input devices are listed; default /sys/class/input.
	SysFS string
}

var _ Scanner = Wedge{}

// Run implements Scanner.
func (w Wedge) Run(ctx context.Context, reads chan<- Read) error {
	path, err := w.path()
	if err != nil {
		return err
	}
	f, err := OpenGrabbed(path)
	if err != nil {
		return err
	}
	defer f.Close() // closing releases the grab
	return serveEvents(ctx, f, reads)
}

func (w Wedge) path() (string, error) {
	if strings.HasPrefix(w.Device, "/") {
		return w.Device, nil
	}
	sys := w.SysFS
	if sys == "" {
		sys = "/sys/class/input"
	}
	return FindInput(sys, w.Device)
}

// OpenGrabbed opens an input device and grabs it: no other reader (the
// console, the compositor, the browser) gets its events.
func OpenGrabbed(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("badge: %w", err)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("badge: %s: %w", path, err)
	}
	var gerr error
	if err := rc.Control(func(fd uintptr) { gerr = unix.IoctlSetInt(int(fd), evIOCGrab, 1) }); err != nil {
		gerr = err
	}
	if gerr != nil {
		f.Close()
		return nil, fmt.Errorf("badge: grabbing %s (is it an input device, and not grabbed by another program?): %w", path, gerr)
	}
	return f, nil
}

// FindInput returns the event device of the input device named name
// under sys (/sys/class/input).
func FindInput(sys, name string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(sys, "event*", "device", "name"))
	if err != nil {
		return "", fmt.Errorf("badge: %w", err)
	}
	var names []string
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			continue // a device unplugged while we look
		}
		got := strings.TrimSpace(string(b))
		if got == name {
			return "/dev/input/" + filepath.Base(filepath.Dir(filepath.Dir(m))), nil
		}
		names = append(names, got)
	}
	return "", fmt.Errorf("badge: no input device named %q (there are: %q)", name, names)
}
