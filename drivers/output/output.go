// Package output drives a digital output (the door relay's coil, the GPO):
// energise for a time, hold, release.
//
// The safe state is de-energised. An Output is de-energised when it is made
// and when it is closed, and the kernel releases a GPIO line when the process
// dies, so a crash or a restart always leaves the load de-energised. What that
// means for the door depends on the wiring, which the installer chooses from
// the lock type:
//
//   - fail-secure lock (a strike that unlocks while powered): wire it on
//     COM/NO. De-energised relay, open NO, unpowered strike: locked. A crash
//     or a power cut leaves the door locked.
//   - fail-safe lock (a maglock that holds while powered): wire it on COM/NC.
//     De-energised relay, closed NC, powered maglock: locked. Energising opens
//     NC and releases the door. A crash leaves it locked; a power cut to the
//     lock's supply releases it, as fail-safe doors must.
//
// Either way "unlock" means "energise", and nothing in the firmware needs to
// know which lock is fitted.
package output

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Timer is the part of *time.Timer an Output uses.
type Timer interface{ Stop() bool }

// AfterFunc schedules f after d; time.AfterFunc in production, a fake in tests.
type AfterFunc func(d time.Duration, f func()) Timer

// Config describes the line.
type Config struct {
	Name      string    // for errors, e.g. "relay"
	ActiveLow bool      // the load is energised by a Low level
	AfterFunc AfterFunc // nil: time.AfterFunc
	Now       func() time.Time
}

// State is what the output is doing, for health reports and OSDP OSTAT.
type State struct {
	Energised bool
	Held      bool      // energised until Release
	Until     time.Time // end of the current pulse; zero when not pulsing
}

// Output is one digital output. It is safe for concurrent use.
type Output struct {
	pin gpio.PinOut
	cfg Config

	mu    sync.Mutex
	held  bool
	until time.Time
	timer Timer
	gen   uint64 // invalidates the callbacks of superseded pulses
}

// New takes the line and de-energises it.
func New(pin gpio.PinOut, cfg Config) (*Output, error) {
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Output{pin: pin, cfg: cfg}
	if err := o.drive(false); err != nil {
		return nil, err
	}
	return o, nil
}

// Pulse energises the output for d. A pulse during a pulse restarts the time
// from now (a second grant keeps the door open the full time again); a pulse
// while held changes nothing.
func (o *Output) Pulse(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s: pulse of %v: must be positive", o.cfg.Name, d)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.held {
		return nil
	}
	o.stopTimer()
	o.gen++
	gen := o.gen
	o.until = o.cfg.Now().Add(d)
	o.timer = o.cfg.AfterFunc(d, func() { o.endPulse(gen) })
	return o.drive(true)
}

func (o *Output) endPulse(gen uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if gen != o.gen || o.held {
		return
	}
	o.until = time.Time{}
	o.timer = nil
	_ = o.drive(false) // nothing to report to: the next command retries
}

// Hold energises the output until Release.
func (o *Output) Hold() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stopTimer()
	o.held = true
	o.until = time.Time{}
	return o.drive(true)
}

// Release de-energises the output and cancels any pulse or hold.
func (o *Output) Release() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.stopTimer()
	o.held = false
	o.until = time.Time{}
	return o.drive(false)
}

// Close releases the output: the safe state.
func (o *Output) Close() error { return o.Release() }

// State reports what the output is doing.
func (o *Output) State() State {
	o.mu.Lock()
	defer o.mu.Unlock()
	return State{Energised: o.held || !o.until.IsZero(), Held: o.held, Until: o.until}
}

func (o *Output) stopTimer() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	o.gen++
}

// drive sets the line; callers hold mu.
func (o *Output) drive(energise bool) error {
	level := gpio.Level(energise != o.cfg.ActiveLow)
	if err := o.pin.Out(level); err != nil {
		return fmt.Errorf("%s: drive %v: %w", o.cfg.Name, level, err)
	}
	return nil
}
