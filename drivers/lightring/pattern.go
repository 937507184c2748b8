// Package lightring drives the reader's addressable LED ring: a Pattern
// (a colour and how it moves) is rendered to frames at a steady rate and
// written to WS2812-type LEDs through periph's NRZ driver over SPI. It
// knows nothing of the appliance; which pattern a state shows is decided
// elsewhere. The simulator (ringsim) records the patterns it is asked for.
package lightring

import (
	"image/color"
	"math"
	"time"
)

// Motion is how a pattern moves.
type Motion string

// The motions.
const (
	Solid   Motion = "solid"   // every LED on, steady
	Breathe Motion = "breathe" // every LED fading in and out once a Period
	Spin    Motion = "spin"    // a bright arc going round once a Period
	Blink   Motion = "blink"   // every LED on for half a Period, off for the other half
)

// Pattern is what the ring shows until the next one.
type Pattern struct {
	Name   string        `json:"name"`
	Color  color.RGBA    `json:"color"`
	Motion Motion        `json:"motion"`
	Period time.Duration `json:"period"` // one cycle of a moving pattern
}

// Frame renders p at time t since it started onto n LEDs, 3 bytes (R, G,
// B) per LED. It is pure, so the simulator's page and the real ring show
// the same thing.
func Frame(p Pattern, t time.Duration, n int) []byte {
	out := make([]byte, 3*n)
	phase := 0.0
	if p.Period > 0 {
		phase = math.Mod(float64(t)/float64(p.Period), 1)
	}
	for i := range n {
		put(out[3*i:], p.Color, level(p.Motion, phase, float64(i)/float64(n)))
	}
	return out
}

// level is the brightness 0..1 of the LED at position pos (0..1 round the
// ring) at phase (0..1 of the period).
func level(m Motion, phase, pos float64) float64 {
	switch m {
	case Breathe:
		return 0.15 + 0.85*(0.5-0.5*math.Cos(2*math.Pi*phase))
	case Spin:
		d := math.Mod(pos-phase+1, 1) // how far behind the head this LED is
		return math.Max(0.05, 1-3*d)
	case Blink:
		if phase < 0.5 {
			return 1
		}
		return 0
	}
	return 1
}

func put(px []byte, c color.RGBA, l float64) {
	px[0] = byte(float64(c.R)*l + 0.5)
	px[1] = byte(float64(c.G)*l + 0.5)
	px[2] = byte(float64(c.B)*l + 0.5)
}
