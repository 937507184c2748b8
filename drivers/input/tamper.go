package input

import (
	"context"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Tamper is the case switch: closed while the reader is shut and on the
// wall. Opening it is an alarm (OSDP tamper status, CRITICAL health, an event,
// a message on screen); the firmware decides what to do, this type reports.
type Tamper struct {
	in *Input
}

// TamperEvent is a debounced change of the case switch.
type TamperEvent struct {
	Open bool
	At   time.Time
}

// NewTamper reads the switch on pin; closedLow says the closed switch reads
// Low (it pulls the line to ground).
func NewTamper(pin gpio.PinIn, closedLow bool, debounce time.Duration) (*Tamper, error) {
	in, err := New(pin, Config{Name: "tamper", ActiveLow: closedLow, Debounce: debounce, Pull: gpio.PullNoChange})
	if err != nil {
		return nil, err
	}
	return &Tamper{in: in}, nil
}

// Open reports whether the case is open now.
func (t *Tamper) Open() bool { return !t.in.Asserted() }

// Run reports each debounced change until ctx ends.
func (t *Tamper) Run(ctx context.Context, events chan<- TamperEvent) error {
	raw := make(chan Event)
	done := make(chan error, 1)
	go func() { done <- t.in.Run(ctx, raw) }()
	for {
		select {
		case e := <-raw:
			select {
			case events <- TamperEvent{Open: !e.Asserted, At: e.At}:
			case <-ctx.Done():
			}
		case err := <-done:
			return err
		}
	}
}
