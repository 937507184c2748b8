package input

import (
	"context"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

func TestTamperInitialState(t *testing.T) {
	tests := []struct {
		level     gpio.Level
		closedLow bool
		open      bool
	}{
		{gpio.Low, true, false},
		{gpio.High, true, true}, // palmd started with the case already open
		{gpio.High, false, false},
		{gpio.Low, false, true},
	}
	for _, tt := range tests {
		pin := pinsim.New("TAMPER", 0)
		pin.Set(tt.level)
		tm, err := NewTamper(pin, tt.closedLow, debounce)
		if err != nil {
			t.Fatal(err)
		}
		if tm.Open() != tt.open {
			t.Errorf("level %v closedLow %v: open %v, want %v", tt.level, tt.closedLow, tm.Open(), tt.open)
		}
	}
}

func TestTamperOpenAndCloseEvents(t *testing.T) {
	pin := pinsim.New("TAMPER", 0)
	pin.Set(gpio.Low) // closed switch pulls Low
	tm, err := NewTamper(pin, true, debounce)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan TamperEvent, 4)
	done := make(chan error, 1)
	go func() { done <- tm.Run(ctx, events) }()
	steps := []struct {
		level gpio.Level
		open  bool
	}{{gpio.High, true}, {gpio.Low, false}, {gpio.High, true}}
	for i, tt := range steps {
		pin.Set(gpio.Level(!tt.level)) // a bounce first
		pin.Set(tt.level)
		select {
		case e := <-events:
			if e.Open != tt.open || tm.Open() != tt.open || e.At.IsZero() {
				t.Fatalf("step %d: event %+v, state open=%v, want open=%v", i, e, tm.Open(), tt.open)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("step %d: no tamper event", i)
		}
	}
	select {
	case e := <-events:
		t.Fatalf("extra event %+v", e)
	case <-time.After(5 * debounce):
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
}
