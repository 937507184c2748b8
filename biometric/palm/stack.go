package palm

import (
	"errors"
	"image"
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

// A Stack is a presentation's good frames registered onto its first. It
// copies what it keeps of each frame: a camera may reuse its buffers.
type Stack struct {
	first  *image.Gray // the first frame's ROI as located
	frames []stacked
}

// stacked is one frame of a Stack: its outline (with a copy of the
// frame), the homography from the first frame's outline samples to its
// own, and its cut on the first frame's ROI.
type stacked struct {
	o   Outline
	h   Homography
	cut *image.Gray
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
	first := image.NewGray(roi.Rect)
	copy(first.Pix, roi.Pix)
	return &Stack{first: first, frames: []stacked{{o: o.owned(), h: identity}}}, nil
}

// Add registers a later frame's outline onto the first's and keeps the
// frame, or returns ErrNotStacked and leaves the stack as it was.
func (s *Stack) Add(o Outline) error {
	if o.frame == nil {
		return errors.New("palm: stacking an outline that was not sampled from a frame")
	}
	h, cc, err := o.Register(s.frames[0].o)
	if err != nil || cc < MinStackCorrelation {
		return ErrNotStacked
	}
	cut, err := o.CutRegistered(h)
	if err != nil || cut == nil {
		return ErrNotStacked
	}
	s.frames = append(s.frames, stacked{o: o.owned(), h: h, cut: cut})
	return nil
}

// Len is how many frames the stack holds.
func (s *Stack) Len() int { return len(s.frames) }

// ROI is the frames averaged on the first frame's ROI as located.
func (s *Stack) ROI() *image.Gray {
	rois := []*image.Gray{s.first}
	for _, f := range s.frames[1:] {
		rois = append(rois, f.cut)
	}
	return average(rois)
}

// Register registers the stack's first frame onto ref: the others follow
// it through their own registrations onto the first.
func (s *Stack) Register(ref Outline) (Homography, float64, error) {
	return s.frames[0].o.Register(ref)
}

// CutRegistered cuts every frame on the patch of hand the reference ROI
// showed, h taking ref's samples to the first frame's, and averages them.
func (s *Stack) CutRegistered(h Homography) (*image.Gray, error) {
	var rois []*image.Gray
	for i, f := range s.frames {
		cut, err := f.o.CutRegistered(h.Then(f.h))
		if err != nil || cut == nil {
			if i == 0 {
				return cut, err // the first frame sets the patch
			}
			continue
		}
		rois = append(rois, cut)
	}
	return average(rois), nil
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
