package wiegand

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// LEDConfig sets how the panel's LED line is read; zero fields take the
// defaults.
type LEDConfig struct {
	// GrantedLevel is the level by which the panel signals a grant. Most
	// panels pull the LED line Low to turn the reader's LED green.
	GrantedLevel gpio.Level
	// Pull is applied to the input; the zero value is gpio.Float.
	Pull gpio.Pull
	// Debounce is how long a level must hold before it is reported;
	// default 20 ms.
	Debounce time.Duration
	// Poll bounds each wait for an edge, so a missed edge or a cancelled
	// context is noticed; default 50 ms.
	Poll time.Duration
	// Now stamps events; default time.Now.
	Now func() time.Time
}

// LEDEvent is one debounced change of the LED line.
type LEDEvent struct {
	Granted bool      // the line is at GrantedLevel
	At      time.Time // when the new level began
}

// LED reports the panel's grant/deny feedback from the Wiegand LED line.
type LED struct {
	pin gpio.PinIn
	cfg LEDConfig
}

// NewLED configures pin as an input interrupting on both edges.
func NewLED(pin gpio.PinIn, cfg LEDConfig) (*LED, error) {
	if cfg.Debounce <= 0 {
		cfg.Debounce = 20 * time.Millisecond
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 50 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := pin.In(cfg.Pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("wiegand: LED line: %w", err)
	}
	return &LED{pin: pin, cfg: cfg}, nil
}

// Granted reports whether the line is at the granted level now (not
// debounced).
func (l *LED) Granted() bool { return l.pin.Read() == l.cfg.GrantedLevel }

// Watch reports every debounced change until ctx ends, then closes the
// channel. The level when Watch starts is the reference and is not reported.
// Run one Watch per LED at a time: watchers would share the pin's edges.
func (l *LED) Watch(ctx context.Context) <-chan LEDEvent {
	out := make(chan LEDEvent)
	// Read the reference now, not in the goroutine, so a change right
	// after Watch returns is reported.
	go l.run(ctx, out, l.pin.Read())
	return out
}

func (l *LED) run(ctx context.Context, out chan<- LEDEvent, reported gpio.Level) {
	defer close(out)
	candidate, since := reported, l.cfg.Now()
	for ctx.Err() == nil {
		wait := l.cfg.Poll
		if candidate != reported {
			held := l.cfg.Now().Sub(since)
			if held >= l.cfg.Debounce {
				reported = candidate
				select {
				case out <- LEDEvent{Granted: reported == l.cfg.GrantedLevel, At: since}:
				case <-ctx.Done():
					return
				}
				continue
			}
			wait = min(wait, l.cfg.Debounce-held)
		}
		// Always a positive timeout: WaitForEdge(-1) returns at once on
		// the chardev driver.
		l.pin.WaitForEdge(max(wait, time.Millisecond))
		if lv := l.pin.Read(); lv != candidate {
			candidate, since = lv, l.cfg.Now()
		}
	}
}
