package output

import (
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

// fakeTimers fires scheduled functions when the test says so.
type fakeTimers struct {
	mu      sync.Mutex
	pending []*fakeTimer
}

type fakeTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (t *fakeTimer) Stop() bool { s := !t.stopped; t.stopped = true; return s }

func (ft *fakeTimers) after(d time.Duration, f func()) Timer {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	t := &fakeTimer{d: d, f: f}
	ft.pending = append(ft.pending, t)
	return t
}

// fireAll runs every timer not stopped, as if their time had come.
func (ft *fakeTimers) fireAll() {
	ft.mu.Lock()
	p := ft.pending
	ft.pending = nil
	ft.mu.Unlock()
	for _, t := range p {
		if !t.stopped {
			t.f()
		}
	}
}

func newOut(t *testing.T, activeLow bool) (*Output, *pinsim.Pin, *fakeTimers) {
	t.Helper()
	pin := pinsim.New("RELAY", 0)
	pin.Set(gpio.High) // whatever the line was before palmd started
	ft := &fakeTimers{}
	o, err := New(pin, Config{Name: "relay", ActiveLow: activeLow, AfterFunc: ft.after})
	if err != nil {
		t.Fatal(err)
	}
	return o, pin, ft
}

func levels(p *pinsim.Pin) []gpio.Level {
	var out []gpio.Level
	for _, e := range p.Edges() {
		out = append(out, e.Level)
	}
	return out
}

func TestNewDeEnergises(t *testing.T) {
	for _, activeLow := range []bool{false, true} {
		o, pin, _ := newOut(t, activeLow)
		want := gpio.Level(activeLow) // de-energised level
		if pin.Read() != want || o.State().Energised {
			t.Errorf("activeLow=%v: line %v after New, want %v (de-energised)", activeLow, pin.Read(), want)
		}
	}
}

func TestPulseEnergisesThenReleases(t *testing.T) {
	tests := []struct {
		activeLow bool
		on, off   gpio.Level
	}{
		{false, gpio.High, gpio.Low},
		{true, gpio.Low, gpio.High},
	}
	for _, tt := range tests {
		o, pin, ft := newOut(t, tt.activeLow)
		pin.Reset()
		if err := o.Pulse(3 * time.Second); err != nil {
			t.Fatal(err)
		}
		if pin.Read() != tt.on || !o.State().Energised || o.State().Until.IsZero() {
			t.Fatalf("activeLow=%v: not energised during pulse", tt.activeLow)
		}
		ft.fireAll()
		if pin.Read() != tt.off || o.State().Energised {
			t.Fatalf("activeLow=%v: still energised after pulse", tt.activeLow)
		}
		if got := levels(pin); len(got) != 2 || got[0] != tt.on || got[1] != tt.off {
			t.Fatalf("activeLow=%v: edges %v, want [%v %v]", tt.activeLow, got, tt.on, tt.off)
		}
	}
}

// A second grant during a pulse restarts the time; the first pulse's timer
// must not cut the second one short.
func TestPulseRestartsAndOldTimerIsIgnored(t *testing.T) {
	o, pin, ft := newOut(t, false)
	_ = o.Pulse(time.Second)
	first := ft.pending[0]
	_ = o.Pulse(time.Second)
	first.f() // a stale callback that raced with Stop
	if pin.Read() != gpio.High {
		t.Fatal("stale timer de-energised a newer pulse")
	}
	ft.fireAll()
	if pin.Read() != gpio.Low {
		t.Fatal("second pulse never ended")
	}
}

func TestHoldOutlastsPulsesUntilRelease(t *testing.T) {
	o, pin, ft := newOut(t, false)
	_ = o.Pulse(time.Second)
	if err := o.Hold(); err != nil {
		t.Fatal(err)
	}
	_ = o.Pulse(time.Second)
	ft.fireAll()
	if pin.Read() != gpio.High || !o.State().Held {
		t.Fatal("hold ended by a pulse timer")
	}
	if err := o.Release(); err != nil {
		t.Fatal(err)
	}
	if pin.Read() != gpio.Low || o.State().Energised {
		t.Fatal("release left the output energised")
	}
}

func TestCloseIsTheSafeState(t *testing.T) {
	o, pin, _ := newOut(t, true)
	_ = o.Hold()
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if pin.Read() != gpio.High { // active-low: High is de-energised
		t.Fatal("Close left the coil energised")
	}
	if err := o.Pulse(0); err == nil {
		t.Fatal("zero pulse accepted")
	}
}

func TestRealTimerEndsPulse(t *testing.T) {
	pin := pinsim.New("GPO", 1)
	o, err := New(pin, Config{Name: "gpo"})
	if err != nil {
		t.Fatal(err)
	}
	_ = o.Pulse(5 * time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for pin.Read() == gpio.High && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if pin.Read() != gpio.Low {
		t.Fatal("pulse with the real clock never ended")
	}
}
