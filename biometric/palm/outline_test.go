package palm

import (
	"bytes"
	"image"
	"math"
	"slices"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

// TestOutlineKeepsLocatesMask: the outline of a located frame, sampled
// from the mask Locate kept, is the one a fresh segmentation of the frame
// gives, sample for sample; an observation without the mask (not made by
// Locate) is segmented again.
func TestOutlineKeepsLocatesMask(t *testing.T) {
	frame := palmtest.NewHand(2).Render(palmtest.Pose{Deg: 9, Scale: 160, CX: 330, CY: 300}, 2)
	obs, err := NewLocator(DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() || obs.hand == nil {
		t.Fatalf("locating: %v %v; mask kept: %v", obs.Hints, err, obs.hand != nil)
	}
	kept, err := OutlineOf(frame, obs)
	if err != nil {
		t.Fatal(err)
	}
	fresh := obs
	fresh.hand = nil
	again, err := OutlineOf(frame, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept.raw, again.raw) || !slices.Equal(kept.Pix, again.Pix) || !bytes.Equal(kept.hand.Pix, again.hand.Pix) {
		t.Error("the kept mask outlines the hand differently from a fresh segmentation")
	}
	if on := bytes.Count(kept.raw, []byte{1}); on < len(kept.raw)/4 || on == len(kept.raw) {
		t.Errorf("%d of %d outline samples on the hand", on, len(kept.raw))
	}
}

// TestRegisterOutline: a hand seen again in perspective (the frame
// rectified for a tilt, as a palm tilted towards the camera is seen)
// registers onto its first outline, and CutRegistered then cuts the
// patch of hand the first ROI showed: each ROI pixel lands within a
// pixel or two of where the known warp puts it, while the palm frame
// placed on the tilted hand's landmarks lands several pixels off.
func TestRegisterOutline(t *testing.T) {
	l := NewLocator(DefaultConfig)
	frame := palmtest.NewHand(1).Render(palmtest.Centred, 1)
	ref, err := l.Locate(frame)
	if err != nil || !ref.Good() {
		t.Fatalf("locating: %v %v", ref.Hints, err)
	}
	refOutline, err := OutlineOf(frame, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range [][2]float64{{0.12, 0}, {0, -0.12}, {-0.08, 0.08}} {
		tm := tiltMap(ref.Centre, ref.Place.Side, g)
		seen := warpGray(t, frame, tm)
		var m [3][3]float64
		for r := range 3 {
			for c := range 3 {
				m[r][c] = tm.GetDoubleAt(r, c)
			}
		}
		tm.Close()
		obs, err := NewLocator(DefaultConfig).Locate(seen)
		if err != nil || obs.ROI == nil {
			t.Fatalf("tilt %v: locating: %v %v", g, obs.Hints, err)
		}
		o, err := OutlineOf(seen, obs)
		if err != nil {
			t.Fatal(err)
		}
		h, cc, err := o.Register(refOutline)
		if err != nil {
			t.Fatalf("tilt %v: %v", g, err)
		}
		// Where the reference ROI's pixels lie in the tilted frame: the
		// frame point X shows at m⁻¹X there.
		inv := invert(m)
		var registered, landmarks []float64
		for j := 8; j < ROISize; j += 16 {
			for i := 8; i < ROISize; i += 16 {
				wx, wy := Homography(inv).Apply(ref.Place.Frame(float64(i), float64(j)))
				u, v := h.Apply(roiToOutline(float64(i)), roiToOutline(float64(j)))
				x, y := o.Place.Frame(outlineToROI(u), outlineToROI(v))
				registered = append(registered, math.Hypot(x-wx, y-wy))
				lx, ly := obs.Place.Frame(float64(i), float64(j))
				landmarks = append(landmarks, math.Hypot(lx-wx, ly-wy))
			}
		}
		if worst, mean := maxMean(registered); worst > 2.5 || mean > 1.2 {
			t.Errorf("tilt %v: registered ROI pixels land up to %.2f px (mean %.2f) off; cc %.4f", g, worst, mean, cc)
		}
		if _, mean := maxMean(landmarks); mean < 2 {
			t.Errorf("tilt %v: the landmarks' ROI lands only %.2f px off on average: the tilt tests nothing", g, mean)
		}
		w1, m1 := maxMean(registered)
		w2, m2 := maxMean(landmarks)
		t.Logf("tilt %v: registered %.2f/%.2f px, landmarks %.2f/%.2f px, cc %.4f", g, w1, m1, w2, m2, cc)
		roi, err := o.CutRegistered(h)
		if err != nil || roi.Bounds().Dx() != ROISize {
			t.Fatalf("tilt %v: cutting: %v", g, err)
		}
	}
}

// warpGray shows frame as hm (output pixel to frame point) maps it.
func warpGray(t testing.TB, frame *image.Gray, hm gocv.Mat) *image.Gray {
	t.Helper()
	src, err := gocv.ImageGrayToMatGray(frame)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.WarpPerspectiveWithParams(src, &dst, hm, image.Pt(src.Cols(), src.Rows()),
		gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, black)
	img, err := dst.ToImage()
	if err != nil {
		t.Fatal(err)
	}
	return img.(*image.Gray)
}

// invert is the inverse of a 3×3 matrix (by its adjugate).
func invert(m [3][3]float64) [3][3]float64 {
	var a [3][3]float64
	for r := range 3 {
		for c := range 3 {
			r1, r2 := (c+1)%3, (c+2)%3
			c1, c2 := (r+1)%3, (r+2)%3
			a[r][c] = m[r1][c1]*m[r2][c2] - m[r1][c2]*m[r2][c1]
		}
	}
	det := m[0][0]*a[0][0] + m[0][1]*a[1][0] + m[0][2]*a[2][0]
	for r := range 3 {
		for c := range 3 {
			a[r][c] /= det
		}
	}
	return a
}

func maxMean(v []float64) (worst, mean float64) {
	for _, x := range v {
		worst = max(worst, x)
		mean += x
	}
	return worst, mean / float64(len(v))
}

// BenchmarkRegisterOutline is what registering one frame's outline onto
// an enrolment's costs: outlining the frame (its segmentation), the
// registration, and the registered cut (a reader would do the first
// once per frame, the other two per enrolment it compares that way).
func BenchmarkRegisterOutline(b *testing.B) {
	frame := palmtest.NewHand(1).Render(palmtest.Centred, 1)
	ref, err := NewLocator(DefaultConfig).Locate(frame)
	if err != nil || !ref.Good() {
		b.Fatalf("locating: %v %v", ref.Hints, err)
	}
	refOutline, err := OutlineOf(frame, ref)
	if err != nil {
		b.Fatal(err)
	}
	tm := tiltMap(ref.Centre, ref.Place.Side, [2]float64{0.1, 0})
	seen := warpGray(b, frame, tm)
	tm.Close()
	obs, err := NewLocator(DefaultConfig).Locate(seen)
	if err != nil || obs.ROI == nil {
		b.Fatalf("locating: %v %v", obs.Hints, err)
	}
	b.ResetTimer()
	for b.Loop() {
		o, err := OutlineOf(seen, obs)
		if err != nil {
			b.Fatal(err)
		}
		h, _, err := o.Register(refOutline)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := o.CutRegistered(h); err != nil {
			b.Fatal(err)
		}
	}
}
