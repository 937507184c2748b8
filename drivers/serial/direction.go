package serial

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Direction says what switches an RS-485 transceiver between driving the
// pair and listening.
type Direction string

// Direction modes, chosen in the local configuration.
const (
	// DirectionAuto: the adapter switches by itself (USB RS-485 adapters,
	// auto-direction transceivers). Nothing to do.
	DirectionAuto Direction = "auto"
	// DirectionKernel: the UART driver raises RTS (wired to DE) while it
	// sends; see EnableKernelRS485.
	DirectionKernel Direction = "kernel"
	// DirectionGPIO: palmd raises a GPIO line wired to DE and /RE around
	// each write; see DEPort.
	DirectionGPIO Direction = "gpio"
)

// ParseDirection validates a configured direction mode.
func ParseDirection(s string) (Direction, error) {
	switch d := Direction(s); d {
	case DirectionAuto, DirectionKernel, DirectionGPIO:
		return d, nil
	}
	return "", fmt.Errorf("serial: rs485 direction %q: want auto, kernel or gpio", s)
}

// DEPort drives an RS-485 transceiver's DE line from a GPIO: high, write,
// wait for the UART to drain, one more character time for the last
// character to leave the shift register, low. The line is low (listening)
// at all other times, so the panel's next frame is heard.
type DEPort struct {
	*Port
	de       gpio.PinOut
	mu       sync.Mutex
	charTime time.Duration
}

// NewDEPort wraps p; de is released (low) at once.
func NewDEPort(p *Port, de gpio.PinOut, baud int) (*DEPort, error) {
	if err := de.Out(gpio.Low); err != nil {
		return nil, fmt.Errorf("serial: rs485 DE line %s: %w", de, err)
	}
	return &DEPort{Port: p, de: de, charTime: charTime(baud)}, nil
}

// charTime is the time one 8N1 character (10 bits) takes on the line.
func charTime(baud int) time.Duration {
	return time.Duration(10 * int64(time.Second) / int64(max(baud, 1)))
}

// Write sends b with DE raised for exactly as long as it takes.
func (d *DEPort) Write(b []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.de.Out(gpio.High); err != nil {
		return 0, fmt.Errorf("serial: rs485 DE high: %w", err)
	}
	n, err := d.Port.Write(b) // drains
	time.Sleep(d.charTime)
	if lerr := d.de.Out(gpio.Low); lerr != nil && err == nil {
		err = fmt.Errorf("serial: rs485 DE low: %w", lerr)
	}
	return n, err
}

// SetBaud changes the speed and the DE hold time with it.
func (d *DEPort) SetBaud(baud int) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.Port.SetBaud(baud); err != nil {
		return err
	}
	d.charTime = charTime(baud)
	return nil
}
