package wiegand

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Timing limits: SIA AC-01-1996.10, "Access Control Standard Protocol for
// the 26-Bit Wiegand Reader Interface", allows a pulse width (Tpw) of
// 20-100 µs and a pulse interval (Tpi, start to start) of 200 µs-20 ms, as
// quoted in the ZKTeco and TDSi reader manuals. A panel built to it may miss
// or merge pulses outside those ranges, so the transmitter refuses them.
const (
	MinPulseWidth = 20 * time.Microsecond
	MaxPulseWidth = 100 * time.Microsecond
	MinInterval   = 200 * time.Microsecond
	MaxInterval   = 20 * time.Millisecond

	DefaultPulseWidth = 50 * time.Microsecond
	DefaultInterval   = 2 * time.Millisecond
	// DefaultFrameGap is the quiet time kept between two frames: above the
	// ~25 ms a receiver waits before it ends a frame.
	DefaultFrameGap = 50 * time.Millisecond
)

// An interval is slept in part and spun for the rest. Measured on Linux
// (Go 1.26, a second core busy), a sleep returns ~0.1-0.2 ms late when it
// ends near a millisecond and up to ~1 ms late otherwise (any sleep under
// 1 ms takes about 1.1 ms), so a sleep must end a full millisecond before
// the deadline and is only worth taking when it is long enough.
const (
	spinMargin = time.Millisecond
	minSleep   = 500 * time.Microsecond
)

// TransmitterConfig sets the wire timing; zero fields take the defaults.
type TransmitterConfig struct {
	PulseWidth time.Duration // how long a data line is held Low for one bit
	Interval   time.Duration // from the start of one pulse to the start of the next
	FrameGap   time.Duration // minimum quiet time between frames (≥ 1 ms)
	// RealtimePriority, 1-99, runs each frame under SCHED_FIFO at that
	// priority (Linux, CAP_SYS_NICE) so other processes cannot stretch a
	// pulse; 0 sends at normal priority. When it cannot be had, frames go
	// out at normal priority and Logger says so once.
	RealtimePriority int
	Logger           *slog.Logger // nil: no logging
}

func (c TransmitterConfig) withDefaults() TransmitterConfig {
	if c.PulseWidth == 0 {
		c.PulseWidth = DefaultPulseWidth
	}
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.FrameGap == 0 {
		c.FrameGap = DefaultFrameGap
	}
	return c
}

// Validate reports timing a panel would not accept, wrapping ErrTiming.
func (c TransmitterConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.PulseWidth < MinPulseWidth || c.PulseWidth > MaxPulseWidth:
		return fmt.Errorf("wiegand: pulse width %v outside %v-%v: %w", c.PulseWidth, MinPulseWidth, MaxPulseWidth, ErrTiming)
	case c.Interval < MinInterval || c.Interval > MaxInterval:
		return fmt.Errorf("wiegand: pulse interval %v outside %v-%v: %w", c.Interval, MinInterval, MaxInterval, ErrTiming)
	case c.Interval <= c.PulseWidth:
		return fmt.Errorf("wiegand: pulse interval %v not above pulse width %v: %w", c.Interval, c.PulseWidth, ErrTiming)
	case c.FrameGap < time.Millisecond || c.FrameGap > time.Second:
		return fmt.Errorf("wiegand: frame gap %v outside 1ms-1s: %w", c.FrameGap, ErrTiming)
	case c.RealtimePriority < 0 || c.RealtimePriority > 99:
		return fmt.Errorf("wiegand: realtime priority %d outside 0-99: %w", c.RealtimePriority, ErrTiming)
	}
	return nil
}

// Transmitter bit-bangs frames on D0 and D1. Frames are sent one at a time.
type Transmitter struct {
	d0, d1 gpio.PinOut
	cfg    TransmitterConfig
	turn   chan struct{} // holds a token while a frame is on the wire
	last   time.Time     // end of the previous frame
	rtWarn sync.Once
}

// NewTransmitter checks the timing and drives both lines to idle High.
func NewTransmitter(d0, d1 gpio.PinOut, cfg TransmitterConfig) (*Transmitter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Transmitter{d0: d0, d1: d1, cfg: cfg.withDefaults(), turn: make(chan struct{}, 1)}
	if err := t.idle(); err != nil {
		return nil, err
	}
	return t, nil
}

// Config returns the timing in use, defaults filled in.
func (t *Transmitter) Config() TransmitterConfig { return t.cfg }

func (t *Transmitter) idle() error {
	err0 := t.d0.Out(gpio.High)
	err1 := t.d1.Out(gpio.High)
	if err0 != nil {
		return fmt.Errorf("wiegand: D0 idle: %w", err0)
	}
	if err1 != nil {
		return fmt.Errorf("wiegand: D1 idle: %w", err1)
	}
	return nil
}

// Send transmits one frame. It waits for any frame in progress and for the
// frame gap; ctx bounds that wait and is checked between bits: a cancelled
// frame is cut short (the panel discards it for its length) and the lines
// are left idle.
func (t *Transmitter) Send(ctx context.Context, frame Bits) error {
	if len(frame) == 0 || len(frame) > MaxBits {
		return fmt.Errorf("wiegand: send: %d-bit frame outside 1-%d: %w", len(frame), MaxBits, ErrLength)
	}
	select {
	case t.turn <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wiegand: send: %w", ctx.Err())
	}
	defer func() { <-t.turn }()

	if err := sleepCtx(ctx, time.Until(t.last.Add(t.cfg.FrameGap))); err != nil {
		return fmt.Errorf("wiegand: send: %w", err)
	}
	// Keep this goroutine on one OS thread so a pulse is not split by a
	// thread migration; the spin loops below keep it running.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if restore := t.realtime(); restore != nil {
		defer restore() // runs before UnlockOSThread
	}
	err := t.sendBits(ctx, frame)
	t.last = time.Now()
	if err != nil {
		if ierr := t.idle(); ierr != nil {
			return fmt.Errorf("wiegand: send: %w (and %v)", err, ierr)
		}
		return fmt.Errorf("wiegand: send: %w", err)
	}
	return nil
}

// realtime raises the locked thread's priority when configured; it returns
// the function that lowers it again, or nil.
func (t *Transmitter) realtime() (restore func()) {
	if t.cfg.RealtimePriority == 0 {
		return nil
	}
	restore, err := raisePriority(t.cfg.RealtimePriority)
	if err != nil && t.cfg.Logger != nil {
		t.rtWarn.Do(func() {
			t.cfg.Logger.Warn("wiegand: sending at normal priority", "err", err)
		})
	}
	return restore
}

// sendBits starts each pulse one interval after the previous one actually
// started: a late bit delays the rest rather than squeezing the next
// interval below the configured one, which a panel may not accept.
func (t *Transmitter) sendBits(ctx context.Context, frame Bits) error {
	var prev time.Time
	for i, bit := range frame {
		if i > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			waitUntil(prev.Add(t.cfg.Interval))
		}
		line := t.d0
		if bit {
			line = t.d1
		}
		// Timing from before the call balances the driver's latency on
		// both edges of the pulse.
		prev = time.Now()
		if err := line.Out(gpio.Low); err != nil {
			return fmt.Errorf("bit %d: %w", i, err)
		}
		spinUntil(prev.Add(t.cfg.PulseWidth))
		if err := line.Out(gpio.High); err != nil {
			return fmt.Errorf("bit %d: %w", i, err)
		}
	}
	return nil
}

// waitUntil sleeps for most of the wait and spins the last part.
func waitUntil(deadline time.Time) {
	if d := time.Until(deadline) - spinMargin; d >= minSleep {
		time.Sleep(d)
	}
	spinUntil(deadline)
}

// spinUntil busy-waits on the monotonic clock: time.Sleep cannot hold a
// 50 µs pulse.
func spinUntil(deadline time.Time) {
	for time.Now().Before(deadline) {
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
