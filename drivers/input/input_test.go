package input

import (
	"context"
	"errors"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

const debounce = 20 * time.Millisecond

// run starts in.Run and stops it when the test ends, checking it returned
// the context's error.
func run(t *testing.T, in *Input) <-chan Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event, 8)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx, events) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	})
	return events
}

func expect(t *testing.T, events <-chan Event, asserted bool) Event {
	t.Helper()
	select {
	case e := <-events:
		if e.Asserted != asserted {
			t.Fatalf("got asserted=%v, want %v", e.Asserted, asserted)
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatalf("no event (want asserted=%v)", asserted)
	}
	return Event{}
}

func expectNone(t *testing.T, events <-chan Event) {
	t.Helper()
	select {
	case e := <-events:
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(5 * debounce):
	}
}

func newInput(t *testing.T, level gpio.Level, activeLow bool) (*Input, *pinsim.Pin) {
	t.Helper()
	pin := pinsim.New("GPI", 0)
	pin.Set(level)
	in, err := New(pin, Config{Name: "gpi", ActiveLow: activeLow, Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	return in, pin
}

func TestInitialStateIsRead(t *testing.T) {
	tests := []struct {
		level     gpio.Level
		activeLow bool
		want      bool
	}{
		{gpio.Low, true, true},
		{gpio.High, true, false},
		{gpio.High, false, true},
		{gpio.Low, false, false},
	}
	for _, tt := range tests {
		in, _ := newInput(t, tt.level, tt.activeLow)
		if in.Asserted() != tt.want {
			t.Errorf("level %v activeLow %v: asserted %v, want %v", tt.level, tt.activeLow, in.Asserted(), tt.want)
		}
	}
}

func TestBounceBurstReportsOneChange(t *testing.T) {
	in, pin := newInput(t, gpio.High, true)
	events := run(t, in)
	for range 5 { // contact bounce, settling Low
		pin.Set(gpio.Low)
		pin.Set(gpio.High)
	}
	pin.Set(gpio.Low)
	e := expect(t, events, true)
	if e.Name != "gpi" || e.At.IsZero() {
		t.Fatalf("event %+v: want the input's name and a time", e)
	}
	expectNone(t, events)
	if !in.Asserted() {
		t.Fatal("state not updated")
	}
}

func TestGlitchShorterThanDebounceIsIgnored(t *testing.T) {
	in, pin := newInput(t, gpio.High, true)
	events := run(t, in)
	pin.Set(gpio.Low)
	pin.Set(gpio.High) // back well before the line was quiet for the debounce time
	expectNone(t, events)
	if in.Asserted() {
		t.Fatal("a glitch changed the state")
	}
	pin.Set(gpio.Low)
	expect(t, events, true)
	pin.Set(gpio.High)
	expect(t, events, false)
}

// A change whose edge was lost (the kernel's queue overflowed, or it came
// between reads) is still found by the periodic re-read.
func TestChangeWithoutEdgeIsFound(t *testing.T) {
	pin := pinsim.New("GPI", 0)
	in, err := New(pin, Config{Name: "gpi", Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	_ = pin.In(gpio.PullNoChange, gpio.NoEdge) // the line stops reporting edges
	events := run(t, in)
	pin.Set(gpio.High)
	expect(t, events, true)
}

func TestBadDebounce(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Millisecond} {
		if _, err := New(pinsim.New("x", 0), Config{Name: "x", Debounce: d}); err == nil {
			t.Errorf("debounce %v accepted", d)
		}
	}
}
