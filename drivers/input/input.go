package input

import (
	"context"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// pollEvery bounds each wait for an edge. periph's character-device driver
// returns at once from WaitForEdge(-1), so a wait is never unbounded; the
// periodic read also catches an edge the kernel dropped.
const pollEvery = 250 * time.Millisecond

// Config describes the line.
type Config struct {
	Name      string           // for errors and events, e.g. "gpi"
	ActiveLow bool             // the asserted state reads Low
	Debounce  time.Duration    // how long the line must be quiet before a change counts
	Pull      gpio.Pull        // gpio.PullNoChange keeps the board's setting
	Now       func() time.Time // stamps events; nil: time.Now
}

// Event is a debounced change.
type Event struct {
	Name     string
	Asserted bool
	At       time.Time
}

// Input is one debounced input line.
type Input struct {
	pin gpio.PinIn
	cfg Config

	mu       sync.Mutex
	asserted bool
}

// New configures the pin for edge detection and reads its state: the state at
// start is read, not assumed.
func New(pin gpio.PinIn, cfg Config) (*Input, error) {
	if cfg.Debounce <= 0 {
		return nil, fmt.Errorf("input %s: debounce %v: must be positive", cfg.Name, cfg.Debounce)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := pin.In(cfg.Pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("input %s: %w", cfg.Name, err)
	}
	in := &Input{pin: pin, cfg: cfg}
	in.asserted = in.read()
	return in, nil
}

// Asserted reports the debounced state.
func (in *Input) Asserted() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.asserted
}

func (in *Input) read() bool { return (in.pin.Read() == gpio.High) != in.cfg.ActiveLow }

// Run watches the line until ctx ends, sending each debounced change on
// events, and returns ctx's error. Only one Run at a time: the edges it
// consumes are gone for any other reader.
func (in *Input) Run(ctx context.Context, events chan<- Event) error {
	// Cut a wait short when ctx ends (the character-device driver honours
	// Halt; elsewhere the wait just times out).
	stop := context.AfterFunc(ctx, func() { _ = in.pin.Halt() })
	defer stop()
	for ctx.Err() == nil {
		edge := in.pin.WaitForEdge(pollEvery)
		if !edge && in.read() == in.Asserted() {
			continue
		}
		in.settle(ctx)
		now := in.read()
		in.mu.Lock()
		changed := now != in.asserted
		in.asserted = now
		in.mu.Unlock()
		if !changed {
			continue // a glitch: it bounced back before settling
		}
		select {
		case events <- Event{Name: in.cfg.Name, Asserted: now, At: in.cfg.Now()}:
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// settle waits until no edge has arrived for the debounce time.
func (in *Input) settle(ctx context.Context) {
	for ctx.Err() == nil && in.pin.WaitForEdge(in.cfg.Debounce) {
	}
}
