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
	// Pitch and Yaw tilt the palm's plane about the frame's horizontal
	// and vertical axes, degrees: the far side looks smaller.
	Pitch, Yaw float64
	// Stretch is the amplitude of a smooth elastic displacement of the
	// skin, palm widths; StretchX and StretchY stretch the hand across
	// and along by these fractions.
	Stretch, StretchX, StretchY float64
	Ambient                     float64 // background grey level; 0: 10
	Gamma                       float64 // sensor response exponent; 0: linear
	ShotNoise                   bool    // noise grows with the signal (√), as photon noise does
	Seed                        uint64  // sensor noise
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
	l := &h.look
	dark := 0.0
	for i := range h.lines {
		dark = math.Max(dark, h.lines[i].strength(u, v, l))
	}
	vein := 0.0
	for i := range h.veins {
		vein = math.Max(vein, h.veins[i].strength(u, v, l))
	}
	var grain float64
	if len(h.grainWaves) > 0 {
		for _, w := range h.grainWaves {
			grain += math.Sin(u*w[0] + v*w[1] + w[2])
		}
		grain *= l.grain / 2
	} else {
		g := h.grainPhase
		grain = l.grain * (math.Sin(u*90+g[0])*math.Sin(v*85+g[1]) + 0.5*math.Sin((u+v)*140+g[2]))
	}
	return dark + l.vein*vein + grain
}

// Capture renders the hand under c as a 640×480 grey frame.
func (h *Hand) Capture(c Conditions) *image.Gray {
	tex := h.texture()
	rng := rand.New(rand.NewPCG(c.Seed, 0x5eed))
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	view := h.newView(c)
	digits := h.posed(c.Spread, c.Curl)
	bg := c.Ambient
	if bg == 0 {
		bg = 10
	}
	for y := range Height {
		for x := range Width {
			u, v := view.hand(float64(x), float64(y))
			val := bg
			if k, shade := h.coverage(u, v, &digits); k > 0 {
				light := 170 * c.Gain * (1 + c.Gradient*(float64(x)/Width-0.5)) * vignette(x, y) * shade
				val = bg + k*(light*(1-0.55*sample(tex, u, v))-bg)
			}
			if c.Gamma > 0 && c.Gamma != 1 {
				val = 255 * math.Pow(max(0, val)/255, c.Gamma)
			}
			sd := c.Noise
			if c.ShotNoise {
				sd *= math.Sqrt(max(val, 1) / 100)
			}
			val += rng.NormFloat64() * sd
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, val)))
		}
	}
	if c.Blur > 0.3 || c.Motion >= 1 {
		optics(img, c)
	}
	return img
}

// HandPoint is where frame pixel (x, y) of a capture under c lies on the
// hand, in hand space (palm width 1, origin at the palm centre, v towards
// the fingers): the ground truth a locator's ROI is measured against.
func (h *Hand) HandPoint(c Conditions, x, y float64) (u, v float64) {
	view := h.newView(c)
	return view.hand(x, y)
}

// FramePoint is HandPoint's inverse: the frame pixel of a capture under c
// that shows hand point (u, v), found by Newton's method from the frame
// pixel (x, y) (a nearby guess: the previous pixel of a raster). It
// reports false where the search does not settle, as off a tilted
// plane's horizon.
func (h *Hand) FramePoint(c Conditions, u, v, x, y float64) (float64, float64, bool) {
	view := h.newView(c)
	const step = 0.5 // frame pixels, for the Jacobian's differences
	for range 12 {
		u0, v0 := view.hand(x, y)
		eu, ev := u-u0, v-v0
		u1, v1 := view.hand(x+step, y)
		u2, v2 := view.hand(x, y+step)
		a, b, cc, d := (u1-u0)/step, (u2-u0)/step, (v1-v0)/step, (v2-v0)/step
		det := a*d - b*cc
		if det == 0 || math.IsNaN(det) {
			return x, y, false
		}
		dx, dy := (d*eu-b*ev)/det, (a*ev-cc*eu)/det
		x, y = x+dx, y+dy
		if math.Abs(dx)+math.Abs(dy) < 1e-3 {
			return x, y, true
		}
	}
	return x, y, false
}

// view maps frame pixels to hand space for one capture: offset and
// hover, perspective tilt of the palm's plane, rotation, mirroring for
// the left hand, and the skin's elastic stretch.
type view struct {
	cx, cy, scale    float64
	sin, cos, mirror float64
	tilted           bool
	rot              [3][3]float64 // the palm plane's orientation
	stretch, sx, sy  float64
	phase            [2]float64
}

// cameraDistance is the camera's distance from the palm in palm widths
// at hover scale 1 (about 10 cm from an 8 cm palm): what sets how much a
// tilt foreshortens the far side.
const cameraDistance = 1.5

func (h *Hand) newView(c Conditions) view {
	w := view{
		cx: Width/2 + c.DX, cy: Height/2 + 40 + c.DY, scale: baseScale * c.Scale, mirror: 1,
		stretch: c.Stretch, sx: c.StretchX, sy: c.StretchY,
	}
	w.sin, w.cos = math.Sincos(c.Rotation * math.Pi / 180)
	if h.Side == Left {
		w.mirror = -1
	}
	if c.Pitch != 0 || c.Yaw != 0 {
		w.tilted = true
		sp, cp := math.Sincos(c.Pitch * math.Pi / 180)
		sy, cy := math.Sincos(c.Yaw * math.Pi / 180)
		// rot = Ry(yaw)·Rx(pitch)
		w.rot = [3][3]float64{{cy, sy * sp, sy * cp}, {0, cp, -sp}, {-sy, cy * sp, cy * cp}}
	}
	// The stretch's phase belongs to the capture (skin moves differently
	// each time), drawn from the noise seed.
	w.phase = [2]float64{float64(c.Seed%997) / 997 * 2 * math.Pi, float64(c.Seed%991) / 991 * 2 * math.Pi}
	return w
}

// hand maps frame pixel (x, y) into hand space.
func (w *view) hand(x, y float64) (float64, float64) {
	dx, dy := (x-w.cx)/w.scale, (y-w.cy)/w.scale
	if w.tilted {
		dx, dy = w.onPlane(dx, dy)
	}
	u, v := w.mirror*(dx*w.cos+dy*w.sin), dx*w.sin-dy*w.cos
	if w.stretch != 0 || w.sx != 0 || w.sy != 0 {
		u, v = u*(1+w.sx)+w.stretch*math.Sin(2.2*v+w.phase[0]), v*(1+w.sy)+w.stretch*math.Sin(2.6*u+w.phase[1])
	}
	return u, v
}

// onPlane intersects the camera ray through image point (dx, dy) (palm
// widths at the palm's distance) with the tilted palm plane and returns
// the point in the plane's own coordinates.
func (w *view) onPlane(dx, dy float64) (float64, float64) {
	const d = cameraDistance
	r := &w.rot
	n := [3]float64{r[0][2], r[1][2], r[2][2]} // the plane's normal
	ray := [3]float64{dx, dy, d}
	t := n[2] * d / (n[0]*ray[0] + n[1]*ray[1] + n[2]*ray[2])
	p := [3]float64{t*ray[0] - 0, t*ray[1] - 0, t*ray[2] - d}
	return r[0][0]*p[0] + r[1][0]*p[1] + r[2][0]*p[2], r[0][1]*p[0] + r[1][1]*p[1] + r[2][1]*p[2]
}

// vignette darkens the frame's corners as a wide lens does.
func vignette(x, y int) float64 {
	dx, dy := float64(x)/Width-0.5, float64(y)/Height-0.5
	return 1 - 0.5*(dx*dx+dy*dy)
}

// sample reads the texture at (u, v), 0 outside it.
func sample(tex []float32, u, v float64) float64 {
	fx, fy := (u+texHalf)*texRes-0.5, (texHalf-v)*texRes-0.5
	x, y := int(math.Floor(fx)), int(math.Floor(fy))
	if x < 0 || y < 0 || x+1 >= texSide || y+1 >= texSide {
		return 0
	}
	// Bilinear, so that a line drawn a texel wide does not alias into
	// jaggies that move with every pose (a lens integrates; it does not
	// point-sample).
	ax, ay := float32(fx-float64(x)), float32(fy-float64(y))
	i := y*texSide + x
	top := tex[i]*(1-ax) + tex[i+1]*ax
	bottom := tex[i+texSide]*(1-ax) + tex[i+texSide+1]*ax
	return float64(top*(1-ay) + bottom*ay)
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

// coverage is 1 inside the hand and 0 outside (the forearm fades away
// from the illuminator below the wrist), with the light the hand's
// curvature lets through: palm and fingers darken towards their edges
// as their surface turns away from the illuminator.
func (h *Hand) coverage(u, v float64, digits *[5]posedDigit) (float64, float64) {
	halfL := h.palmL / 2
	x, y := math.Abs(u/(h.palmW/2)), math.Abs((v+0.02)/halfL)
	if r := math.Pow(x, h.palmExp) + math.Pow(y, h.palmExp); r <= 1 { // a rounded square palm
		return 1, 1 - h.shade*r*r*r
	}
	if v < -halfL*0.8 && math.Abs(u) < 0.42-0.1*(-halfL-v) && v > -halfL-0.9 {
		return math.Max(0, 1+(v+halfL)*1.1), 1 - h.shade // wrist and forearm
	}
	for i := range digits {
		if across, ok := digits[i].contains(u, v); ok {
			return 1, 1 - h.shade*across*across
		}
	}
	return 0, 0
}

// contains tests a capsule from the base along the digit's direction
// (angle from "up", positive towards the thumb side, negative x), and
// returns how far across it the point lies (0 on its axis, 1 at its edge).
func (f *posedDigit) contains(u, v float64) (float64, bool) {
	sin, cos := f.sin, f.cos
	du, dv := u-f.bx, v-f.by
	along := -du*sin + dv*cos
	across := du*cos + dv*sin
	if along < -0.1 || along > f.length {
		return 0, false
	}
	w := f.width / 2 * (1 - 0.2*along/f.length)
	if along > f.length-w {
		r := math.Hypot(across, along-(f.length-w))
		return r / w, r <= w
	}
	return math.Abs(across) / w, math.Abs(across) <= w
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
