package ioboard

import (
	"context"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/wiegand"
)

func simBoard(t *testing.T) (*Board, *pinsim.Board, *localconfig.Config) {
	t.Helper()
	cfg, err := localconfig.Load("../../configs/simulator.toml")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Pins
	sim := pinsim.NewBoard(p.Relay, p.GPO, p.GPI, p.Tamper, p.WiegandD0, p.WiegandD1, p.WiegandLED)
	sim.Sim(p.Tamper).Set(gpio.Low) // case closed
	sim.Sim(p.GPI).Set(gpio.High)   // door contact open
	sim.Sim(p.WiegandLED).Set(gpio.High)
	sim.Sim(p.Relay).Set(gpio.High) // left energised by a previous run
	b, err := Open(cfg, sim)
	if err != nil {
		t.Fatal(err)
	}
	return b, sim, cfg
}

func TestOpenPutsOutputsInTheSafeState(t *testing.T) {
	b, sim, cfg := simBoard(t)
	if sim.Sim(cfg.Pins.Relay).Read() != gpio.Low || b.Relay.State().Energised {
		t.Fatal("relay energised after start")
	}
	if sim.Sim(cfg.Pins.WiegandD0).Read() != gpio.High || sim.Sim(cfg.Pins.WiegandD1).Read() != gpio.High {
		t.Fatal("Wiegand lines not idle High")
	}
	if b.Tamper.Open() || b.GPI.Asserted() || b.LED.Asserted() {
		t.Fatal("initial input states misread")
	}
	_ = b.Relay.Hold()
	if err := b.Close(); err != nil || sim.Sim(cfg.Pins.Relay).Read() != gpio.Low {
		t.Fatalf("Close left the relay energised (%v)", err)
	}
}

func TestInputsArriveAsEvents(t *testing.T) {
	b, sim, cfg := simBoard(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan Event, 4)
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, events) }()

	tests := []struct {
		pin      string
		level    gpio.Level
		kind     Kind
		asserted bool
	}{
		{cfg.Pins.Tamper, gpio.High, KindTamper, true},
		{cfg.Pins.GPI, gpio.Low, KindGPI, true},
		{cfg.Pins.Tamper, gpio.Low, KindTamper, false},
	}
	for _, tt := range tests {
		sim.Sim(tt.pin).Set(tt.level)
		select {
		case e := <-events:
			if e.Kind != tt.kind || e.Asserted != tt.asserted {
				t.Fatalf("%s=%v: got %+v, want %s asserted=%v", tt.pin, tt.level, e, tt.kind, tt.asserted)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s=%v: no event", tt.pin, tt.level)
		}
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run returned %v", err)
	}
}

// A transmitter on the board's D0/D1 is heard by a receiver wired to them.
func TestWiegandFrameReachesAPanel(t *testing.T) {
	b, sim, cfg := simBoard(t)
	// This checks wiring, not timing: a long frame timeout keeps a host
	// that stalls the sending thread mid-frame from splitting the frame,
	// and no glitch filter drops a pulse whose Low edge a stalled thread
	// stamped late.
	rx, err := wiegand.NewReceiver(wiegand.ReceiverConfig{FrameTimeout: 2 * time.Second, MinPulseWidth: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	sub := func(p *pinsim.Pin) wiegand.Subscribe {
		return func(fn func(gpio.Level, time.Time)) func() {
			return p.Watch(func(e pinsim.Edge) { fn(e.Level, e.At) })
		}
	}
	defer rx.Attach(sub(sim.Sim(cfg.Pins.WiegandD0)), sub(sim.Sim(cfg.Pins.WiegandD1)))()
	f, _ := wiegand.Lookup("h10301")
	bits, err := f.Encode(wiegand.Badge{Facility: 12, Card: 3456})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := wiegand.NewTransmitter(b.D0, b.D1, wiegand.TransmitterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Send(context.Background(), bits); err != nil {
		t.Fatal(err)
	}
	select {
	case fr := <-rx.Frames():
		if !fr.Bits.Equal(bits) {
			t.Fatalf("panel got %v, want %v", fr.Bits, bits)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame at the panel")
	}
}

func TestMissingLineIsNamed(t *testing.T) {
	cfg, err := localconfig.Load("../../configs/simulator.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(cfg, pinsim.NewBoard("RELAY"))
	if err == nil || !strings.Contains(err.Error(), "pins.gpo") {
		t.Fatalf("got %v, want an error naming pins.gpo", err)
	}
}
