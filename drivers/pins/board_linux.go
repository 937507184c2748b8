package pins

import (
	"fmt"
	"strconv"
	"strings"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/host/v3"
	"periph.io/x/host/v3/gpioioctl"
)

// Board resolves line names on the reader's GPIO character devices.
type Board struct {
	chips []*gpioioctl.GPIOChip
}

// Open initialises periph's host drivers (once per process: later calls
// return the first result) and takes the GPIO chips gpioioctl found.
func Open() (*Board, error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("pins: periph host init: %w", err)
	}
	if len(gpioioctl.Chips) == 0 {
		return nil, ErrNoGPIO
	}
	return &Board{chips: gpioioctl.Chips}, nil
}

// ByName returns the named line, as a character-device line. A line is not
// requested from the kernel until it is first configured (In or Out).
func (b *Board) ByName(name string) (gpio.PinIO, error) {
	line, _, err := b.find(name)
	if err != nil {
		return nil, err
	}
	return line, nil
}

// find resolves a kernel line name, or CHIP:OFFSET for an unnamed line.
func (b *Board) find(name string) (*gpioioctl.GPIOLine, *gpioioctl.GPIOChip, error) {
	for _, c := range b.chips {
		if l := c.ByName(name); l != nil {
			return l, c, nil
		}
	}
	if chip, offset, ok := splitChipOffset(name); ok {
		for _, c := range b.chips {
			if c.Name() == chip && offset < c.LineCount() {
				return c.ByNumber(offset), c, nil
			}
		}
	}
	return nil, nil, fmt.Errorf("pins: no GPIO line named %q (`gpioinfo` lists the board's lines; CHIP:OFFSET names an unnamed one)", name)
}

// splitChipOffset parses "gpiochip0:17".
func splitChipOffset(name string) (chip string, offset int, ok bool) {
	chip, off, found := strings.Cut(name, ":")
	if !found || chip == "" {
		return "", 0, false
	}
	n, err := strconv.Atoi(off)
	if err != nil || n < 0 {
		return "", 0, false
	}
	return chip, n, true
}

// WatchLines requests the named lines from the kernel as one line set of
// inputs with edge detection on both edges and the given bias (PullNoChange
// and Float leave the bias as it is), and starts queueing their edges with
// the kernel's timestamps. The lines must all be on one chip, and not be
// taken already (by ByName's pins after In or Out, or by another process).
func (b *Board) WatchLines(names []string, pull gpio.Pull) (*Lines, error) {
	if err := checkNames(names); err != nil {
		return nil, err
	}
	var chip *gpioioctl.GPIOChip
	offsets := make([]uint32, len(names))
	for i, n := range names {
		line, c, err := b.find(n)
		if err != nil {
			return nil, err
		}
		if chip != nil && c != chip {
			return nil, fmt.Errorf("pins: watch: %q is on %s, %q on %s: one line set needs one chip", names[0], chip.Name(), n, c.Name())
		}
		chip, offsets[i] = c, uint32(line.Number())
	}
	f, err := requestEdges(chip.Path(), offsets, pull)
	if err != nil {
		return nil, fmt.Errorf("pins: watch %s on %s: %w", strings.Join(names, ","), chip.Name(), err)
	}
	return fileLines(f, names, offsets), nil
}
