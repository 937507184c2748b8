// Package ioboard assembles the reader's I/O from the local configuration:
// the door relay, the GPO, the GPI, the tamper switch and the Wiegand port
// (D0/D1 out, LED in), on real or simulated pins alike. The Wiegand port's
// lines are handed to the panel link that uses them (firmware/panel).
package ioboard

import (
	"context"
	"errors"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/input"
	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/firmware/localconfig"
)

// Pins resolves line names: pins.Board on a reader, pinsim.Board in the
// simulator and in tests.
type Pins interface {
	ByName(name string) (gpio.PinIO, error)
}

// Board is the assembled I/O.
type Board struct {
	Relay  *output.Output
	GPO    *output.Output
	GPI    *input.Input
	Tamper *input.Tamper
	LED    *input.Input // asserted while the panel signals a grant
	D0, D1 gpio.PinIO   // Wiegand data out, idle High
}

// Kind names the input an Event comes from.
type Kind string

// The inputs the board watches.
const (
	KindGPI    Kind = "gpi"
	KindTamper Kind = "tamper"
)

// Event is a debounced change on one of the board's inputs. Asserted means
// active for the GPI, open for the tamper switch.
type Event struct {
	Kind     Kind
	Asserted bool
	At       time.Time
}

// ledDebounce filters the LED line; panels hold a grant for hundreds of
// milliseconds, so 20 ms loses nothing and rejects cable noise.
const ledDebounce = 20 * time.Millisecond

// Open takes every configured line. Outputs come up de-energised and the
// Wiegand lines idle High.
func Open(cfg *localconfig.Config, pins Pins) (*Board, error) {
	p := cfg.Pins
	get := func(key, name string) (gpio.PinIO, error) {
		pin, err := pins.ByName(name)
		if err != nil {
			return nil, fmt.Errorf("ioboard: pins.%s: %w", key, err)
		}
		return pin, nil
	}
	var errs []error
	must := func(pin gpio.PinIO, err error) gpio.PinIO {
		errs = append(errs, err)
		return pin
	}
	relay, gpo := must(get("relay", p.Relay)), must(get("gpo", p.GPO))
	gpi, tamper := must(get("gpi", p.GPI)), must(get("tamper", p.Tamper))
	d0, d1, led := must(get("wiegand_d0", p.WiegandD0)), must(get("wiegand_d1", p.WiegandD1)), must(get("wiegand_led", p.WiegandLED))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	b := &Board{}
	var err error
	if b.Relay, err = output.New(relay, output.Config{Name: "relay", ActiveLow: cfg.Relay.ActiveLow}); err != nil {
		return nil, err
	}
	if b.GPO, err = output.New(gpo, output.Config{Name: "gpo", ActiveLow: cfg.GPO.ActiveLow}); err != nil {
		return nil, err
	}
	if b.GPI, err = input.New(gpi, input.Config{Name: "gpi", ActiveLow: cfg.GPI.ActiveLow, Debounce: cfg.GPI.Debounce.Duration}); err != nil {
		return nil, err
	}
	if b.Tamper, err = input.NewTamper(tamper, cfg.Tamper.ActiveLow, cfg.Tamper.Debounce.Duration); err != nil {
		return nil, err
	}
	grantLow := cfg.Wiegand.LEDGrantLevel == "low"
	if b.LED, err = input.New(led, input.Config{Name: "panel-led", ActiveLow: grantLow, Debounce: ledDebounce}); err != nil {
		return nil, err
	}
	if err := errors.Join(d0.Out(gpio.High), d1.Out(gpio.High)); err != nil {
		return nil, fmt.Errorf("ioboard: Wiegand lines idle: %w", err)
	}
	b.D0, b.D1 = d0, d1
	return b, nil
}

// Run watches the GPI and the tamper switch until ctx ends, sending their
// changes on events. (The LED line is the panel link's.)
func (b *Board) Run(ctx context.Context, events chan<- Event) error {
	gpi := make(chan input.Event)
	tamper := make(chan input.TamperEvent)
	done := make(chan error, 2)
	go func() { done <- b.GPI.Run(ctx, gpi) }()
	go func() { done <- b.Tamper.Run(ctx, tamper) }()
	for running := 2; running > 0; {
		var ev Event
		select {
		case e := <-gpi:
			ev = Event{Kind: KindGPI, Asserted: e.Asserted, At: e.At}
		case e := <-tamper:
			ev = Event{Kind: KindTamper, Asserted: e.Open, At: e.At}
		case <-done:
			running--
			continue
		}
		select {
		case events <- ev:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// Close puts every output in its safe state.
func (b *Board) Close() error {
	return errors.Join(b.Relay.Close(), b.GPO.Close())
}
