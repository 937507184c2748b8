// Package pinsim simulates GPIO pins behind periph's gpio.PinIO interface.
//
// A Pin records every level change with a timestamp from its clock (the
// monotonic clock by default), so that tests can measure pulse timing, and it
// can be driven from outside (Set) the way a wire or a switch drives a real
// input. Pins can be wired together (Connect) so that a transmitter on one
// simulated board is heard by a receiver on another.
package pinsim

import (
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/pin"
)

// Edge is one level change seen on a pin.
type Edge struct {
	At    time.Time  // when the level changed, with a monotonic reading
	Level gpio.Level // the level after the change
}

// pendingEdges bounds the edges queued for WaitForEdge, like a kernel's
// event FIFO; older edges are dropped when a reader falls behind.
const pendingEdges = 256

// Pin is a simulated GPIO line. The zero value is not usable; use New.
type Pin struct {
	// Clock returns the time stamped on edges. Set it before use to inject a
	// clock; nil means time.Now.
	Clock func() time.Time

	name string
	num  int

	mu       sync.Mutex
	level    gpio.Level
	output   bool
	pull     gpio.Pull
	edgeMode gpio.Edge
	history  []Edge
	pending  chan struct{}
	watchers map[int]func(Edge)
	nextID   int
}

var _ gpio.PinIO = (*Pin)(nil)

// New returns a pin at level Low configured as a floating input.
func New(name string, number int) *Pin {
	return &Pin{
		name:     name,
		num:      number,
		pending:  make(chan struct{}, pendingEdges),
		watchers: map[int]func(Edge){},
	}
}

// Set drives the pin's level from outside (a wire, a switch, a test). It
// records the edge, wakes WaitForEdge if the configured edge mode matches, and
// notifies watchers. Setting the current level again is not an edge.
func (p *Pin) Set(l gpio.Level) {
	p.change(l)
}

// Out drives the pin as an output.
func (p *Pin) Out(l gpio.Level) error {
	p.mu.Lock()
	p.output = true
	p.mu.Unlock()
	p.change(l)
	return nil
}

func (p *Pin) change(l gpio.Level) {
	p.mu.Lock()
	if p.level == l {
		p.mu.Unlock()
		return
	}
	p.level = l
	e := Edge{At: p.now(), Level: l}
	p.history = append(p.history, e)
	wake := p.edgeMode == gpio.BothEdges ||
		(p.edgeMode == gpio.RisingEdge && l == gpio.High) ||
		(p.edgeMode == gpio.FallingEdge && l == gpio.Low)
	watchers := make([]func(Edge), 0, len(p.watchers))
	for _, w := range p.watchers {
		watchers = append(watchers, w)
	}
	p.mu.Unlock()

	if wake && !p.isOutput() {
		select {
		case p.pending <- struct{}{}:
		default: // reader fell behind: drop, as a full kernel FIFO does
		}
	}
	for _, w := range watchers {
		w(e)
	}
}

func (p *Pin) isOutput() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output
}

func (p *Pin) now() time.Time {
	if p.Clock != nil {
		return p.Clock()
	}
	return time.Now()
}

// Watch calls fn synchronously for every later level change, in order, until
// the returned cancel function is called. fn must not block.
func (p *Pin) Watch(fn func(Edge)) (cancel func()) {
	p.mu.Lock()
	id := p.nextID
	p.nextID++
	p.watchers[id] = fn
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		delete(p.watchers, id)
		p.mu.Unlock()
	}
}

// Connect wires p to dst: every level change on p drives dst. It returns a
// function that cuts the wire.
func (p *Pin) Connect(dst *Pin) (cut func()) {
	dst.Set(p.Read())
	return p.Watch(func(e Edge) { dst.Set(e.Level) })
}

// Edges returns a copy of every level change recorded since New or Reset.
func (p *Pin) Edges() []Edge {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Edge(nil), p.history...)
}

// Reset forgets the recorded edges; the level is kept.
func (p *Pin) Reset() {
	p.mu.Lock()
	p.history = nil
	p.mu.Unlock()
}

// In configures the pin as an input and empties the queued edges.
func (p *Pin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	p.output = false
	if pull != gpio.PullNoChange {
		p.pull = pull
	}
	p.edgeMode = edge
	p.mu.Unlock()
	for {
		select {
		case <-p.pending:
		default:
			return nil
		}
	}
}

// Read returns the current level.
func (p *Pin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

// WaitForEdge waits for an edge of the configured kind. A negative timeout
// waits forever, as the interface documents.
func (p *Pin) WaitForEdge(timeout time.Duration) bool {
	if timeout < 0 {
		<-p.pending
		return true
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.pending:
		return true
	case <-t.C:
		return false
	}
}

// Pull returns the configured pull.
func (p *Pin) Pull() gpio.Pull {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pull
}

// DefaultPull is PullNoChange: a simulated line has no reset state.
func (p *Pin) DefaultPull() gpio.Pull { return gpio.PullNoChange }

// PWM is not supported by simulated pins.
func (p *Pin) PWM(gpio.Duty, physic.Frequency) error {
	return fmt.Errorf("pinsim: %s: PWM not supported", p.name)
}

// String returns the pin's name.
func (p *Pin) String() string { return p.name }

// Name returns the pin's name.
func (p *Pin) Name() string { return p.name }

// Number returns the pin's number.
func (p *Pin) Number() int { return p.num }

// Halt does nothing: a simulated pin has nothing running.
func (p *Pin) Halt() error { return nil }

// Function returns "In" or "Out".
//
// Deprecated: use Func.
func (p *Pin) Function() string { return string(p.Func()) }

// Func returns gpio.IN or gpio.OUT.
func (p *Pin) Func() pin.Func {
	if p.isOutput() {
		return gpio.OUT
	}
	return gpio.IN
}

// SupportedFuncs lists input and output.
func (p *Pin) SupportedFuncs() []pin.Func { return []pin.Func{gpio.IN, gpio.OUT} }

// SetFunc switches between input and output.
func (p *Pin) SetFunc(f pin.Func) error {
	switch f {
	case gpio.IN:
		return p.In(gpio.PullNoChange, gpio.NoEdge)
	case gpio.OUT:
		return p.Out(p.Read())
	default:
		return fmt.Errorf("pinsim: %s: unsupported function %q", p.name, f)
	}
}

var _ conn.Resource = (*Pin)(nil)
