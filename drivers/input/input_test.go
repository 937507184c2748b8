package input

import (
	"context"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

const debounce = 20 * time.Millisecond

func run(t *testing.T, in *Input) <-chan Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event, 8)
	done := make(chan struct{})
	go func() { in.Run(ctx, events); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return events
}

func expect(t *testing.T, events <-chan Event, asserted bool) {
	t.Helper()
	select {
	case e := <-events:
		if e.Asserted != asserted {
			t.Fatalf("got asserted=%v, want %v", e.Asserted, asserted)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no event (want asserted=%v)", asserted)
	}
}

func expectNone(t *testing.T, events <-chan Event) {
	t.Helper()
	select {
	case e := <-events:
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(4 * debounce):
	}
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
	}
	for _, tt := range tests {
		pin := pinsim.New("GPI", 0)
		pin.Set(tt.level)
		in, err := New(pin, Config{Name: "gpi", ActiveLow: tt.activeLow, Debounce: debounce})
		if err != nil {
			t.Fatal(err)
		}
		if in.Asserted() != tt.want {
			t.Errorf("level %v activeLow %v: asserted %v, want %v", tt.level, tt.activeLow, in.Asserted(), tt.want)
		}
	}
}

func TestBounceBurstReportsOneChange(t *testing.T) {
	pin := pinsim.New("GPI", 0)
	pin.Set(gpio.High)
	in, err := New(pin, Config{Name: "gpi", ActiveLow: true, Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	events := run(t, in)
	for range 5 { // contact bounce, settling Low
		pin.Set(gpio.Low)
		pin.Set(gpio.High)
	}
	pin.Set(gpio.Low)
	expect(t, events, true)
	expectNone(t, events)
	if !in.Asserted() {
		t.Fatal("state not updated")
	}
}

func TestGlitchShorterThanDebounceIsIgnored(t *testing.T) {
	pin := pinsim.New("GPI", 0)
	pin.Set(gpio.High)
	in, err := New(pin, Config{Name: "gpi", ActiveLow: true, Debounce: debounce})
	if err != nil {
		t.Fatal(err)
	}
	events := run(t, in)
	pin.Set(gpio.Low)
	pin.Set(gpio.High) // back before the line was quiet for the debounce time
	expectNone(t, events)
	pin.Set(gpio.Low)
	expect(t, events, true)
	pin.Set(gpio.High)
	expect(t, events, false)
}

func TestTamperOpenAndClose(t *testing.T) {
	pin := pinsim.New("TAMPER", 0)
	pin.Set(gpio.Low) // closed switch pulls Low
	tm, err := NewTamper(pin, true, debounce)
	if err != nil {
		t.Fatal(err)
	}
	if tm.Open() {
		t.Fatal("closed case reported open at start")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan TamperEvent, 4)
	go tm.Run(ctx, events)
	for _, tt := range []struct {
		level gpio.Level
		open  bool
	}{{gpio.High, true}, {gpio.Low, false}} {
		pin.Set(tt.level)
		select {
		case e := <-events:
			if e.Open != tt.open || tm.Open() != tt.open {
				t.Fatalf("event open=%v state %v, want %v", e.Open, tm.Open(), tt.open)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no tamper event")
		}
	}
}

func TestBadDebounce(t *testing.T) {
	if _, err := New(pinsim.New("x", 0), Config{Name: "x"}); err == nil {
		t.Fatal("zero debounce accepted")
	}
}
