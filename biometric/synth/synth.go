// Package synth renders near-infrared photographs of the hands of
// synthetic people, for tests, the simulator's camera and evaluation.
//
// A Person (from a seed) has two hands. Each hand has its own geometry
// (palm size and shape, finger lengths and widths, thumb placement),
// principal lines (heart, head, life, sometimes fate), finer creases, a
// vein network under the skin and a skin grain, all drawn in "hand space"
// (palm width 1, y towards the fingers). A capture places the hand in a
// 640×480 frame under Conditions: rotation, hover distance (scale),
// translation, finger spread, illumination (gain, gradient, vignetting),
// defocus, sensor noise. Everything is deterministic given the seeds.
package synth

import (
	"math"
	"math/rand/v2"
	"sync"
)

// Side is the left or the right hand.
type Side int

// The hands.
const (
	Right Side = iota
	Left
)

func (s Side) String() string {
	if s == Left {
		return "left"
	}
	return "right"
}

// Person is one synthetic identity.
type Person struct {
	Seed  uint64
	Pop   Population
	Hands [2]*Hand
}

// NewPerson draws a person of the narrow population from seed.
func NewPerson(seed uint64) *Person { return NewPersonIn(seed, Narrow) }

// NewPersonIn draws a person of pop from seed.
func NewPersonIn(seed uint64, pop Population) *Person {
	p := &Person{Seed: seed, Pop: pop}
	for s := range p.Hands {
		p.Hands[s] = newHand(rand.New(rand.NewPCG(seed, uint64(s)+1)), Side(s), pop)
	}
	return p
}

// arc is a circular stroke in hand space: a line of the palm.
type arc struct {
	cx, cy, r        float64
	from, to         float64 // angles (radians)
	width, depth     float64 // half-width in palm widths; darkening 0..1
	wobble, wobbleFq float64
}

// finger is one digit: base centre on the palm's top edge, direction,
// length, width.
type finger struct {
	bx, by, angle, length, width float64
}

// Hand is one hand's shape and skin.
type Hand struct {
	Side       Side
	palmW      float64 // width/length of the palm
	palmL      float64
	fingers    [4]finger
	thumb      finger
	lines      []arc // principal lines and creases (dark, sharp)
	veins      []arc // veins (darker, wide, soft)
	grainPhase [4]float64
	grainWaves [][3]float64 // wide hands' grain: wave vectors and phases
	palmExp    float64      // the palm outline's superellipse exponent: 4 is a rounded square
	shade      float64      // how much the hand's curvature darkens its edges
	habit      float64      // the finger spread this hand is usually held with
	look       look

	texOnce sync.Once
	tex     []float32 // texture(), drawn on first capture
}

func newHand(rng *rand.Rand, side Side, pop Population) *Hand {
	h := &Hand{Side: side, palmW: 1, palmL: 1.05 + rng.NormFloat64()*0.05, palmExp: 4, habit: 1}
	lengths := []float64{0.82, 0.95, 0.88, 0.68}
	for i := range h.fingers {
		h.fingers[i] = finger{
			bx: -0.375 + float64(i)*0.25, by: h.palmL / 2,
			angle: (float64(i) - 1.5) * 0.06, length: lengths[i] * (1 + rng.NormFloat64()*0.05),
			width: 0.2 + rng.NormFloat64()*0.01,
		}
	}
	h.thumb = finger{bx: -0.45, by: -0.15 + rng.NormFloat64()*0.04, angle: 0.85 + rng.NormFloat64()*0.08, length: 0.7, width: 0.24}
	h.look = narrowLook
	if pop != Narrow { // the narrow hands stay as they were drawn before
		h.shape(rand.New(rand.NewPCG(rng.Uint64(), 0x5a)), pop)
		h.look = drawLook(rand.New(rand.NewPCG(rng.Uint64(), 0x100c)), pop)
	}
	h.skin(rng)
	return h
}

// skin draws the hand's lines, creases, veins and grain in its look.
func (h *Hand) skin(rng *rand.Rand) {
	l := &h.look
	h.lines = principalLines(rng, h.palmL)
	for i := range h.lines {
		h.lines[i].width *= l.width
		h.lines[i].depth *= l.depth
	}
	for range int(float64(10+rng.IntN(8)) * l.creaseNum) { // finer creases
		h.lines = append(h.lines, randomArc(rng, (0.004+rng.Float64()*0.004)*l.width, (0.25+rng.Float64()*0.25)*l.creaseDepth))
	}
	for range 6 + rng.IntN(4) {
		v := randomArc(rng, (0.02+rng.Float64()*0.015)*l.veinWidth, 0.12+rng.Float64()*0.08)
		v.r *= 2
		h.veins = append(h.veins, v)
	}
	for i := range h.grainPhase {
		h.grainPhase[i] = rng.Float64() * 2 * math.Pi
	}
	if *l != narrowLook {
		// Skin pores and ridges run every way: many waves at random
		// angles, not the narrow hands' two crossed ones.
		for range 8 {
			a, f := rng.Float64()*math.Pi, (60+rng.Float64()*110)*l.grainFq
			h.grainWaves = append(h.grainWaves, [3]float64{f * math.Cos(a), f * math.Sin(a), rng.Float64() * 2 * math.Pi})
		}
	}
}

// principalLines draws heart, head and life lines (and a fate line in
// some people) with person-specific placement and curvature.
func principalLines(rng *rand.Rand, palmL float64) []arc {
	j := func(s float64) float64 { return rng.NormFloat64() * s }
	lines := []arc{
		// heart: across the top of the palm, curving up towards the index
		{cx: -0.1 + j(0.08), cy: -0.6 + j(0.1), r: 0.95 + j(0.1), from: 1.2, to: 2.0 + j(0.1), width: 0.011, depth: 0.55},
		// head: across the middle, sloping down
		{cx: 0.35 + j(0.08), cy: 0.75 + j(0.1), r: 0.85 + j(0.1), from: 3.6 + j(0.1), to: 4.5, width: 0.011, depth: 0.5},
		// life: around the thumb's base
		{cx: -0.55 + j(0.05), cy: -0.2 + j(0.06), r: 0.45 + j(0.05), from: -1.2, to: 0.9 + j(0.1), width: 0.012, depth: 0.55},
	}
	if rng.Float64() < 0.6 { // fate: up the middle
		lines = append(lines, arc{cx: 1.5 + j(0.3), cy: j(0.1), r: 1.5, from: 2.8, to: 3.45, width: 0.008, depth: 0.35})
	}
	for i := range lines {
		lines[i].wobble, lines[i].wobbleFq = 0.006, 6+rng.Float64()*8
	}
	return lines
}

func randomArc(rng *rand.Rand, width, depth float64) arc {
	a0 := rng.Float64() * 2 * math.Pi
	return arc{
		cx: rng.Float64()*2.4 - 1.2, cy: rng.Float64()*2.4 - 1.2, r: 0.3 + rng.Float64()*0.9,
		from: a0, to: a0 + 0.3 + rng.Float64()*0.6, width: width, depth: depth,
		wobble: 0.004, wobbleFq: 5 + rng.Float64()*10,
	}
}

// strength of an arc at (u, v) drawn in look l: its darkening there.
func (a *arc) strength(u, v float64, l *look) float64 {
	dx, dy := u-a.cx, v-a.cy
	rad := math.Hypot(dx, dy)
	if math.Abs(rad-a.r) > a.wobble+3*a.width {
		return 0 // far from the circle: skip the angle
	}
	ang := math.Atan2(dy, dx)
	for ang < a.from {
		ang += 2 * math.Pi
	}
	if ang > a.to {
		return 0
	}
	d := math.Abs(rad - a.r - a.wobble*math.Sin(a.wobbleFq*ang))
	if d > 3*a.width {
		return 0
	}
	return a.depth * l.lineShape(d, a.width)
}

func newRng(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed)) }
