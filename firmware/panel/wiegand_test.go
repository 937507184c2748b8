package panel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/input"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/panel/panelsim"
	"github.com/palmd/palmd/wiegand"
)

type wiegandBench struct {
	link        *panel.Wiegand
	dp          *panelsim.Wiegand
	d0, d1, led *pinsim.Pin
}

// newWiegandBench wires a Wiegand link to a simulated panel that grants
// staff and signals grants by pulling the LED line Low.
func newWiegandBench(t *testing.T, format *wiegand.Format, timing wiegand.TransmitterConfig, staff ...wiegand.Badge) *wiegandBench {
	t.Helper()
	b := &wiegandBench{d0: pinsim.New("D0", 0), d1: pinsim.New("D1", 1), led: pinsim.New("LED", 2)}
	dp, err := panelsim.NewWiegand(panelsim.WiegandConfig{D0: b.d0, D1: b.d1, LED: b.led, GrantLevel: gpio.Low, Format: format, Grants: staff})
	if err != nil {
		t.Fatal(err)
	}
	led, err := input.New(b.led, input.Config{Name: "panel-led", ActiveLow: true, Debounce: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	link, err := panel.NewWiegand(panel.WiegandConfig{D0: b.d0, D1: b.d1, LED: led, Format: format, Timing: timing})
	if err != nil {
		t.Fatal(err)
	}
	b.link, b.dp = link, dp
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- link.Run(ctx, func() {}) }()
	go func() { done <- dp.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	})
	return b
}

// TestWiegandEntry: the badge goes out in the configured format and
// timing, and the panel's LED answer becomes the decision: held for a
// grant, blinked for a deny.
func TestWiegandEntry(t *testing.T) {
	staff := wiegand.Badge{Facility: 12, Card: 3456}
	// Far enough from the defaults (50 µs, 2 ms) that a loaded host's
	// error on a simulated pin cannot make one look like the other.
	timing := wiegand.TransmitterConfig{PulseWidth: 100 * time.Microsecond, Interval: 4 * time.Millisecond}
	for _, name := range []string{"h10301", "h10306"} {
		t.Run(name, func(t *testing.T) {
			format := mustFormat(t, name)
			b := newWiegandBench(t, format, timing, staff)
			for _, tc := range []struct {
				badge   wiegand.Badge
				granted bool
			}{{staff, true}, {wiegand.Badge{Facility: 12, Card: 7}, false}} {
				b.d0.Reset()
				b.d1.Reset()
				if err := b.link.Send(tc.badge); err != nil {
					t.Fatal(err)
				}
				d := decision(t, b.link)
				a := <-b.dp.Access()
				if d.Granted != tc.granted {
					t.Fatalf("badge %v: decision %+v, want granted=%v (the panel saw %+v)", tc.badge, d, tc.granted, a)
				}
				if a.Badge != tc.badge || a.Bits != format.Bits() {
					t.Fatalf("panel got %+v, want %v in %d bits", a, tc.badge, format.Bits())
				}
				checkTiming(t, b.d0.Edges(), b.d1.Edges(), timing)
			}
		})
	}
}

// checkTiming: the medians of the pulse widths and of the time between
// pulse starts are those configured (medians, because a loaded host
// stretches a few pulses, and a simulated pin's late stamp shortens
// some), so the frame left with the site's timing and not the default
// one.
func checkTiming(t *testing.T, d0, d1 []pinsim.Edge, timing wiegand.TransmitterConfig) {
	t.Helper()
	var widths, starts []time.Duration
	origin := time.Time{}
	for _, edges := range [][]pinsim.Edge{d0, d1} {
		for i := 0; i+1 < len(edges); i += 2 {
			if edges[i].Level != gpio.Low || edges[i+1].Level != gpio.High {
				t.Fatalf("edges out of order: %+v", edges[i:i+2])
			}
			if origin.IsZero() || edges[i].At.Before(origin) {
				origin = edges[i].At
			}
			widths = append(widths, edges[i+1].At.Sub(edges[i].At))
		}
	}
	for _, edges := range [][]pinsim.Edge{d0, d1} {
		for i := 0; i+1 < len(edges); i += 2 {
			starts = append(starts, edges[i].At.Sub(origin))
		}
	}
	slices.Sort(starts)
	var gaps []time.Duration
	for i := 1; i < len(starts); i++ {
		gaps = append(gaps, starts[i]-starts[i-1])
	}
	near := func(what string, got, want time.Duration) {
		if got < want*2/3 || got > want*3/2 {
			t.Errorf("median %s %v, want about %v", what, got, want)
		}
	}
	near("pulse width", median(widths), timing.PulseWidth)
	near("pulse interval", median(gaps), timing.Interval)
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestWiegandSilence: a panel that takes the frame and never answers
// gives no decision (the reader's decision timeout speaks for it).
func TestWiegandSilence(t *testing.T) {
	staff := wiegand.Badge{Facility: 12, Card: 3456}
	b := newWiegandBench(t, mustFormat(t, "h10301"), wiegand.TransmitterConfig{}, staff)
	b.dp.Mute(true)
	if err := b.link.Send(staff); err != nil {
		t.Fatal(err)
	}
	<-b.dp.Access()
	select {
	case d := <-b.link.Decisions():
		t.Fatalf("a silent panel gave decision %+v", d)
	case <-time.After(time.Second):
	}
}

// TestWiegandLineCheck: a data line held Low while idle is reported as a
// link fault within a check period.
func TestWiegandLineCheck(t *testing.T) {
	b := newWiegandBench(t, mustFormat(t, "h10301"), wiegand.TransmitterConfig{})
	if !b.link.Online() {
		t.Fatal("idle lines reported down")
	}
	b.d1.Set(gpio.Low) // shorted to RTN
	waitFor(t, func() bool { return !b.link.Online() })
	b.d1.Set(gpio.High)
	waitFor(t, b.link.Online)
}

func TestWiegandBadgeOutsideFormat(t *testing.T) {
	b := newWiegandBench(t, mustFormat(t, "h10301"), wiegand.TransmitterConfig{})
	if err := b.link.Send(wiegand.Badge{Facility: 300, Card: 1}); err == nil {
		t.Fatal("facility 300 accepted for H10301 (8-bit facility)")
	}
}
