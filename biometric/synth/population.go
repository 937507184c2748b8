package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Population is how widely hands and their captures vary.
type Population int

const (
	// Narrow is the original population: one hand model, one look of
	// lines, modest changes of pose and light.
	Narrow Population = iota
	// Wide draws each hand from several hand models (palm proportions
	// and shape, finger lengths and widths, thumb placement) and looks
	// of lines (profile, width, depth, crease density, grain, veins),
	// and each capture from the range a door reader sees: the hand small
	// to large in frame, fingers closed to wide, perspective tilt,
	// finger flexion, elastic skin stretch, sensor and light conditions.
	Wide
	// HeldOut is for reporting only, never for tuning: the wide ranges
	// drawn with a line profile, a noise model and corners of the pose
	// and light ranges that Wide never renders.
	HeldOut
)

func (p Population) String() string {
	switch p {
	case Wide:
		return "wide"
	case HeldOut:
		return "heldout"
	}
	return "narrow"
}

// ParsePopulation reads a population's name.
func ParsePopulation(s string) (Population, error) {
	for _, p := range []Population{Narrow, Wide, HeldOut} {
		if p.String() == s {
			return p, nil
		}
	}
	return Narrow, fmt.Errorf("synth: population %q: want narrow, wide or heldout", s)
}

// profile is how a line darkens the skin across its width.
type profile int

const (
	gaussProfile profile = iota // a soft groove
	sharpProfile                // a crease with steep walls
	ridgeProfile                // a fold: dark groove, lighter ridge beside it
	expProfile                  // a narrow core with long shoulders (HeldOut only)
)

// look is a hand's rendering of lines and skin.
type look struct {
	profile                profile
	width, depth           float64 // scales of line width and depth
	grain, grainFq         float64 // skin grain amplitude and frequency scale
	vein, veinWidth        float64 // vein darkening and width scale
	creaseDepth, creaseNum float64
}

// narrowLook is the original rendering.
var narrowLook = look{profile: gaussProfile, width: 1, depth: 1, grain: 0.04, grainFq: 1, vein: 0.5, veinWidth: 1, creaseDepth: 1, creaseNum: 1}

// drawLook picks a hand's look in pop.
func drawLook(rng *rand.Rand, pop Population) look {
	if pop == Narrow {
		return narrowLook
	}
	l := look{
		profile: profile(rng.IntN(3)),
		width:   0.7 + rng.Float64()*0.8, depth: 0.6 + rng.Float64()*0.7,
		grain: 0.02 + rng.Float64()*0.05, grainFq: 0.7 + rng.Float64()*0.7,
		vein: 0.3 + rng.Float64()*0.45, veinWidth: 0.8 + rng.Float64()*0.5,
		creaseDepth: 0.5 + rng.Float64()*0.9, creaseNum: 0.5 + rng.Float64()*1.5,
	}
	if pop == HeldOut {
		l.profile = []profile{expProfile, ridgeProfile}[rng.IntN(2)]
		l.width = 0.6 + rng.Float64()*1.0
		l.vein = 0.25 + rng.Float64()*0.6
	}
	return l
}

// shape draws the hand model of a wide or held-out hand: palm
// proportions and squareness, finger lengths, widths and spacing, thumb
// placement, and the hand's habits (how far it spreads its fingers).
func (h *Hand) shape(rng *rand.Rand, pop Population) {
	h.palmL = 0.95 + rng.Float64()*0.3
	h.palmExp = 3 + rng.Float64()*3
	h.shade = 0.2 + rng.Float64()*0.25
	long := 0.8 + rng.Float64()*0.35
	width := 0.19 + rng.Float64()*0.055 // 0.25 apart: from clear gaps to touching
	lengths := []float64{0.82, 0.95, 0.88, 0.68}
	for i := range h.fingers {
		h.fingers[i] = finger{
			bx: (-0.375 + float64(i)*0.25) * (0.95 + rng.Float64()*0.1), by: h.palmL / 2,
			// Positive angles lean towards the thumb: the index finger's
			// way when the fingers spread. (The narrow hands lean the
			// other way, so spreading them closed their tips together.)
			angle: (1.5 - float64(i)) * 0.1, length: lengths[i] * long * (1 + rng.NormFloat64()*0.06),
			width: width * (1 + rng.NormFloat64()*0.03),
		}
	}
	h.thumb = finger{bx: -0.45, by: -0.3 + rng.Float64()*0.3, angle: 0.6 + rng.Float64()*0.5, length: 0.6 + rng.Float64()*0.2, width: 0.22 + rng.Float64()*0.05}
	h.habit = 0.2 + rng.Float64()*1.2
	if pop == HeldOut {
		h.palmL = 0.92 + rng.Float64()*0.36
		h.habit = rng.Float64() * 1.1 // held closer
	}
}

// WideVariation draws Conditions over the range a door reader sees, for
// Wide and HeldOut hands: rotation ±25°, the hand from small to large in
// frame, its own finger spread ± a little, perspective tilt up to ±15°,
// finger flexion, elastic skin stretch, light, noise, defocus, movement.
type WideVariation struct {
	Pop   Population
	Habit float64 // the hand's usual finger spread
}

// Draw picks one capture's conditions.
func (w WideVariation) Draw(rng *rand.Rand) Conditions {
	c := Conditions{
		Rotation: rng.Float64()*50 - 25,
		Scale:    0.62 + rng.Float64()*0.66,
		DX:       rng.NormFloat64() * 20, DY: rng.NormFloat64() * 15,
		Spread: w.Habit + rng.NormFloat64()*0.25,
		Pitch:  rng.Float64()*30 - 15, Yaw: rng.Float64()*30 - 15,
		Curl:    rng.Float64() * 0.45,
		Stretch: rng.Float64() * 0.02, StretchX: rng.NormFloat64() * 0.02, StretchY: rng.NormFloat64() * 0.02,
		Gain:     0.6 + rng.Float64()*0.7,
		Gradient: rng.NormFloat64() * 0.15,
		Noise:    1.5 + rng.Float64()*7,
		Blur:     rng.Float64() * 1.6,
		Ambient:  5 + rng.Float64()*35,
		Gamma:    0.8 + rng.Float64()*0.45,
		Seed:     rng.Uint64(),
	}
	if rng.Float64() < 0.25 {
		c.Motion, c.MotionAt = 1+rng.Float64()*2.5, rng.Float64()*180
	}
	if w.Pop == HeldOut {
		c.Scale = 0.58 + rng.Float64()*0.5 // smaller in frame
		c.Pitch, c.Yaw = rng.Float64()*36-18, rng.Float64()*24-12
		c.Curl = 0.1 + rng.Float64()*0.4
		c.ShotNoise = true
	}
	return c
}

// Careful draws the conditions of an enrolment capture: the hand as its
// owner usually holds it, centred, still, at the guided distance.
func (w WideVariation) Careful(rng *rand.Rand) Conditions {
	c := Nominal
	c.Rotation = rng.NormFloat64() * 5
	c.Scale = 0.9 + rng.Float64()*0.2
	c.Spread = w.Habit
	c.Pitch, c.Yaw = rng.NormFloat64()*3, rng.NormFloat64()*3
	c.Curl = rng.Float64() * 0.1
	c.Gamma = 1
	c.Seed = rng.Uint64()
	return c
}

// lineShape is the darkening of a line at distance d from its centre for
// half-width w, 0..1 before the line's depth.
func (l *look) lineShape(d, w float64) float64 {
	switch l.profile {
	case sharpProfile:
		x := d / (1.3 * w)
		return max(0, 1-x*x*x*x)
	case ridgeProfile:
		core := math.Exp(-d * d / (w * w))
		side := math.Exp(-(d - 1.6*w) * (d - 1.6*w) / (w * w))
		return core - 0.35*side
	case expProfile:
		return math.Exp(-math.Abs(d) / (0.6 * w))
	}
	return math.Exp(-d * d / (w * w))
}
