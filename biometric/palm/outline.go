package palm

// #cgo !windows pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include "ecc.h"
import "C"

import (
	"errors"
	"fmt"
	"image"
	"math"
	"unsafe"

	"gocv.io/x/gocv"
)

// The palm frame is placed on landmarks of one frame (valleys, the
// distance transform's centre, the hand's axis), so on a palm tilted or
// stretched since enrolment it lands off the enrolled patch. The hand's
// silhouette around the palm, seen in two captures, says how the second
// maps onto the first: registering the two outlines with a homography
// recovers the tilt (its perspective terms follow the capture's pitch
// and yaw closely) and the landmarks' placement errors at once, from the
// hand's geometry alone, not from its lines.

// OutlineSide is an Outline's side in samples; it spans OutlineSpan ROI
// sides around the ROI's centre, so that the palm's edges, the finger
// valleys and the wrist's sides show in it. Over 2 ROI sides the fingers
// themselves weighed too much: held closer or wider than at enrolment,
// they bent the homography (fingers closed, wide population: mated
// median 0.201 at 2, 0.156 at 1.75, 0.113 at 1.5). At 1.25 too little
// edge is left in view and most registrations fail (README).
const (
	OutlineSide = 128
	OutlineSpan = 1.5
)

// An Outline is the hand's mask around the palm, sampled in the palm
// frame's axes (Placement) over OutlineSpan ROI sides and blurred so
// that its edges have a gradient to register on.
type Outline struct {
	Pix   []float32 // OutlineSide², row-major, 0 off the hand to 1 on it
	Place Placement // where it was sampled, in the frame it came from
	// The samples before the blur, 1 on the hand: what MarshalBinary
	// stores, from which UnmarshalBinary rebuilds Pix exactly.
	raw []byte
	// The frame and its hand's mask (non-zero on the hand), kept so that
	// CutRegistered cuts from the frame outlined without segmenting it
	// again.
	frame, hand *image.Gray
}

// OutlineOf samples the outline of frame's hand, located as obs (which
// must hold an ROI).
func OutlineOf(frame *image.Gray, obs Observation) (Outline, error) {
	if obs.ROI == nil {
		return Outline{}, errors.New("palm: an outline needs a located palm")
	}
	hand := obs.hand
	if hand == nil { // an observation not made by Locate
		var err error
		if hand, err = segmentedHand(frame); err != nil {
			return Outline{}, err
		}
	}
	raw := make([]byte, OutlineSide*OutlineSide)
	for j := range OutlineSide {
		for i := range OutlineSide {
			x, y := obs.Place.Frame(outlineToROI(float64(i)), outlineToROI(float64(j)))
			if onHand(hand, x, y) {
				raw[j*OutlineSide+i] = 1
			}
		}
	}
	pix, err := blurred(raw)
	if err != nil {
		return Outline{}, err
	}
	return Outline{Pix: pix, Place: obs.Place, raw: raw, frame: frame, hand: hand}, nil
}

// segmentedHand segments frame: the hand's mask, non-zero on the hand.
func segmentedHand(frame *image.Gray) (*image.Gray, error) {
	src, err := gocv.ImageGrayToMatGray(frame)
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	defer src.Close()
	mask, _, ok := segment(src)
	defer mask.Close()
	if !ok {
		return nil, errors.New("palm: no hand to outline")
	}
	return grayOf(mask)
}

// grayOf copies a one-channel 8-bit Mat (a mask, an ROI) out of OpenCV.
func grayOf(m gocv.Mat) (*image.Gray, error) {
	img, err := m.ToImage()
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		return nil, errors.New("palm: not a one-channel 8-bit image")
	}
	return g, nil
}

// blurred is raw (OutlineSide², 0 or 1) blurred so that its edges have a
// gradient to register on.
func blurred(raw []byte) ([]float32, error) {
	v := make([]float32, len(raw))
	for i, b := range raw {
		v[i] = float32(b)
	}
	m, err := gocv.NewMatFromBytes(OutlineSide, OutlineSide, gocv.MatTypeCV32F, floatBytes(v))
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	defer m.Close()
	blur := gocv.NewMat()
	defer blur.Close()
	gocv.GaussianBlur(m, &blur, image.Pt(9, 9), 2, 2, gocv.BorderReflect)
	pix, err := blur.DataPtrFloat32()
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	return append([]float32(nil), pix...), nil
}

// outlineToROI maps an outline sample coordinate to ROI pixels, and
// roiToOutline back.
func outlineToROI(u float64) float64 {
	const c = (ROISize - 1) / 2.0
	return c + (u-(OutlineSide-1)/2.0)*OutlineSpan*ROISize/OutlineSide
}

func roiToOutline(i float64) float64 {
	const c = (OutlineSide - 1) / 2.0
	return c + (i-(ROISize-1)/2.0)*OutlineSide/(OutlineSpan*ROISize)
}

// onHand says whether frame point (x, y) lies on hand (a mask, non-zero
// on the hand).
func onHand(hand *image.Gray, x, y float64) bool {
	p := image.Pt(int(math.Round(x)), int(math.Round(y)))
	return p.In(hand.Rect) && hand.Pix[hand.PixOffset(p.X, p.Y)] != 0
}

// Homography maps a point of one outline's samples to another's.
type Homography [3][3]float64

// Apply maps (x, y).
func (h Homography) Apply(x, y float64) (float64, float64) {
	w := h[2][0]*x + h[2][1]*y + h[2][2]
	return (h[0][0]*x + h[0][1]*y + h[0][2]) / w, (h[1][0]*x + h[1][1]*y + h[1][2]) / w
}

// Register finds the homography taking ref's samples to the points of
// o's that show the same place on the hand, by maximising the two
// outlines' correlation (OpenCV's ECC; G. D. Evangelidis and E. Z.
// Psarakis, "Parametric image alignment using enhanced correlation
// coefficient maximization", IEEE TPAMI 30(10), 2008). cc is the
// correlation reached.
func (o Outline) Register(ref Outline) (h Homography, cc float64, err error) {
	if len(o.Pix) != OutlineSide*OutlineSide || len(ref.Pix) != len(o.Pix) {
		return h, 0, errors.New("palm: registering outlines of the wrong size")
	}
	a, err := gocv.NewMatFromBytes(OutlineSide, OutlineSide, gocv.MatTypeCV32F, floatBytes(ref.Pix))
	if err != nil {
		return h, 0, fmt.Errorf("palm: %w", err)
	}
	defer a.Close()
	b, err := gocv.NewMatFromBytes(OutlineSide, OutlineSide, gocv.MatTypeCV32F, floatBytes(o.Pix))
	if err != nil {
		return h, 0, fmt.Errorf("palm: %w", err)
	}
	defer b.Close()
	w := gocv.Eye(3, 3, gocv.MatTypeCV32F)
	defer w.Close()
	var c C.double
	if C.palm_ecc(unsafe.Pointer(a.Ptr()), unsafe.Pointer(b.Ptr()), unsafe.Pointer(w.Ptr()), 100, 1e-5, &c) != 0 {
		return h, 0, errors.New("palm: the outlines did not register")
	}
	for r := range 3 {
		for k := range 3 {
			h[r][k] = float64(w.GetFloatAt(r, k))
		}
	}
	return h, float64(c), nil
}

// floatBytes views v's memory as bytes (OpenCV copies them).
func floatBytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*4)
}

// CutRegistered cuts from the frame o was outlined in the patch of hand
// the reference ROI showed: ROI pixel (i, j) of the reference is mapped
// into ref's outline, through h (from Outline.Register) into o's, and
// out to o's frame. Pixels that land off o's hand stay zero.
func (o Outline) CutRegistered(h Homography) (*image.Gray, error) {
	if o.frame == nil {
		return nil, errors.New("palm: cutting through an outline that was not sampled from a frame")
	}
	n := ROISize
	at := make([][2]float64, n*n)
	roiMask := image.NewGray(image.Rect(0, 0, n, n))
	for j := range n {
		for i := range n {
			u, v := h.Apply(roiToOutline(float64(i)), roiToOutline(float64(j)))
			x, y := o.Place.Frame(outlineToROI(u), outlineToROI(v))
			at[j*n+i] = [2]float64{x, y}
			if onHand(o.hand, x, y) {
				roiMask.Pix[j*roiMask.Stride+i] = 255
			}
		}
	}
	return CutAt(o.frame, roiMask, func(i, j int) (float64, float64) { return at[j*n+i][0], at[j*n+i][1] })
}
