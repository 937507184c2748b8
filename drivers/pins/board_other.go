//go:build !linux

package pins

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
)

// Board would resolve line names on GPIO character devices, which only
// Linux has; use drivers/pinsim elsewhere.
type Board struct{}

// Open reports that this system has no GPIO character device.
func Open() (*Board, error) {
	return nil, fmt.Errorf("%w: this build is not for Linux", ErrNoGPIO)
}

// ByName reports that this system has no GPIO character device.
func (*Board) ByName(name string) (gpio.PinIO, error) {
	return nil, fmt.Errorf("pins: line %q: %w", name, ErrNoGPIO)
}

// WatchLines reports that this system has no GPIO character device.
func (*Board) WatchLines(names []string, pull gpio.Pull) (*Lines, error) {
	return nil, fmt.Errorf("pins: watch: %w", ErrNoGPIO)
}
