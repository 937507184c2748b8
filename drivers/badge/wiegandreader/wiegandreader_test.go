package wiegandreader

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/wiegand"
)

// pulses are the edges of frame on D0/D1 from t0, 2 ms per bit.
func pulses(frame wiegand.Bits, t0 time.Time) []pins.LineEvent {
	var evs []pins.LineEvent
	for i, b := range frame {
		line := 0
		if b {
			line = 1
		}
		at := t0.Add(time.Duration(i) * 2 * time.Millisecond)
		evs = append(evs, pins.LineEvent{Line: line, Level: gpio.Low, At: at},
			pins.LineEvent{Line: line, Level: gpio.High, At: at.Add(50 * time.Microsecond)})
	}
	return evs
}

// TestServe: a card's frame on the lines is one read of its bits; a
// glitch and a frame with both lines low are no read; closed lines end
// Serve with an error, a cancel without one.
func TestServe(t *testing.T) { synctest.Test(t, testServe) }

func testServe(t *testing.T) {
	f, _ := wiegand.Lookup("h10301")
	card, err := f.Encode(wiegand.Badge{Facility: 12, Card: 3456})
	if err != nil {
		t.Fatal(err)
	}
	lines, push, err := pins.NewFedLines([]string{"D0", "D1"}, func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reads := make(chan badge.Read, 4)
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, lines, wiegand.ReceiverConfig{}, reads) }()

	t0 := time.Now()
	// A 1 µs glitch on D1, then both lines low together: noise.
	push(pins.LineEvent{Line: 1, Level: gpio.Low, At: t0})
	push(pins.LineEvent{Line: 1, Level: gpio.High, At: t0.Add(time.Microsecond)})
	bad := pulses(wiegand.Bits{true, false, true, false, true}, t0.Add(time.Millisecond))
	bad = append(bad[:2], append([]pins.LineEvent{{Line: 0, Level: gpio.Low, At: bad[1].At}, {Line: 1, Level: gpio.Low, At: bad[1].At}, {Line: 0, Level: gpio.High, At: bad[1].At.Add(time.Microsecond * 60)}, {Line: 1, Level: gpio.High, At: bad[1].At.Add(time.Microsecond * 60)}}, bad[2:]...)...)
	for _, ev := range bad {
		push(ev)
	}
	time.Sleep(100 * time.Millisecond) // past the receiver's 25 ms end of frame
	for _, ev := range pulses(card, time.Now()) {
		push(ev)
	}
	select {
	case r := <-reads:
		if !wiegand.Bits(r.Bits).Equal(card) {
			t.Fatalf("read %v, want %v", wiegand.Bits(r.Bits), card)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the card was never read")
	}
	select {
	case r := <-reads:
		t.Fatalf("noise was read as %v", wiegand.Bits(r.Bits))
	default:
	}
	lines.Close()
	if err := <-done; !errors.Is(err, pins.ErrClosed) {
		t.Fatalf("Serve on closed lines: %v", err)
	}
}

// TestRunNeedsLines: a reader without its lines named says so.
func TestRunNeedsLines(t *testing.T) {
	if err := (Reader{}).Run(context.Background(), nil); err == nil {
		t.Fatal("a reader without lines ran")
	}
}
