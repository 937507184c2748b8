package vision

import "image"

// Presence tells whether anything is in front of the camera, from a coarse
// grid of samples compared with the learned empty scene: a few thousand
// pixel reads a frame, so that an idle reader costs almost nothing and the
// expensive pipelines run only when something is there.
//
// The empty scene is learned: slowly while nothing is in view (drift of
// light and exposure), and at once when the owner says that a frame the
// presence test flagged holds nothing after all (Absorb). Until it has a
// scene, everything counts as present, so a hand held up at start-up is
// not missed.
type Presence struct {
	step  int     // sample every step-th pixel in both directions
	delta int     // a sample this far from the scene has changed
	share float64 // this share of samples must change for presence

	bg    []float32
	w, h  int
	valid bool
}

// NewPresence returns a detector with sensible defaults for a 640×480
// near-infrared frame: an 80×60 grid, 24 grey levels, 1 % of the grid.
func NewPresence() *Presence { return &Presence{step: 8, delta: 24, share: 0.01} }

// InView reports whether img differs from the empty scene. While nothing
// is in view the scene drifts towards img.
func (p *Presence) InView(img *image.Gray) bool {
	w, h := p.grid(img)
	if !p.valid || w == 0 || w != p.w || h != p.h {
		return true
	}
	changed, i := 0, 0
	for y := range h {
		row := img.Pix[(y*p.step+p.step/2)*img.Stride:]
		for x := range w {
			d := float32(row[x*p.step+p.step/2]) - p.bg[i]
			if d > float32(p.delta) || d < -float32(p.delta) {
				changed++
			}
			i++
		}
	}
	present := float64(changed) > p.share*float64(w*h)
	if !present {
		p.drift(img)
	}
	return present
}

// Absorb takes img as the empty scene.
func (p *Presence) Absorb(img *image.Gray) {
	p.w, p.h = p.grid(img)
	if len(p.bg) != p.w*p.h {
		p.bg = make([]float32, p.w*p.h)
	}
	p.sample(img, 1)
	p.valid = true
}

// drift moves the scene a sixteenth of the way towards img.
func (p *Presence) drift(img *image.Gray) { p.sample(img, 1.0/16) }

func (p *Presence) sample(img *image.Gray, rate float32) {
	i := 0
	for y := range p.h {
		row := img.Pix[(y*p.step+p.step/2)*img.Stride:]
		for x := range p.w {
			p.bg[i] += (float32(row[x*p.step+p.step/2]) - p.bg[i]) * rate
			i++
		}
	}
}

func (p *Presence) grid(img *image.Gray) (w, h int) {
	b := img.Bounds()
	if b.Min != (image.Point{}) {
		return 0, 0 // frames are whole images; a sub-image is never sampled
	}
	return b.Dx() / p.step, b.Dy() / p.step
}
