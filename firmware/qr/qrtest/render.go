package qrtest

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/skip2/go-qrcode"
	"gocv.io/x/gocv"
)

// Render draws the scene at twice the frame size and averages it down, as a
// sensor integrates light over its pixels; blur is applied before the
// averaging, noise after it.
const super = 2

// Truth is what the frame contains, for checking a decoder.
type Truth struct {
	Payload  string
	Corners  [4]image.Point // code corners in the frame: TL, TR, BR, BL of the symbol
	ModulePx float64        // mean module pitch in the frame, pixels
	Modules  int            // modules across the symbol
}

// Render draws one frame of the scene. frame selects the sensor noise and a
// sub-pixel tremor of the hand; the same (scene, frame) always gives the same
// pixels.
func (s Scene) Render(frame uint64) (*image.Gray, Truth, error) {
	q, err := qrcode.New(s.Payload, qrcode.Medium)
	if err != nil {
		return nil, Truth{}, fmt.Errorf("qrtest: encode: %w", err)
	}
	q.DisableBorder = true
	phone := drawPhone(q.Bitmap(), s)
	r := rand.New(rand.NewPCG(s.Seed^0x5eed, frame))
	pose := s.fit(phone.n)
	pose.jitter(r)

	hi := s.background()
	defer hi.Close()
	if err := pose.warpOnto(phone, &hi); err != nil {
		return nil, Truth{}, err
	}
	if s.Finger != nil {
		if err := s.drawFinger(&hi, pose, phone.n); err != nil {
			return nil, Truth{}, err
		}
	}
	if err := s.blur(&hi); err != nil {
		return nil, Truth{}, err
	}
	lo := gocv.NewMat()
	defer lo.Close()
	gocv.Resize(hi, &lo, image.Pt(Width, Height), 0, 0, gocv.InterpolationArea)
	pix := lo.ToBytes()

	var mask []byte
	if s.Moire != nil {
		if mask, err = pose.screenMask(phone); err != nil {
			return nil, Truth{}, err
		}
	}
	img := s.sensor(pix, mask, pose, phone.n, r)
	return img, pose.truth(s.Payload, phone.n), nil
}

// phoneImage is the phone seen face-on at modulePx pixels per module.
type phoneImage struct {
	pix           []byte
	w, h          int
	codeX, codeY  int // top-left of the symbol
	n             int // modules across
	screen        image.Rectangle
	screenOnlyPix []byte // 255 on the screen, 0 elsewhere
}

const modulePx = 6 // phone image resolution, pixels per module

func drawPhone(bits [][]bool, s Scene) phoneImage {
	n := len(bits)
	bezel, side := 3*modulePx, 5*modulePx
	top, bottom := n*modulePx*6/10, n*modulePx/2
	p := phoneImage{n: n}
	p.w = 2*bezel + 2*side + n*modulePx
	p.h = 2*bezel + top + bottom + n*modulePx
	p.codeX, p.codeY = bezel+side, bezel+top
	p.screen = image.Rect(bezel, bezel, p.w-bezel, p.h-bezel)
	p.pix = make([]byte, p.w*p.h)
	p.screenOnlyPix = make([]byte, p.w*p.h)
	white, ink := byte(s.ScreenLevel), byte(s.InkLevel)
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			i := y*p.w + x
			if !image.Pt(x, y).In(p.screen) {
				p.pix[i] = 12 // bezel
				continue
			}
			p.screenOnlyPix[i] = 255
			p.pix[i] = white
			u, v := (x-p.codeX)/modulePx, (y-p.codeY)/modulePx
			if x >= p.codeX && y >= p.codeY && u < n && v < n && bits[v][u] {
				p.pix[i] = ink
			}
		}
	}
	// Lines of text above and below the code, as a console page has.
	r := rand.New(rand.NewPCG(s.Seed, 7))
	for _, y0 := range []int{bezel + top/5, bezel + top/2, p.h - bezel - bottom/2} {
		x1 := p.w - bezel - side - r.IntN(n*modulePx/3)
		fill(p, image.Rect(bezel+side, y0, x1, y0+2*modulePx), ink)
	}
	return p
}

func fill(p phoneImage, rect image.Rectangle, v byte) {
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			p.pix[y*p.w+x] = v
		}
	}
}

// background is a dim room at the super-sampled size: a gradient and a few
// soft-edged objects, fixed for the scene.
func (s Scene) background() gocv.Mat {
	r := rand.New(rand.NewPCG(s.Seed, 11))
	w, h := Width*super, Height*super
	pix := make([]byte, w*h)
	a, bx, by := uniform(r, 40, 90), uniform(r, -30, 30), uniform(r, -30, 30)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			pix[y*w+x] = clamp8(a + bx*float64(x)/float64(w) + by*float64(y)/float64(h))
		}
	}
	for k := 0; k < 4; k++ {
		x0, y0 := r.IntN(w), r.IntN(h)
		x1, y1 := min(w, x0+r.IntN(w/2)), min(h, y0+r.IntN(h/2))
		v := clamp8(uniform(r, 20, 140))
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				pix[y*w+x] = v
			}
		}
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8U, pix)
	if err != nil {
		return gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U)
	}
	defer m.Close()
	out := gocv.NewMat()
	gocv.GaussianBlur(m, &out, image.Pt(0, 0), 3, 3, gocv.BorderReplicate)
	return out
}

// blur applies defocus (a disc) and motion (a line) at the super-sampled size.
func (s Scene) blur(m *gocv.Mat) error {
	if s.DefocusPx > 0.05 {
		k := discKernel(s.DefocusPx * super)
		defer k.Close()
		gocv.Filter2D(*m, m, -1, k, image.Pt(-1, -1), 0, gocv.BorderReplicate)
	}
	if s.MotionPx > 0.05 {
		k := lineKernel(s.MotionPx*super, deg(s.MotionDeg))
		defer k.Close()
		gocv.Filter2D(*m, m, -1, k, image.Pt(-1, -1), 0, gocv.BorderReplicate)
	}
	return nil
}

// discKernel is an anti-aliased disc of radius r, summing to one.
func discKernel(r float64) gocv.Mat {
	half := int(math.Ceil(r))
	size := 2*half + 1
	w := make([]float64, size*size)
	for y := -half; y <= half; y++ {
		for x := -half; x <= half; x++ {
			d := math.Hypot(float64(x), float64(y))
			w[(y+half)*size+x+half] = math.Max(0, math.Min(1, r+0.5-d))
		}
	}
	return kernelMat(w, size)
}

// lineKernel spreads a point along a segment of length l at angle a.
func lineKernel(l, a float64) gocv.Mat {
	half := int(math.Ceil(l/2)) + 1
	size := 2*half + 1
	w := make([]float64, size*size)
	steps := int(l*8) + 1
	for i := 0; i <= steps; i++ {
		t := (float64(i)/float64(steps) - 0.5) * l
		x, y := t*math.Cos(a)+float64(half), t*math.Sin(a)+float64(half)
		x0, y0 := math.Floor(x), math.Floor(y)
		fx, fy := x-x0, y-y0
		ix, iy := int(x0), int(y0)
		w[iy*size+ix] += (1 - fx) * (1 - fy)
		w[iy*size+ix+1] += fx * (1 - fy)
		w[(iy+1)*size+ix] += (1 - fx) * fy
		w[(iy+1)*size+ix+1] += fx * fy
	}
	return kernelMat(w, size)
}

func kernelMat(w []float64, size int) gocv.Mat {
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	k := gocv.NewMatWithSize(size, size, gocv.MatTypeCV32F)
	for i, v := range w {
		k.SetFloatAt(i/size, i%size, float32(v/sum))
	}
	return k
}

// sensor turns the averaged light into an 8-bit frame: moiré on the screen,
// gain, vignetting, glare, photon and read noise.
func (s Scene) sensor(pix, mask []byte, p pose, n int, r *rand.Rand) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	var gx, gy, gr float64
	if s.Glare != nil {
		pt := p.project(s.Glare.U*float64(n), s.Glare.V*float64(n))
		gx, gy = pt.X/super, pt.Y/super
		gr = s.Glare.Radius * p.sidePx() / super
	}
	for y := 0; y < Height; y++ {
		for x := 0; x < Width; x++ {
			i := y*Width + x
			v := float64(pix[i])
			if mask != nil && mask[i] > 0 {
				v *= 1 - float64(mask[i])/255*s.moire(float64(x), float64(y))
			}
			dx, dy := float64(x)/Width-0.5, float64(y)/Height-0.5
			v *= s.Gain * (1 - 0.6*(dx*dx+dy*dy))
			if s.Glare != nil {
				d2 := ((float64(x)-gx)*(float64(x)-gx) + (float64(y)-gy)*(float64(y)-gy)) / (gr * gr)
				v += s.Glare.Strength * math.Exp(-d2/2)
			}
			v += r.NormFloat64() * math.Sqrt(s.NoiseSigma*s.NoiseSigma+s.ShotNoise*s.ShotNoise*math.Max(v, 0))
			img.Pix[i] = clamp8(v)
		}
	}
	return img
}

// moire is the darkening of the screen at (x, y): a fine grating under a
// slow beat, as the screen's pixel grid aliases against the sensor's.
func (s Scene) moire(x, y float64) float64 {
	m := s.Moire
	a := deg(m.Angle)
	t := x*math.Cos(a) + y*math.Sin(a)
	u := -x*math.Sin(a) + y*math.Cos(a)
	env := 0.5 + 0.5*math.Sin(2*math.Pi*(t+0.3*u)/m.BeatPx)
	return m.Depth * env * (0.5 + 0.5*math.Sin(2*math.Pi*t/m.PeriodPx))
}

func clamp8(v float64) byte {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return byte(v + 0.5)
}

var black = color.RGBA{}
