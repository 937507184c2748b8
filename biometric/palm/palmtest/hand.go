// Package palmtest draws simple near-infrared hands for tests: a palm, four
// fingers with gaps, a thumb and dark creases of the hand's own. It is not
// the synthetic people generator (biometric/synth); it exists so the
// pipeline's tests need no data files.
package palmtest

import (
	"image"
	"math"
	"math/rand/v2"
)

// Hand is one test hand.
type Hand struct {
	creases       [][4]float64 // circle arcs: centre x, y, radius, thickness
	FingerGap     float64      // 0 closes the fingers
	Skin, Backgnd float64
}

// NewHand makes the hand of seed.
func NewHand(seed uint64) Hand {
	rng := rand.New(rand.NewPCG(seed, 99))
	h := Hand{FingerGap: 0.05, Skin: 170, Backgnd: 12}
	for range 8 {
		h.creases = append(h.creases, [4]float64{rng.Float64()*3 - 1.5, rng.Float64()*3 - 1.5, 0.4 + rng.Float64()*1.4, 0.012 + rng.Float64()*0.01})
	}
	return h
}

// Pose places the hand: rotation (degrees), pixels per palm width, centre.
type Pose struct {
	Deg, Scale float64
	CX, CY     float64
}

// Centred is a hand well placed for a 640×480 camera.
var Centred = Pose{Deg: 0, Scale: 150, CX: 320, CY: 300}

// Render draws the hand at p into a 640×480 frame with sensor noise.
func (h Hand) Render(p Pose, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	sin, cos := math.Sincos(p.Deg * math.Pi / 180)
	for y := range 480 {
		for x := range 640 {
			// Frame to hand space (palm width 1, y up the fingers).
			dx, dy := (float64(x)-p.CX)/p.Scale, (float64(y)-p.CY)/p.Scale
			u, v := dx*cos+dy*sin, -(-dx*sin + dy*cos)
			val := h.Backgnd
			if h.inHand(u, v) {
				val = h.Skin - h.crease(u, v)
			}
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, val+rng.NormFloat64()*3)))
		}
	}
	return img
}

func (h Hand) inHand(u, v float64) bool {
	if math.Abs(u) <= 0.5 && v >= -0.6 && v <= 0.5 { // palm
		return true
	}
	w := 0.25 - h.FingerGap
	for i, length := range []float64{0.85, 0.95, 0.9, 0.7} {
		fx := -0.375 + float64(i)*0.25
		if math.Abs(u-fx) <= w/2 && v > 0.45 && v <= 0.5+length {
			return true
		}
	}
	// Thumb: a bar from the palm's lower left, 45° outwards.
	tu, tv := (u+0.45)*math.Cos(math.Pi/4)+(v+0.3)*math.Sin(math.Pi/4), -(u+0.45)*math.Sin(math.Pi/4)+(v+0.3)*math.Cos(math.Pi/4)
	return tu < 0 && tu > -0.75 && math.Abs(tv) < 0.13
}

// crease darkens points near the palm's arcs.
func (h Hand) crease(u, v float64) float64 {
	dark := 0.0
	for _, c := range h.creases {
		if d := math.Abs(math.Hypot(u-c[0], v-c[1]) - c[2]); d < c[3] {
			dark = 70
		}
	}
	return dark
}
