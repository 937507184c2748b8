package wiegand

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Line names a Wiegand data line.
type Line int

// The two data lines.
const (
	D0 Line = iota // carries 0 bits
	D1             // carries 1 bits
)

func (l Line) String() string {
	if l == D1 {
		return "D1"
	}
	return "D0"
}

// Frame is one received frame.
type Frame struct {
	Bits  Bits
	Start time.Time // falling edge of the first pulse
	End   time.Time // last edge of the frame
}

// Clock schedules the end-of-frame timeout; tests inject a manual one.
type Clock interface {
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a scheduled call that can be cancelled.
type Timer interface {
	Stop() bool
}

type realClock struct{}

var (
	_ Clock = realClock{}
	_ Timer = (*time.Timer)(nil)
)

func (realClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// ReceiverConfig sets the receiver's noise rejection; zero fields take the
// defaults.
type ReceiverConfig struct {
	FrameTimeout  time.Duration // silence that ends a frame; default 25 ms
	MinPulseWidth time.Duration // shorter Low pulses are glitches; default 10 µs
	MinBits       int           // shorter frames are noise; default 4 (keypad digits)
	MaxBits       int           // longer frames are noise; default MaxBits
	Buffer        int           // frames held for a slow consumer; default 16
	Clock         Clock         // default: the real clock
}

func (c ReceiverConfig) withDefaults() ReceiverConfig {
	if c.FrameTimeout <= 0 {
		c.FrameTimeout = 25 * time.Millisecond
	}
	if c.MinPulseWidth <= 0 {
		c.MinPulseWidth = 10 * time.Microsecond
	}
	if c.MinBits <= 0 {
		c.MinBits = 4
	}
	if c.MaxBits <= 0 {
		c.MaxBits = MaxBits
	}
	if c.Buffer <= 0 {
		c.Buffer = 16
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	return c
}

// Rejections counts what the receiver threw away.
type Rejections struct {
	Glitches uint64 // pulses shorter than MinPulseWidth
	BothLow  uint64 // frames discarded because D0 and D1 were Low together
	TooShort uint64 // frames under MinBits
	TooLong  uint64 // frames over MaxBits
	Stuck    uint64 // frames ended with a line still Low
	Dropped  uint64 // good frames lost because the consumer was not reading
}

// Receiver turns D0/D1 edges into frames. It knows nothing of pins: the
// caller feeds it edges (Feed, or Attach for subscription-style sources).
type Receiver struct {
	cfg    ReceiverConfig
	frames chan Frame

	mu      sync.Mutex
	closed  bool
	level   [2]gpio.Level
	lowAt   [2]time.Time
	bits    Bits
	start   time.Time
	lastAt  time.Time
	corrupt bool // D0 and D1 were Low together: drop at frame end
	active  bool // edges seen since the last frame end
	timer   Timer
	gen     uint64
	rej     Rejections
}

// NewReceiver returns a receiver with both lines idle High.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	cfg = cfg.withDefaults()
	if cfg.MinBits > cfg.MaxBits {
		return nil, fmt.Errorf("wiegand: receiver: MinBits %d above MaxBits %d: %w", cfg.MinBits, cfg.MaxBits, ErrLength)
	}
	return &Receiver{
		cfg:    cfg,
		frames: make(chan Frame, cfg.Buffer),
		level:  [2]gpio.Level{gpio.High, gpio.High},
	}, nil
}

// Frames returns the channel of accepted frames; it is closed by Close.
func (r *Receiver) Frames() <-chan Frame { return r.frames }

// Rejections returns the counts so far.
func (r *Receiver) Rejections() Rejections {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rej
}

// Feed reports that line changed to level at the given time. Edges of one
// line must arrive in order; a repeated level is ignored.
func (r *Receiver) Feed(line Line, level gpio.Level, at time.Time) {
	if line != D0 && line != D1 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.level[line] == level {
		return
	}
	// A timer that fired late must not glue two frames together.
	if r.active && at.Sub(r.lastAt) >= r.cfg.FrameTimeout {
		r.finishLocked()
	}
	r.level[line] = level
	r.lastAt = at
	r.active = true
	if level == gpio.Low {
		r.lowAt[line] = at
		if r.level[1-line] == gpio.Low {
			r.corrupt = true
		}
	} else {
		r.pulseEndLocked(line, at)
	}
	r.armLocked()
}

func (r *Receiver) pulseEndLocked(line Line, at time.Time) {
	if r.lowAt[line].IsZero() {
		return // the end of a pulse that began in an abandoned frame
	}
	if at.Sub(r.lowAt[line]) < r.cfg.MinPulseWidth {
		r.rej.Glitches++
		return
	}
	if len(r.bits) == 0 {
		r.start = r.lowAt[line]
	}
	if len(r.bits) <= r.cfg.MaxBits { // one over the limit marks the frame too long
		r.bits = append(r.bits, line == D1)
	}
}

func (r *Receiver) armLocked() {
	if r.timer != nil {
		r.timer.Stop()
	}
	r.gen++
	gen := r.gen
	r.timer = r.cfg.Clock.AfterFunc(r.cfg.FrameTimeout, func() { r.expire(gen) })
}

func (r *Receiver) expire(gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen == r.gen && !r.closed && r.active {
		r.finishLocked()
	}
}

// finishLocked ends the current frame: emit it or count why not.
func (r *Receiver) finishLocked() {
	bits, start, end := r.bits, r.start, r.lastAt
	corrupt, stuck := r.corrupt, false
	for _, l := range []Line{D0, D1} {
		if r.level[l] == gpio.Low {
			stuck = true
			r.lowAt[l] = time.Time{}
		}
	}
	r.bits, r.corrupt, r.active = nil, false, false
	switch {
	case corrupt:
		r.rej.BothLow++
	case stuck:
		r.rej.Stuck++
	case len(bits) == 0:
		// only glitches: already counted
	case len(bits) < r.cfg.MinBits:
		r.rej.TooShort++
	case len(bits) > r.cfg.MaxBits:
		r.rej.TooLong++
	default:
		select {
		case r.frames <- Frame{Bits: bits, Start: start, End: end}:
		default:
			r.rej.Dropped++
		}
	}
}

// Close stops the receiver and closes Frames; a frame in progress is lost.
func (r *Receiver) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
	}
	close(r.frames)
}

// Subscribe registers fn to be called for every level change of one line
// and returns a function that cancels it. A pin simulator's or driver's
// watch function fits through a small closure.
type Subscribe func(fn func(level gpio.Level, at time.Time)) (cancel func())

// Attach feeds the receiver from two line subscriptions and returns a
// function that cancels both.
func (r *Receiver) Attach(d0, d1 Subscribe) (cancel func()) {
	c0 := d0(func(l gpio.Level, at time.Time) { r.Feed(D0, l, at) })
	c1 := d1(func(l gpio.Level, at time.Time) { r.Feed(D1, l, at) })
	return func() { c0(); c1() }
}
