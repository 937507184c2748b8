// Package palm finds the palm in a near-infrared frame and cuts out its
// region of interest in the palm's own coordinate frame.
//
// The hand is the bright region in front of a dark background (the
// illuminator lights only what is close). The largest blob is the hand;
// the deepest point of its distance transform is the palm centre and its
// value the palm radius R (the hover distance, and the hand's own scale).
// The finger valleys are the deep convexity defects of its outline. Those
// between the four fingers are told from the thumb's and from notches at
// the wrist by where they lie along the hand's principal axis: beyond
// 0.7 R from the centre, where the thumb's valley never reaches. The axis
// gives the palm's rotation, the valleys the level of the finger bases,
// the centre the position across the hand. So the frame holds when a
// valley is too shallow to show or the fingers spread differently. The
// ROI is the square of side 1.4 R just below the valleys' level, warped to
// ROISize and normalised in contrast, with the pixels outside the hand
// set to 0.
//
// Frames that are not good enough come back with hints for the screen and
// no ROI: they are not matched.
package palm

import (
	"image"
)

// ROISize is the side of the ROI in pixels (what features.Extractor takes).
const ROISize = 128

// Hint is a reason a frame cannot be used, phrased for the screen.
type Hint string

// The hints, most fundamental first.
const (
	HintNoHand        Hint = "no-hand"
	HintTooFar        Hint = "too-far"
	HintTooClose      Hint = "too-close"
	HintOffCentre     Hint = "off-centre"
	HintFingersClosed Hint = "fingers-closed"
	HintTilted        Hint = "tilted"
	HintTooDark       Hint = "too-dark"
	HintTooBright     Hint = "too-bright"
	HintMoving        Hint = "moving"
	// HintNotAPalm: the palm shows a print's halftone or a screen's
	// pixel grid (a presentation attack, or a hand behind a screen).
	HintNotAPalm Hint = "not-a-palm"
)

// Hints lists every hint, for those that must have a word for each (the
// screen's catalogues).
var Hints = []Hint{HintNoHand, HintTooFar, HintTooClose, HintOffCentre, HintFingersClosed,
	HintTilted, HintTooDark, HintTooBright, HintMoving, HintNotAPalm}

// Observation is what one frame shows.
type Observation struct {
	Hints  []Hint
	Centre image.Point // palm centre in the frame
	Radius float64     // palm radius in pixels: the hover distance
	Axis   [2]image.Point
	ROI    *image.Gray // nil unless the frame is good enough to match
	Place  Placement   // where ROI was cut from the frame; zero without ROI
	// Pattern is the modulation of the strongest fine regular pattern
	// on the palm (see MaxPatternModulation); measured on frames that
	// pass every other check.
	Pattern float64
	// hand is the frame's hand mask (non-zero on the hand), kept with the
	// ROI: OutlineOf, on a frame that needs the second look, outlines it
	// without segmenting the frame again.
	hand *image.Gray
}

// Placement is the square an ROI was cut from, in frame pixels: its
// centre, side, and the direction of its rows (radians from the frame's
// x axis); its columns run a quarter turn on from there. It is for
// measuring alignment against ground truth, not for matching.
type Placement struct {
	X, Y, Side, Angle float64
}

// Good reports whether the frame can be matched.
func (o *Observation) Good() bool { return o.ROI != nil && len(o.Hints) == 0 }

// Config bounds what a usable frame looks like, relative to the frame.
type Config struct {
	MinRadius, MaxRadius float64 // palm radius as a fraction of frame height
	MaxOffCentre         float64 // centre distance from frame centre, fraction of height
	MinMean, MaxSaturate float64 // palm mean grey level; fraction of pixels at 250+
	// MoveFraction: a centre that moved more than this fraction of the
	// frame height since the previous frame means the hand is moving.
	MoveFraction float64
}

// DefaultConfig suits a 640×480 reader camera with the palm 5–15 cm away.
var DefaultConfig = Config{
	MinRadius: 0.09, MaxRadius: 0.24, MaxOffCentre: 0.22,
	MinMean: 50, MaxSaturate: 0.05, MoveFraction: 0.03,
}
