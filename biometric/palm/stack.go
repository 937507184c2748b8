package palm

import (
	"errors"
	"image"
	"math"
)

// A camera this close sees the palm's lines through sensor noise, and a
// dim hand's contrast stretch amplifies it: it is the one loss of a
// perfectly placed cut (README, "Dim and noisy, taken apart"). A hand
// held over the reader gives several frames a second of the same palm,
// each with fresh noise. Registered onto one another by their outlines
// (as the second look registers a frame onto an enrolment) and averaged,
// they show the palm with the noise of one frame divided by the square
// root of their number.

// MinStackCorrelation is the outline correlation (Outline.Register's cc)
// a frame must reach on the stack's first to join it. Frames of a hand
// held still register at 0.988 or more (5th percentile over 360 pairs of
// frames drifting as the generator draws them); one that falls below
// this has moved more than a homography of its outline explains, and
// averaged in it would blur the palm.
const MinStackCorrelation = 0.95

// A View is what a second look registers onto an enrolment's outline and
// cuts on that enrolment's patch of hand: one frame's Outline, or a
// presentation's frames stacked (Stack).
type View interface {
	Register(ref Outline) (h Homography, cc float64, err error)
	CutRegistered(h Homography) (*image.Gray, error)
}

// A Stack is a presentation's good frames registered onto its first,
// seen from the latest: its ROI is the latest frame's as located, and
// its second look registers the latest frame's outline, each with the
// frames before averaged in. So every frame a presentation is decided
// from is placed afresh, as it was before frames were stacked (on a
// palm held tilted or stretched, a later frame may be placed where the
// first was not), and only the noise is shared. It copies what it keeps
// of each frame: a camera may reuse its buffers.
type Stack struct {
	frames []stacked
}

// stacked is one frame of a Stack: its outline (with a copy of the
// frame), its ROI as located, and the homography from the first frame's
// outline samples to its own.
type stacked struct {
	o   Outline
	roi *image.Gray
	h   Homography
}

// ErrNotStacked is Add's answer for a frame that did not register onto
// the stack's first well enough to be averaged with it.
var ErrNotStacked = errors.New("palm: the frame does not register onto the presentation's first")

// NewStack starts a stack from a presentation's first good frame: its
// outline (OutlineOf) and its ROI as located.
func NewStack(o Outline, roi *image.Gray) (*Stack, error) {
	if o.frame == nil || roi == nil {
		return nil, errors.New("palm: a stack starts from a located, outlined frame")
	}
	return &Stack{frames: []stacked{{o: o.owned(), roi: cloneGray(roi), h: identity}}}, nil
}

// Add registers a later frame, outlined as o and located as roi, onto
// the first and makes it the latest, or returns ErrNotStacked and leaves
// the stack as it was.
func (s *Stack) Add(o Outline, roi *image.Gray) error {
	if o.frame == nil || roi == nil {
		return errors.New("palm: stacking a frame that was not located and outlined")
	}
	h, cc, err := o.Register(s.frames[0].o)
	if err != nil || cc < MinStackCorrelation {
		return ErrNotStacked
	}
	if _, ok := h.Inverse(); !ok {
		return ErrNotStacked
	}
	s.frames = append(s.frames, stacked{o: o.owned(), roi: cloneGray(roi), h: h})
	return nil
}

// Snapshot is the stack as it is now: later Adds do not change it.
func (s *Stack) Snapshot() *Stack {
	return &Stack{frames: s.frames[:len(s.frames):len(s.frames)]}
}

// Len is how many frames the stack holds.
func (s *Stack) Len() int { return len(s.frames) }

// latest is the frame the stack is seen from.
func (s *Stack) latest() stacked { return s.frames[len(s.frames)-1] }

// ROI is the frames averaged on the latest frame's ROI as located.
func (s *Stack) ROI() *image.Gray {
	rois := []*image.Gray{s.latest().roi}
	s.cutOthers(identity, func(cut *image.Gray) { rois = append(rois, cut) })
	return average(rois)
}

// Register registers the latest frame onto ref: the others follow it
// through their registrations onto the first.
func (s *Stack) Register(ref Outline) (Homography, float64, error) {
	return s.latest().o.Register(ref)
}

// CutRegistered cuts every frame on the patch of hand the reference ROI
// showed, h taking ref's samples to the latest frame's, and averages
// them over the latest's cut.
func (s *Stack) CutRegistered(h Homography) (*image.Gray, error) {
	cut, err := s.latest().o.CutRegistered(h)
	if err != nil || cut == nil {
		return cut, err
	}
	rois := []*image.Gray{cut}
	s.cutOthers(h, func(cut *image.Gray) { rois = append(rois, cut) })
	return average(rois), nil
}

// cutOthers cuts each frame but the latest through h (onto the latest's
// samples), then back to the first's and on to that frame's; a frame
// whose cut leaves it is left out.
func (s *Stack) cutOthers(h Homography, add func(*image.Gray)) {
	last := len(s.frames) - 1
	back, _ := s.frames[last].h.Inverse() // checked by Add
	for _, f := range s.frames[:last] {
		if cut, err := f.o.CutRegistered(h.Then(back).Then(f.h)); err == nil && cut != nil {
			add(cut)
		}
	}
}

// average averages ROIs pixel by pixel over the first's hand (non-zero
// pixels), each pixel over the ROIs that show it.
func average(rois []*image.Gray) *image.Gray {
	out := image.NewGray(rois[0].Rect)
	for i, v := range rois[0].Pix {
		if v == 0 {
			continue
		}
		sum, n := 0, 0
		for _, r := range rois {
			if p := r.Pix[i]; p != 0 {
				sum, n = sum+int(p), n+1
			}
		}
		out.Pix[i] = max(1, uint8((sum+n/2)/n)) // 0 would mark it off the hand
	}
	return out
}

// owned is o with its own copies of the frame and the hand's mask.
func (o Outline) owned() Outline {
	o.frame, o.hand = cloneGray(o.frame), cloneGray(o.hand)
	return o
}

func cloneGray(g *image.Gray) *image.Gray {
	if g == nil {
		return nil
	}
	c := &image.Gray{Pix: make([]byte, len(g.Pix)), Stride: g.Stride, Rect: g.Rect}
	copy(c.Pix, g.Pix)
	return c
}

// identity is the homography that maps every point onto itself.
var identity = Homography{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}

// Inverse is the homography that maps back what h maps; false where h
// is singular.
func (h Homography) Inverse() (Homography, bool) {
	a, b, c := h[0][0], h[0][1], h[0][2]
	d, e, f := h[1][0], h[1][1], h[1][2]
	g, k, l := h[2][0], h[2][1], h[2][2]
	co := [3][3]float64{
		{e*l - f*k, c*k - b*l, b*f - c*e},
		{f*g - d*l, a*l - c*g, c*d - a*f},
		{d*k - e*g, b*g - a*k, a*e - b*d},
	}
	det := a*co[0][0] + b*co[1][0] + c*co[2][0]
	if math.Abs(det) < 1e-12 {
		return Homography{}, false
	}
	var inv Homography
	for r := range 3 {
		for q := range 3 {
			inv[r][q] = co[r][q] / det
		}
	}
	return inv, true
}

// Then is h followed by g: a point mapped by h, then by g.
func (h Homography) Then(g Homography) Homography {
	var out Homography
	for r := range 3 {
		for c := range 3 {
			for k := range 3 {
				out[r][c] += g[r][k] * h[k][c]
			}
		}
	}
	return out
}
