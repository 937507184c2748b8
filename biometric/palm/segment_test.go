package palm

import (
	"image"
	"math"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

// TestFingerGroup: the valleys between the four fingers are told from
// the thumb's valley and a wrist notch, at any rotation of the hand,
// including when one finger valley is too shallow to show and the
// thumb's valley is then as near in angle as the next finger's.
func TestFingerGroup(t *testing.T) {
	// A hand pointing up (-y) with its palm centre at the origin and
	// R = 80: finger valleys 1.1 R above, 0.45 R apart; the thumb's
	// valley low on the left; a notch at the wrist below.
	const r = 80.0
	var (
		im, mr, rl = pt(-36, -88), pt(0, -90), pt(36, -86)
		thumb      = pt(-72, -22)
		thumbWrist = pt(-70, 30)
		wrist      = pt(40, 110)
	)
	for _, tc := range []struct {
		name    string
		valleys []image.Point
		want    []image.Point
	}{
		{"all", []image.Point{thumb, im, mr, rl, thumbWrist, wrist}, []image.Point{im, mr, rl}},
		{"middle valley missing", []image.Point{rl, thumb, im, wrist}, []image.Point{im, rl}},
		{"ring–little missing", []image.Point{thumbWrist, mr, thumb, im}, []image.Point{im, mr}},
		{"index–middle missing", []image.Point{thumb, mr, rl}, []image.Point{mr, rl}},
	} {
		for _, deg := range []float64{0, 35, 90, 180, -120} {
			centre := image.Pt(320, 240)
			turned := make([]image.Point, len(tc.valleys))
			for i, v := range tc.valleys {
				turned[i] = centre.Add(rot(v, deg))
			}
			axis := [2]float64{math.Sin(deg * math.Pi / 180), -math.Cos(deg * math.Pi / 180)}
			if deg == 35 {
				axis = [2]float64{-axis[0], -axis[1]} // the axis has no sign
			}
			got, ok := fingerGroup(turned, centre, r, axis)
			want := make([]image.Point, len(tc.want))
			for i, v := range tc.want {
				want[i] = centre.Add(rot(v, deg))
			}
			if !ok || !sameSet(got, want) {
				t.Errorf("%s at %.0f°: got %v, want %v", tc.name, deg, got, want)
			}
		}
	}
	if g, ok := fingerGroup([]image.Point{pt(300, 150), pt(250, 220)}, image.Pt(320, 240), r, [2]float64{0, 1}); !ok || len(g) != 1 {
		t.Errorf("one finger valley and the thumb's: group %v, want the finger valley alone", g)
	}
	if _, ok := fingerGroup([]image.Point{pt(250, 220)}, image.Pt(320, 240), r, [2]float64{0, 1}); ok {
		t.Error("the thumb's valley alone: fingers are closed, not a group")
	}
}

func pt(x, y int) image.Point { return image.Pt(x, y) }

func rot(p image.Point, deg float64) image.Point {
	s, c := math.Sincos(deg * math.Pi / 180)
	x, y := float64(p.X), float64(p.Y)
	return image.Pt(int(math.Round(c*x-s*y)), int(math.Round(s*x+c*y)))
}

func sameSet(a, b []image.Point) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range b {
		if !slices.Contains(a, p) {
			return false
		}
	}
	return true
}

// TestPalmFrame: n points from the valleys to the palm whichever way the
// valleys are ordered, and the origin is level with the centre.
func TestPalmFrame(t *testing.T) {
	centre := image.Pt(100, 200)
	for _, g := range [][]image.Point{{pt(60, 110), pt(140, 110)}, {pt(140, 110), pt(60, 110)}} {
		f := palmFrame(g, centre, 80, [2]float64{0, 1})
		if f.n[1] < 0.99 || math.Abs(f.origin[0]-100) > 1e-9 || math.Abs(f.origin[1]-110) > 1e-9 || math.Abs(f.valleyGap-90) > 1e-9 {
			t.Errorf("valleys %v: n %v origin %v gap %.1f", g, f.n, f.origin, f.valleyGap)
		}
		if f.u[0] < 0.99 && f.u[0] > -0.99 {
			t.Errorf("u %v is not along the valleys", f.u)
		}
	}
}

// TestPalmFrameFallbacks: the frame's rows lie square to the hand's axis
// whichever valleys showed: a valley pushed up the fingers by a closed
// gap, one valley alone, or two close together on a slant.
func TestPalmFrameFallbacks(t *testing.T) {
	centre := image.Pt(100, 200)
	axis := [2]float64{0, -1}
	for _, tc := range []struct {
		name    string
		valleys []image.Point
	}{
		{"a closed gap's valley far up", []image.Point{pt(70, 110), pt(100, 110), pt(130, 60)}},
		{"one valley", []image.Point{pt(120, 110)}},
		{"a line across the axis", []image.Point{pt(80, 100), pt(120, 120)}},
		// Two valleys 0.15 R apart on a line 18° off the axis: the line
		// rule trusted it (within 20°) and turned the ROI with it.
		{"a short line askew", []image.Point{pt(94, 112), pt(106, 108)}},
	} {
		f := palmFrame(tc.valleys, centre, 80, axis)
		if f.n[1] < 0.99 || math.Abs(f.valleyGap-90) > 1 {
			t.Errorf("%s: n %v gap %.1f, want n down the palm and the gap 90", tc.name, f.n, f.valleyGap)
		}
		if math.Abs(f.u[1]) > 1e-9 {
			t.Errorf("%s: rows along %v, want square to the hand's axis", tc.name, f.u)
		}
	}
}

// handMask renders hand i+1 at p (noise seed i) and segments it; the
// caller closes the mask.
func handMask(t *testing.T, i int, p palmtest.Pose) (gocv.Mat, []image.Point) {
	t.Helper()
	src, err := gocv.ImageGrayToMatGray(palmtest.NewHand(uint64(i+1)).Render(p, uint64(i)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	mask, outline, ok := segment(src)
	if !ok {
		mask.Close()
		t.Fatalf("pose %+v: no hand", p)
	}
	return mask, outline
}

// TestPalmCentreOnTheBox: the distance transform on the hand's bounding
// box finds the whole frame's deepest point and depth exactly, for hands
// of every size, turned, and cut off by the frame's edges.
func TestPalmCentreOnTheBox(t *testing.T) {
	poses := []palmtest.Pose{
		palmtest.Centred,
		{Scale: 70, CX: 320, CY: 260},
		{Scale: 320, CX: 320, CY: 330},          // runs off the frame
		{Scale: 120, CX: 150, CY: 280},          // off centre
		{Deg: 40, Scale: 150, CX: 300, CY: 250}, // turned
		{Deg: -75, Scale: 200, CX: 560, CY: 420},
	}
	for i, p := range poses {
		mask, outline := handMask(t, i, p)
		wantAt, wantDepth := deepest(mask)
		at, depth := palmCentre(mask, outline)
		mask.Close()
		if at != wantAt || depth != wantDepth {
			t.Errorf("pose %+v: centre %v depth %v on the box, %v %v on the frame", p, at, depth, wantAt, wantDepth)
		}
	}
}

// TestFingersCutOff: a thin dark band across the fingers' bases (a ring,
// a deep crease, a shadow) cuts them off the hand's blob; the locator
// joins them again and places the palm frame as on the whole hand,
// rather than from the thumb's valley alone.
func TestFingersCutOff(t *testing.T) {
	for _, p := range []palmtest.Pose{palmtest.Centred, {Deg: 25, Scale: 130, CX: 330, CY: 290}, {Deg: -15, Scale: 110, CX: 310, CY: 300}} {
		whole := palmtest.NewHand(3).Render(p, 1)
		want, err := NewLocator(DefaultConfig).Locate(whole)
		if err != nil || !want.Good() {
			t.Fatalf("pose %+v, the whole hand: %v %v", p, want.Hints, err)
		}
		// Bands from a thin line to a gap nearly the bridge's width: from
		// 8 px, a bridge within its radius of both sides left them open
		// and the ROI turned 142°.
		for _, px := range []float64{4, 8, bridgeSize - 2} {
			cut := banded(whole, p, 0.5, 0.5+px/p.Scale) // the band starts where the palm ends
			got, err := NewLocator(DefaultConfig).Locate(cut)
			if err != nil || !got.Good() {
				t.Fatalf("pose %+v, fingers cut off by %.0f px: %v %v", p, px, got.Hints, err)
			}
			turn := math.Abs(math.Remainder(got.Place.Angle-want.Place.Angle, 2*math.Pi)) * 180 / math.Pi
			moved := math.Hypot(got.Place.X-want.Place.X, got.Place.Y-want.Place.Y)
			// The band takes px of the fingers' bases, whose valleys level
			// the ROI, with it.
			if turn > 3 || moved > 0.1*want.Radius+px {
				t.Errorf("pose %+v, fingers cut off by %.0f px: the ROI turned %.1f° and moved %.1f px (palm radius %.0f)", p, px, turn, moved, want.Radius)
			}
		}
	}
}

// banded is frame with the hand-space band v0 < v < v1 of a palmtest
// hand at pose p painted as background: across the fingers' bases when
// v0 is the palm's top edge.
func banded(frame *image.Gray, p palmtest.Pose, v0, v1 float64) *image.Gray {
	out := image.NewGray(frame.Bounds())
	copy(out.Pix, frame.Pix)
	sin, cos := math.Sincos(p.Deg * math.Pi / 180)
	for y := range out.Rect.Dy() {
		for x := range out.Rect.Dx() {
			dx, dy := (float64(x)-p.CX)/p.Scale, (float64(y)-p.CY)/p.Scale
			if v := dx*sin - dy*cos; v > v0 && v < v1 {
				out.Pix[y*out.Stride+x] = 12
			}
		}
	}
	return out
}
