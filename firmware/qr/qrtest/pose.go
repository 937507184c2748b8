package qrtest

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"

	"gocv.io/x/gocv"
)

// pose places the phone in the super-sampled frame: code module coordinates
// (u, v) go through scale, in-plane rotation, a 3-D tilt about an in-plane
// axis and a pinhole projection.
type pose struct {
	n              int
	cx, cy         float64 // code centre, super-sampled pixels
	s              float64 // pixels per module before tilt
	rot, tilt, ax  float64 // radians
	f              float64 // focal length, super-sampled pixels
	codeX, codeY   float64 // symbol origin in the phone image
	phoneW, phoneH float64
}

type pointF struct{ X, Y float64 }

// fit sizes and centres the code so that it and its quiet zone stay in the
// frame.
func (s Scene) fit(n int) pose {
	w, h := float64(Width*super), float64(Height*super)
	p := pose{n: n, s: s.CodeFrac * h / float64(n), rot: deg(s.RotateDeg),
		tilt: deg(s.TiltDeg), ax: deg(s.TiltAxis), f: s.FocalScale * w}
	for range 20 {
		lo, hi := p.bounds(2)
		bw, bh := hi.X-lo.X, hi.Y-lo.Y
		k := math.Min(0.96*w/bw, 0.96*h/bh)
		if k >= 1 {
			break
		}
		p.s *= k
	}
	lo, hi := p.bounds(2)
	p.cx = clampF(s.CenterX*w, -lo.X+0.02*w, w-hi.X-0.02*w)
	p.cy = clampF(s.CenterY*h, -lo.Y+0.02*h, h-hi.Y-0.02*h)
	return p
}

// bounds is the box of the code's corners, margin modules out, around a
// centre at the origin.
func (p pose) bounds(margin float64) (lo, hi pointF) {
	lo, hi = pointF{math.Inf(1), math.Inf(1)}, pointF{math.Inf(-1), math.Inf(-1)}
	m, e := -margin, float64(p.n)+margin
	for _, c := range [][2]float64{{m, m}, {e, m}, {e, e}, {m, e}} {
		q := p.project(c[0], c[1])
		lo.X, lo.Y = math.Min(lo.X, q.X-p.cx), math.Min(lo.Y, q.Y-p.cy)
		hi.X, hi.Y = math.Max(hi.X, q.X-p.cx), math.Max(hi.Y, q.Y-p.cy)
	}
	return lo, hi
}

// jitter is the tremor of a hand between frames.
func (p *pose) jitter(r *rand.Rand) {
	p.cx += r.NormFloat64() * super * 0.7
	p.cy += r.NormFloat64() * super * 0.7
	p.rot += r.NormFloat64() * 0.003
}

// project maps code coordinates to super-sampled frame pixels.
func (p pose) project(u, v float64) pointF {
	half := float64(p.n) / 2
	x, y := (u-half)*p.s, (v-half)*p.s
	x, y = x*math.Cos(p.rot)-y*math.Sin(p.rot), x*math.Sin(p.rot)+y*math.Cos(p.rot)
	kx, ky := math.Cos(p.ax), math.Sin(p.ax)
	dot, ct, st := kx*x+ky*y, math.Cos(p.tilt), math.Sin(p.tilt)
	x2 := x*ct + kx*dot*(1-ct)
	y2 := y*ct + ky*dot*(1-ct)
	z2 := (kx*y - ky*x) * st
	d := math.Max(p.f+z2, 0.2*p.f)
	return pointF{p.cx + p.f*x2/d, p.cy + p.f*y2/d}
}

// phoneToFrame is the homography from phone-image pixels to the frame.
func (p pose) phoneToFrame(ph phoneImage) gocv.Mat {
	src := make([]gocv.Point2f, 4)
	dst := make([]gocv.Point2f, 4)
	for i, c := range [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		x, y := c[0]*float64(ph.w), c[1]*float64(ph.h)
		src[i] = gocv.Point2f{X: float32(x), Y: float32(y)}
		q := p.project((x-float64(ph.codeX))/modulePx, (y-float64(ph.codeY))/modulePx)
		dst[i] = gocv.Point2f{X: float32(q.X), Y: float32(q.Y)}
	}
	sv, dv := gocv.NewPoint2fVectorFromPoints(src), gocv.NewPoint2fVectorFromPoints(dst)
	defer sv.Close()
	defer dv.Close()
	return gocv.GetPerspectiveTransform2f(sv, dv)
}

// warpOnto draws the phone over the background, low-passed first so that a
// far phone does not alias.
func (p pose) warpOnto(ph phoneImage, dst *gocv.Mat) error {
	src, err := gocv.NewMatFromBytes(ph.h, ph.w, gocv.MatTypeCV8U, ph.pix)
	if err != nil {
		return fmt.Errorf("qrtest: phone image: %w", err)
	}
	defer src.Close()
	if k := modulePx / p.sidePx() * float64(p.n); k > 1.2 {
		gocv.GaussianBlur(src, &src, image.Pt(0, 0), 0.45*k, 0.45*k, gocv.BorderReplicate)
	}
	h := p.phoneToFrame(ph)
	defer h.Close()
	gocv.WarpPerspectiveWithParams(src, dst, h, image.Pt(Width*super, Height*super),
		gocv.InterpolationLinear, gocv.BorderTransparent, black)
	return nil
}

// screenMask is 255 where the frame sees the phone's screen.
func (p pose) screenMask(ph phoneImage) ([]byte, error) {
	src, err := gocv.NewMatFromBytes(ph.h, ph.w, gocv.MatTypeCV8U, ph.screenOnlyPix)
	if err != nil {
		return nil, fmt.Errorf("qrtest: screen mask: %w", err)
	}
	defer src.Close()
	h := p.phoneToFrame(ph)
	defer h.Close()
	hi := gocv.NewMat()
	defer hi.Close()
	gocv.WarpPerspectiveWithParams(src, &hi, h, image.Pt(Width*super, Height*super),
		gocv.InterpolationLinear, gocv.BorderConstant, black)
	lo := gocv.NewMat()
	defer lo.Close()
	gocv.Resize(hi, &lo, image.Pt(Width, Height), 0, 0, gocv.InterpolationArea)
	return lo.ToBytes(), nil
}

// sidePx is the mean side of the projected symbol, super-sampled pixels.
func (p pose) sidePx() float64 {
	n := float64(p.n)
	c := []pointF{p.project(0, 0), p.project(n, 0), p.project(n, n), p.project(0, n)}
	sum := 0.0
	for i := range c {
		j := (i + 1) % 4
		sum += math.Hypot(c[j].X-c[i].X, c[j].Y-c[i].Y)
	}
	return sum / 4
}

func (p pose) truth(payload string, n int) Truth {
	t := Truth{Payload: payload, Modules: n, ModulePx: p.sidePx() / float64(n) / super}
	for i, c := range [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		q := p.project(c[0]*float64(n), c[1]*float64(n))
		t.Corners[i] = image.Pt(int(math.Round(q.X/super)), int(math.Round(q.Y/super)))
	}
	return t
}

// drawFinger lays a finger (a capsule, lit from the front, so brighter in
// the middle) from outside the code over one of its corners.
func (s Scene) drawFinger(m *gocv.Mat, p pose, n int) error {
	f := s.Finger
	nf := float64(n)
	corner := [][2]float64{{0, 0}, {nf, 0}, {nf, nf}, {0, nf}}[f.Corner%4]
	dx, dy := nf/2-corner[0], nf/2-corner[1]
	l := math.Hypot(dx, dy)
	dx, dy = dx/l, dy/l
	reach := f.Depth * nf * math.Sqrt2
	tip := p.project(corner[0]+dx*reach, corner[1]+dy*reach)
	base := p.project(corner[0]-dx*3*nf, corner[1]-dy*3*nf)
	radius := f.Width * p.sidePx() / 2
	w, h := Width*super, Height*super
	pix := m.ToBytes()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			d := segmentDist(pointF{float64(x), float64(y)}, tip, base)
			if d > radius+1 {
				continue
			}
			alpha := clampF((radius-d)/1.5+0.5, 0, 1)
			skin := f.Level * (0.75 + 0.25*math.Sqrt(math.Max(0, 1-(d/radius)*(d/radius))))
			i := y*w + x
			pix[i] = clamp8(float64(pix[i])*(1-alpha) + skin*alpha)
		}
	}
	nm, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8U, pix)
	if err != nil {
		return fmt.Errorf("qrtest: finger: %w", err)
	}
	m.Close()
	*m = nm
	return nil
}

func segmentDist(q, a, b pointF) float64 {
	vx, vy := b.X-a.X, b.Y-a.Y
	t := clampF(((q.X-a.X)*vx+(q.Y-a.Y)*vy)/(vx*vx+vy*vy), 0, 1)
	return math.Hypot(q.X-a.X-t*vx, q.Y-a.Y-t*vy)
}

func clampF(v, lo, hi float64) float64 {
	if hi < lo {
		return (lo + hi) / 2
	}
	return math.Max(lo, math.Min(hi, v))
}
