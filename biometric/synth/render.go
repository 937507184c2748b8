package synth

import (
	"image"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"
)

// Frame size of a capture.
const (
	Width, Height = 640, 480
	// baseScale is pixels per palm width at hover scale 1.
	baseScale = 150
	// texRes is texels per palm width of the palm texture; texHalf its
	// extent either side of the palm centre, in palm widths.
	texRes  = 256
	texHalf = 0.75
	texSide = int(2 * texHalf * texRes)
)

// Conditions are one capture's circumstances.
type Conditions struct {
	Rotation float64 // degrees, about the palm centre
	Scale    float64 // hover: 1 nominal, larger is closer
	DX, DY   float64 // palm centre offset from frame centre, pixels
	Spread   float64 // finger spread: 1 nominal
	Gain     float64 // illumination: 1 nominal
	Gradient float64 // illumination change across the frame, fraction
	Noise    float64 // sensor noise, grey levels (σ)
	Blur     float64 // defocus, pixels (σ); 0 sharp
	Curl     float64 // finger curl 0..1: fingers foreshortened by this fraction
	Motion   float64 // motion blur, pixels of travel during the exposure; 0 still
	MotionAt float64 // direction of that travel, degrees
	Seed     uint64  // sensor noise
}

// Nominal is a well-placed, well-lit, still hand.
var Nominal = Conditions{Scale: 1, Spread: 1, Gain: 1, Noise: 3}

// Variation draws Conditions in the ranges a reader sees: rotation ±20°,
// hover scale 0.85–1.15, a few tens of pixels off centre, and modest
// changes of spread, curl, light, noise, focus and (in one capture in
// four) a little movement.
type Variation struct{}

// Draw picks one capture's conditions.
func (Variation) Draw(rng *rand.Rand) Conditions {
	c := Conditions{
		Rotation: rng.Float64()*40 - 20,
		Scale:    0.85 + rng.Float64()*0.3,
		DX:       rng.NormFloat64() * 15, DY: rng.NormFloat64() * 12,
		Spread:   0.8 + rng.Float64()*0.5,
		Gain:     0.8 + rng.Float64()*0.4,
		Gradient: rng.NormFloat64() * 0.1,
		Noise:    2 + rng.Float64()*4,
		Blur:     rng.Float64() * 1.2,
		Curl:     rng.Float64() * 0.2,
		Seed:     rng.Uint64(),
	}
	if rng.Float64() < 0.25 {
		c.Motion, c.MotionAt = 1+rng.Float64()*2.5, rng.Float64()*180
	}
	return c
}

// texture returns the palm's skin detail, darkening 0..1, in hand space;
// it is drawn once per hand and kept.
func (h *Hand) texture() []float32 {
	h.texOnce.Do(func() {
		h.tex = make([]float32, texSide*texSide)
		for y := range texSide {
			v := texHalf - (float64(y)+0.5)/texRes
			for x := range texSide {
				u := -texHalf + (float64(x)+0.5)/texRes
				h.tex[y*texSide+x] = float32(h.detail(u, v))
			}
		}
	})
	return h.tex
}

// detail is the darkening at (u, v): lines, veins, grain.
func (h *Hand) detail(u, v float64) float64 {
	dark := 0.0
	for i := range h.lines {
		dark = math.Max(dark, h.lines[i].strength(u, v))
	}
	vein := 0.0
	for i := range h.veins {
		vein = math.Max(vein, h.veins[i].strength(u, v))
	}
	g := h.grainPhase
	grain := 0.04 * (math.Sin(u*90+g[0])*math.Sin(v*85+g[1]) + 0.5*math.Sin((u+v)*140+g[2]))
	return dark + 0.5*vein + grain
}

// Capture renders the hand under c as a 640×480 grey frame.
func (h *Hand) Capture(c Conditions) *image.Gray {
	tex := h.texture()
	rng := rand.New(rand.NewPCG(c.Seed, 0x5eed))
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	sin, cos := math.Sincos(c.Rotation * math.Pi / 180)
	scale := baseScale * c.Scale
	cx, cy := Width/2+c.DX, Height/2+40+c.DY
	mirror := 1.0
	if h.Side == Left {
		mirror = -1
	}
	digits := h.posed(c.Spread, c.Curl)
	for y := range Height {
		for x := range Width {
			dx, dy := (float64(x)-cx)/scale, (float64(y)-cy)/scale
			u, v := mirror*(dx*cos+dy*sin), dx*sin-dy*cos
			val := 10.0
			if k := h.coverage(u, v, &digits); k > 0 {
				light := 170 * c.Gain * (1 + c.Gradient*(float64(x)/Width-0.5)) * vignette(x, y)
				val = 10 + k*(light*(1-0.55*sample(tex, u, v))-10)
			}
			val += rng.NormFloat64() * c.Noise
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, val)))
		}
	}
	if c.Blur > 0.3 || c.Motion >= 1 {
		optics(img, c)
	}
	return img
}

// vignette darkens the frame's corners as a wide lens does.
func vignette(x, y int) float64 {
	dx, dy := float64(x)/Width-0.5, float64(y)/Height-0.5
	return 1 - 0.5*(dx*dx+dy*dy)
}

// sample reads the texture at (u, v), 0 outside it.
func sample(tex []float32, u, v float64) float64 {
	x, y := int((u+texHalf)*texRes), int((texHalf-v)*texRes)
	if x < 0 || y < 0 || x >= texSide || y >= texSide {
		return 0
	}
	return float64(tex[y*texSide+x])
}

// posedDigit is a finger or thumb with its direction worked out for one
// capture.
type posedDigit struct {
	finger
	sin, cos float64
}

// posed spreads the fingers (and swings the thumb) for a capture; a
// curled finger bends towards the camera, so from above it looks shorter
// (the little finger curls most, the thumb least).
func (h *Hand) posed(spread, curl float64) [5]posedDigit {
	curl = math.Max(0, math.Min(0.6, curl))
	var d [5]posedDigit
	for i, f := range h.fingers {
		f.angle *= spread
		f.length *= 1 - curl*(0.8+0.1*float64(i))
		d[i].finger = f
	}
	t := h.thumb
	t.angle = 0.55 + (t.angle-0.55)*spread
	t.length *= 1 - 0.5*curl
	d[4].finger = t
	for i := range d {
		d[i].sin, d[i].cos = math.Sincos(d[i].angle)
	}
	return d
}

// coverage is 1 inside the hand and 0 outside; the forearm fades away
// from the illuminator below the wrist.
func (h *Hand) coverage(u, v float64, digits *[5]posedDigit) float64 {
	halfL := h.palmL / 2
	x, y := u/(h.palmW/2), (v+0.02)/halfL
	if x2, y2 := x*x, y*y; x2*x2+y2*y2 <= 1 { // a rounded square palm
		return 1
	}
	if v < -halfL*0.8 && math.Abs(u) < 0.42-0.1*(-halfL-v) && v > -halfL-0.9 {
		return math.Max(0, 1+(v+halfL)*1.1) // wrist and forearm
	}
	for i := range digits {
		if digits[i].contains(u, v) {
			return 1
		}
	}
	return 0
}

// contains tests a capsule from the base along the digit's direction
// (angle from "up", positive towards the thumb side, negative x).
func (f *posedDigit) contains(u, v float64) bool {
	sin, cos := f.sin, f.cos
	du, dv := u-f.bx, v-f.by
	along := -du*sin + dv*cos
	across := du*cos + dv*sin
	if along < -0.1 || along > f.length {
		return false
	}
	w := f.width / 2 * (1 - 0.2*along/f.length)
	if along > f.length-w {
		return math.Hypot(across, along-(f.length-w)) <= w
	}
	return math.Abs(across) <= w
}

// optics defocuses and smears img in place with OpenCV: a Gaussian for
// defocus, then a line kernel for movement during the exposure. A frame
// OpenCV cannot take is left sharp (the render is still a valid frame).
func optics(img *image.Gray, c Conditions) {
	m, err := gocv.ImageGrayToMatGray(img)
	if err != nil {
		return
	}
	defer m.Close()
	if c.Blur > 0.3 {
		gocv.GaussianBlur(m, &m, image.Pt(0, 0), c.Blur, c.Blur, gocv.BorderReflect)
	}
	if c.Motion >= 1 {
		k := motionKernel(c.Motion, c.MotionAt)
		defer k.Close()
		gocv.Filter2D(m, &m, -1, k, image.Pt(-1, -1), 0, gocv.BorderReflect)
	}
	if b, err := m.DataPtrUint8(); err == nil && len(b) == len(img.Pix) {
		copy(img.Pix, b)
	}
}

// motionKernel is a normalised line of the given length (pixels) and
// direction (degrees): the path of a point during the exposure.
func motionKernel(length, deg float64) gocv.Mat {
	size := 2*int(math.Ceil(length/2)) + 1
	k := gocv.NewMatWithSize(size, size, gocv.MatTypeCV32F)
	k.SetTo(gocv.NewScalar(0, 0, 0, 0))
	sin, cos := math.Sincos(deg * math.Pi / 180)
	steps := 4 * size
	w := float32(1.0 / float64(steps+1))
	for i := 0; i <= steps; i++ {
		t := (float64(i)/float64(steps) - 0.5) * length
		// round the offset, not the position, so the line is symmetric
		x, y := size/2+int(math.Round(t*cos)), size/2+int(math.Round(t*sin))
		k.SetFloatAt(y, x, k.GetFloatAt(y, x)+w)
	}
	return k
}
