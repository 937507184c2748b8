// Package pins finds GPIO lines by name on the reader's board through
// periph: host.Init registers the GPIO character-device driver (gpioioctl,
// kernel 5.10 and later), then the pin registry resolves the names the local
// configuration gives. The simulator's pinsim.Board offers the same ByName.
package pins

import (
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// Board resolves line names on the real hardware.
type Board struct{}

var (
	initOnce sync.Once
	initErr  error
)

// Open initialises periph's host drivers once per process.
func Open() (*Board, error) {
	initOnce.Do(func() {
		if _, err := host.Init(); err != nil {
			initErr = fmt.Errorf("pins: periph host init: %w", err)
		}
	})
	if initErr != nil {
		return nil, initErr
	}
	return &Board{}, nil
}

// ByName returns the named line.
func (*Board) ByName(name string) (gpio.PinIO, error) {
	p := gpioreg.ByName(name)
	if p == nil {
		return nil, fmt.Errorf("pins: no GPIO line named %q (gpioinfo lists the board's lines; is /dev/gpiochip* present?)", name)
	}
	return p, nil
}
