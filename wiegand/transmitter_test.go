package wiegand

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/pinsim"
	"periph.io/x/conn/v3/gpio"
)

// fast is the quickest timing panels accept, to keep tests short.
var fast = TransmitterConfig{PulseWidth: 20 * time.Microsecond, Interval: 200 * time.Microsecond, FrameGap: time.Millisecond}

func TestTransmitterConfigLimits(t *testing.T) {
	tests := []struct {
		cfg TransmitterConfig
		ok  bool
	}{
		{TransmitterConfig{}, true},
		{fast, true},
		{TransmitterConfig{PulseWidth: 100 * time.Microsecond, Interval: 20 * time.Millisecond}, true},
		{TransmitterConfig{PulseWidth: 19 * time.Microsecond}, false},
		{TransmitterConfig{PulseWidth: 101 * time.Microsecond}, false},
		{TransmitterConfig{Interval: 199 * time.Microsecond}, false},
		{TransmitterConfig{Interval: 21 * time.Millisecond}, false},
		{TransmitterConfig{PulseWidth: 100 * time.Microsecond, Interval: 100 * time.Microsecond}, false},
		{TransmitterConfig{FrameGap: time.Microsecond}, false},
		{TransmitterConfig{RealtimePriority: 100}, false},
		{TransmitterConfig{RealtimePriority: 99}, true},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrTiming)) {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tt.cfg, err, tt.ok)
		}
	}
	if _, err := NewTransmitter(pinsim.New("D0", 0), pinsim.New("D1", 1), TransmitterConfig{PulseWidth: time.Microsecond}); !errors.Is(err, ErrTiming) {
		t.Errorf("NewTransmitter accepted a 1 µs pulse: %v", err)
	}
}

func TestTransmitterWaveform(t *testing.T) {
	d0, d1 := pinsim.New("D0", 0), pinsim.New("D1", 1)
	tx, err := NewTransmitter(d0, d1, fast)
	if err != nil {
		t.Fatal(err)
	}
	if d0.Read() != gpio.High || d1.Read() != gpio.High {
		t.Fatal("lines not idle High after NewTransmitter")
	}
	bits, _ := ParseBits("0110")
	// A frame is sent again when the machine preempted a pulse's stamp:
	// a transmitter that does not hold its pulses fails every time.
	var e0, e1 []pinsim.Edge
	for try := 1; ; try++ {
		d0.Reset()
		d1.Reset()
		if err := tx.Send(context.Background(), bits); err != nil {
			t.Fatal(err)
		}
		e0, e1 = d0.Edges(), d1.Edges()
		if len(e0) != 4 || len(e1) != 4 {
			t.Fatalf("edges: D0 %d, D1 %d; want 4 and 4", len(e0), len(e1))
		}
		short := shortPulse(t, e0, e1)
		if short == 0 {
			break
		}
		if try == 3 {
			t.Fatalf("pulse %v much shorter than %v in %d frames", short, fast.PulseWidth, try)
		}
	}
	// Order on the wire: D0, D1, D1, D0; starts at least one interval apart.
	starts := []time.Time{e0[0].At, e1[0].At, e1[2].At, e0[2].At}
	for i := 1; i < len(starts); i++ {
		if d := starts[i].Sub(starts[i-1]); d < fast.Interval/2 {
			t.Errorf("interval %d = %v, want ≥ %v", i, d, fast.Interval)
		}
	}
}

// shortPulse checks each line's pulses are Low then High and returns the
// first one much shorter than fast's width, or 0. Timing is the
// benchmark's job; here only a pulse that was not held at all (no spin)
// must fail, and a preempted stamp inside the simulator can shave a
// little off a correct pulse.
func shortPulse(t *testing.T, lines ...[]pinsim.Edge) time.Duration {
	t.Helper()
	for _, e := range lines {
		for i := 0; i < len(e); i += 2 {
			if e[i].Level != gpio.Low || e[i+1].Level != gpio.High {
				t.Fatalf("pulse %d is not Low then High: %+v", i/2, e)
			}
			if w := e[i+1].At.Sub(e[i].At); w < fast.PulseWidth/2 {
				return w
			}
		}
	}
	return 0
}

func TestTransmitterCancelled(t *testing.T) {
	tx, err := NewTransmitter(pinsim.New("D0", 0), pinsim.New("D1", 1), fast)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tx.Send(ctx, Bits{true}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with cancelled ctx = %v", err)
	}
	if err := tx.Send(context.Background(), nil); !errors.Is(err, ErrLength) {
		t.Errorf("Send(empty) = %v", err)
	}
}

func subscribe(p *pinsim.Pin) Subscribe {
	return func(fn func(gpio.Level, time.Time)) func() {
		return p.Watch(func(e pinsim.Edge) { fn(e.Level, e.At) })
	}
}

// TestRoundTrip sends every standard format through wired simulated pins
// into a receiver and decodes what arrives.
func TestRoundTrip(t *testing.T) {
	txD0, txD1 := pinsim.New("tx-D0", 0), pinsim.New("tx-D1", 1)
	tx, err := NewTransmitter(txD0, txD1, fast)
	if err != nil {
		t.Fatal(err)
	}
	rxD0, rxD1 := pinsim.New("rx-D0", 2), pinsim.New("rx-D1", 3)
	defer txD0.Connect(rxD0)()
	defer txD1.Connect(rxD1)()
	clk := &manualClock{}
	// A long timeout on the edge timestamps: a busy machine may pause the
	// sender; the manual clock ends each frame.
	rx, err := NewReceiver(ReceiverConfig{Clock: clk, FrameTimeout: time.Second, MinPulseWidth: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	defer rx.Attach(subscribe(rxD0), subscribe(rxD1))()

	for _, v := range vectors {
		f, _ := Lookup(v.format)
		bits, _ := f.Encode(Badge{v.facility, v.card})
		if err := tx.Send(context.Background(), bits); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		var got Frame
		select {
		case got = <-rx.Frames():
		default:
			t.Fatalf("%s: no frame; rejections %+v", v.format, rx.Rejections())
		}
		b, err := f.Decode(got.Bits)
		if err != nil || b != (Badge{v.facility, v.card}) {
			t.Errorf("%s: received %s → %+v, %v", v.format, got.Bits, b, err)
		}
	}
	if (rx.Rejections() != Rejections{}) {
		t.Errorf("rejections = %+v", rx.Rejections())
	}
}

func TestTransmitterFramesDoNotInterleave(t *testing.T) {
	d0, d1 := pinsim.New("D0", 0), pinsim.New("D1", 1)
	tx, err := NewTransmitter(d0, d1, fast)
	if err != nil {
		t.Fatal(err)
	}
	d0.Reset()
	d1.Reset()
	a, _ := ParseBits("00000000000000000000000000")
	b, _ := ParseBits("11111111111111111111111111")
	errs := make(chan error, 2)
	for _, f := range []Bits{a, b} {
		go func() { errs <- tx.Send(context.Background(), f) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// All 26 pulses of one frame end before the other frame's first pulse.
	e0, e1 := d0.Edges(), d1.Edges()
	if len(e0) != 52 || len(e1) != 52 {
		t.Fatalf("edges D0 %d, D1 %d; want 52 each", len(e0), len(e1))
	}
	first, second := e0, e1
	if e1[0].At.Before(e0[0].At) {
		first, second = e1, e0
	}
	if gap := second[0].At.Sub(first[len(first)-1].At); gap < fast.FrameGap {
		t.Errorf("frames %v apart, want ≥ frame gap %v (interleaved?)", gap, fast.FrameGap)
	}
}
