package output

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// ErrClosed is returned by commands to a closed Output.
var ErrClosed = errors.New("output: closed")

// retryEvery paces further attempts to de-energise a line whose write failed
// when a pulse ended: a line stuck energised is a door stuck open.
const retryEvery = 100 * time.Millisecond

// Timer is a scheduled call that can be cancelled; *time.Timer is one.
type Timer interface{ Stop() bool }

// Clock tells the time and schedules pulse ends; tests inject a manual one.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

type realClock struct{}

var (
	_ Clock = realClock{}
	_ Timer = (*time.Timer)(nil)
)

func (realClock) Now() time.Time                            { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Config describes the line.
type Config struct {
	Name      string       // for errors and logs, e.g. "relay"
	ActiveLow bool         // the load is energised by a Low level
	Clock     Clock        // nil: the system clock
	Log       *slog.Logger // nil: slog.Default()
}

// State is what the output is doing, for health reports and OSDP OSTAT.
type State struct {
	Energised bool      // the line was last driven to the energised level
	Held      bool      // energised until Release
	Until     time.Time // end of the current pulse; zero when not pulsing
	Fault     error     // the last failed write, nil once a write succeeds
}

// Output is one digital output. It is safe for concurrent use.
type Output struct {
	pin gpio.PinOut
	cfg Config

	mu        sync.Mutex
	energised bool
	held      bool
	closed    bool
	until     time.Time
	fault     error
	timer     Timer
	gen       uint64 // invalidates the callbacks of superseded timers
}

// New takes the line and de-energises it: the state at start is the safe
// one whatever a previous run left.
func New(pin gpio.PinOut, cfg Config) (*Output, error) {
	if cfg.Clock == nil {
		cfg.Clock = realClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	o := &Output{pin: pin, cfg: cfg}
	if err := o.drive(false); err != nil {
		return nil, err
	}
	return o, nil
}

// Pulse energises the output for d. A pulse during a pulse never shortens
// it: the output stays energised until the later of the two ends, so a
// second grant keeps the door open its full time. A pulse while held changes
// nothing: the hold lasts until Release.
func (o *Output) Pulse(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("output %s: pulse of %v: must be positive", o.cfg.Name, d)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if o.held {
		return nil
	}
	end := o.cfg.Clock.Now().Add(d)
	if !o.until.IsZero() && o.until.After(end) {
		return nil
	}
	o.stopTimerLocked()
	o.until = end
	gen := o.gen
	o.timer = o.cfg.Clock.AfterFunc(d, func() { o.endPulse(gen) })
	if err := o.drive(true); err != nil {
		o.stopTimerLocked()
		o.until = time.Time{}
		return err
	}
	return nil
}

// endPulse de-energises at the end of a pulse, retrying a failed write: it
// runs on a timer, so there is no caller to hand the error to.
func (o *Output) endPulse(gen uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if gen != o.gen {
		return // superseded by a later command
	}
	o.until = time.Time{}
	o.timer = nil
	if err := o.drive(false); err != nil {
		o.cfg.Log.Error("output: pulse end: de-energise failed, retrying", "output", o.cfg.Name, "err", err)
		o.timer = o.cfg.Clock.AfterFunc(retryEvery, func() { o.endPulse(gen) })
	}
}

// Hold energises the output until Release.
func (o *Output) Hold() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	o.stopTimerLocked()
	o.held = true
	o.until = time.Time{}
	return o.drive(true)
}

// OffFor de-energises a held output for d, then holds it again: OSDP's
// "temporary off, then resume the permanent state". An output that is not
// held has no permanent on-state to resume, so it is simply released. Any
// later command supersedes the resumption, so a "permanent off" given
// during the pause is never undone by it.
func (o *Output) OffFor(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("output %s: off for %v: must be positive", o.cfg.Name, d)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	if !o.held {
		return o.releaseLocked()
	}
	o.stopTimerLocked()
	gen := o.gen
	o.until = time.Time{}
	if err := o.drive(false); err != nil {
		return err
	}
	o.timer = o.cfg.Clock.AfterFunc(d, func() { o.resumeHold(gen) })
	return nil
}

// resumeHold ends an OffFor pause unless a later command superseded it.
func (o *Output) resumeHold(gen uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if gen != o.gen || o.closed {
		return
	}
	o.timer = nil
	if err := o.drive(true); err != nil {
		o.cfg.Log.Error("output: resuming a hold failed", "output", o.cfg.Name, "err", err)
	}
}

// Release de-energises the output, ending any pulse or hold.
func (o *Output) Release() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	return o.releaseLocked()
}

func (o *Output) releaseLocked() error {
	o.stopTimerLocked()
	o.held = false
	o.until = time.Time{}
	return o.drive(false)
}

// Close de-energises the output, the safe state, and refuses later commands.
// Closing twice is not an error.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	return o.releaseLocked()
}

// State reports what the output is doing.
func (o *Output) State() State {
	o.mu.Lock()
	defer o.mu.Unlock()
	return State{Energised: o.energised, Held: o.held, Until: o.until, Fault: o.fault}
}

// stopTimerLocked cancels the pending timer; bumping gen also disarms a
// callback that fired but is still waiting for mu.
func (o *Output) stopTimerLocked() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	o.gen++
}

// drive sets the line; callers hold mu (or own o exclusively, in New).
func (o *Output) drive(energise bool) error {
	level := gpio.Level(energise != o.cfg.ActiveLow)
	if err := o.pin.Out(level); err != nil {
		o.fault = fmt.Errorf("output %s: drive %v: %w", o.cfg.Name, level, err)
		return o.fault
	}
	o.energised = energise
	o.fault = nil
	return nil
}
