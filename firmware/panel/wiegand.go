package panel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/input"
	"github.com/palmd/palmd/wiegand"
)

// GrantHold is how long the LED line must stay asserted to be a grant.
// Panels hold a grant for a second or more; a shorter assertion is the
// blink some panels give to deny.
const GrantHold = 300 * time.Millisecond

// LEDLine is the panel's LED input (drivers/input).
type LEDLine interface {
	Run(ctx context.Context, events chan<- input.Event) error
	Asserted() bool
}

// WiegandConfig sets up a Wiegand link.
type WiegandConfig struct {
	D0, D1 gpio.PinIO // data lines out; read back to check they are idle
	LED    LEDLine    // the panel's answer in
	Format *wiegand.Format
	Timing wiegand.TransmitterConfig
	Logger *slog.Logger
}

// Wiegand sends badges on D0/D1 and reads the panel's answer on the LED
// line: held for GrantHold or longer grants, a shorter blink denies.
// Silence is no answer; what silence means is the owner's to decide after
// its decision timeout.
type Wiegand struct {
	cfg       WiegandConfig
	tx        *wiegand.Transmitter
	sends     chan wiegand.Bits
	decisions chan Decision

	mu     sync.Mutex
	online bool
}

var _ Link = (*Wiegand)(nil)

// NewWiegand checks the timing and drives D0/D1 to idle.
func NewWiegand(cfg WiegandConfig) (*Wiegand, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Format == nil || cfg.LED == nil || cfg.D0 == nil || cfg.D1 == nil {
		return nil, errors.New("panel: wiegand: D0, D1, the LED line and a badge format are required")
	}
	tx, err := wiegand.NewTransmitter(cfg.D0, cfg.D1, cfg.Timing)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	w := &Wiegand{cfg: cfg, tx: tx, sends: make(chan wiegand.Bits, 4), decisions: make(chan Decision, 4)}
	w.online = w.linesIdle()
	return w, nil
}

// Send encodes b in the configured format and queues the frame.
func (w *Wiegand) Send(b wiegand.Badge) error {
	bits, err := w.cfg.Format.Encode(b)
	if err != nil {
		return fmt.Errorf("panel: badge does not fit %s: %w", w.cfg.Format.Name(), err)
	}
	select {
	case w.sends <- bits:
		return nil
	default:
		return errors.New("panel: wiegand: frames are queued already; the line is busy")
	}
}

// Decisions delivers the panel's answer to each frame.
func (w *Wiegand) Decisions() <-chan Decision { return w.decisions }

// Online reports whether D0 and D1 were idle High at the last check.
func (w *Wiegand) Online() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.online
}

// linesIdle reads D0 and D1 back: a line that reads Low while nothing is
// sent is shorted or pulled down by a miswired panel. (A GPIO controller
// that reports the driven level rather than the pin's cannot see a short;
// the check then proves only that the lines are configured.)
func (w *Wiegand) linesIdle() bool {
	return w.cfg.D0.Read() == gpio.High && w.cfg.D1.Read() == gpio.High
}

// Run sends queued frames and watches the LED line until ctx ends.
func (w *Wiegand) Run(ctx context.Context, beat func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	leds := make(chan input.Event)
	ledDone := make(chan error, 1)
	go func() { ledDone <- w.cfg.LED.Run(ctx, leds) }()
	ledErr, ended := w.serve(ctx, leds, ledDone, beat)
	cancel()
	if !ended {
		ledErr = <-ledDone
	}
	if ledErr != nil && ctx.Err() == nil {
		return fmt.Errorf("panel: wiegand LED line: %w", ledErr)
	}
	return nil
}

// serve is Run's loop. It returns when ctx ends or when the LED watcher
// has (ended, with its error).
func (w *Wiegand) serve(ctx context.Context, leds <-chan input.Event, ledDone <-chan error, beat func()) (ledErr error, ended bool) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var j judge
	defer j.stop()
	for {
		select {
		case <-ctx.Done():
			return nil, false
		case err := <-ledDone:
			return err, true
		case bits := <-w.sends:
			if err := w.tx.Send(ctx, bits); err != nil {
				if ctx.Err() != nil {
					return nil, false
				}
				w.cfg.Logger.Error("panel: wiegand frame not sent", "err", err)
				continue
			}
			j.sent(w.cfg.LED.Asserted())
		case e := <-leds:
			w.deliver(j.led(e.Asserted, e.At))
		case now := <-j.grantTimer():
			w.deliver(j.held(now))
		case <-tick.C:
			idle := w.linesIdle()
			w.mu.Lock()
			w.online = idle
			w.mu.Unlock()
			beat()
		}
	}
}

func (w *Wiegand) deliver(d *Decision) {
	if d == nil {
		return
	}
	select {
	case w.decisions <- *d:
	default:
		w.cfg.Logger.Warn("panel: decision dropped: nobody is reading them")
	}
}

// judge reads a panel's answer off the LED line after a frame: asserted
// and held for GrantHold grants; asserted and released sooner denies.
type judge struct {
	awaiting bool
	stale    bool // the line was asserted when the frame went out: an earlier answer
	timer    *time.Timer
}

// sent starts waiting for an answer. A line already asserted when the
// frame went out belongs to an earlier answer and is waited out.
func (j *judge) sent(asserted bool) {
	j.stop()
	j.awaiting, j.stale = true, asserted
}

func (j *judge) led(asserted bool, at time.Time) *Decision {
	switch {
	case !j.awaiting:
		return nil
	case j.stale:
		j.stale = asserted
		return nil
	case asserted:
		j.stop()
		j.timer = time.NewTimer(GrantHold)
		return nil
	case j.timer == nil:
		return nil
	}
	j.stop()
	j.awaiting = false
	return &Decision{Granted: false, Reason: "the panel blinked the LED line (deny)", At: at}
}

// held fires GrantHold after the line was asserted and stayed so.
func (j *judge) held(now time.Time) *Decision {
	j.timer = nil
	if !j.awaiting {
		return nil
	}
	j.awaiting = false
	return &Decision{Granted: true, At: now}
}

func (j *judge) grantTimer() <-chan time.Time {
	if j.timer == nil {
		return nil
	}
	return j.timer.C
}

func (j *judge) stop() {
	if j.timer != nil {
		j.timer.Stop()
		j.timer = nil
	}
}
