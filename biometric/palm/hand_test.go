package palm

import (
	"image"
	"math"
	"math/rand/v2"
)

// testHand draws a simple near-infrared hand: a palm, four fingers with
// gaps, a thumb, and dark creases of its own on the palm (from seed).
type testHand struct {
	creases       [][4]float64 // circle arcs: centre x, y, radius, thickness
	fingerGap     float64      // 0 closes the fingers
	skin, backgnd float64
}

func newTestHand(seed uint64) testHand {
	rng := rand.New(rand.NewPCG(seed, 99))
	h := testHand{fingerGap: 0.05, skin: 170, backgnd: 12}
	for range 8 {
		h.creases = append(h.creases, [4]float64{rng.Float64()*3 - 1.5, rng.Float64()*3 - 1.5, 0.4 + rng.Float64()*1.4, 0.012 + rng.Float64()*0.01})
	}
	return h
}

// pose places the hand: rotation (degrees), pixels per palm width, centre.
type pose struct {
	deg, scale float64
	cx, cy     float64
}

var centred = pose{deg: 0, scale: 150, cx: 320, cy: 300}

// render draws the hand at p into a 640×480 frame with sensor noise.
func (h testHand) render(p pose, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	sin, cos := math.Sincos(p.deg * math.Pi / 180)
	for y := range 480 {
		for x := range 640 {
			// Frame to hand space (palm width 1, y up the fingers).
			dx, dy := (float64(x)-p.cx)/p.scale, (float64(y)-p.cy)/p.scale
			u, v := dx*cos+dy*sin, -(-dx*sin + dy*cos)
			val := h.backgnd
			if h.inHand(u, v) {
				val = h.skin - h.crease(u, v)
			}
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, val+rng.NormFloat64()*3)))
		}
	}
	return img
}

func (h testHand) inHand(u, v float64) bool {
	if math.Abs(u) <= 0.5 && v >= -0.6 && v <= 0.5 { // palm
		return true
	}
	w := 0.25 - h.fingerGap
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
func (h testHand) crease(u, v float64) float64 {
	dark := 0.0
	for _, c := range h.creases {
		if d := math.Abs(math.Hypot(u-c[0], v-c[1]) - c[2]); d < c[3] {
			dark = 70
		}
	}
	return dark
}
