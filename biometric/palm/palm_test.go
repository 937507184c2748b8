package palm

import (
	"image"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/template"
)

func TestGoodFrame(t *testing.T) {
	l := NewLocator(DefaultConfig)
	obs, err := l.Locate(palmtest.NewHand(1).Render(palmtest.Centred, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Good() || obs.ROI.Bounds().Dx() != ROISize {
		t.Fatalf("hints %v, radius %.0f, centre %v", obs.Hints, obs.Radius, obs.Centre)
	}
}

func TestHints(t *testing.T) {
	closed := palmtest.NewHand(1)
	closed.FingerGap = 0
	dark := palmtest.NewHand(1)
	dark.Skin = 35
	for _, tc := range []struct {
		name string
		img  *image.Gray
		want Hint
	}{
		{"empty", image.NewGray(image.Rect(0, 0, 640, 480)), HintNoHand},
		{"far", palmtest.NewHand(1).Render(palmtest.Pose{Scale: 70, CX: 320, CY: 260}, 2), HintTooFar},
		{"close", palmtest.NewHand(1).Render(palmtest.Pose{Scale: 320, CX: 320, CY: 330}, 3), HintTooClose},
		{"off centre", palmtest.NewHand(1).Render(palmtest.Pose{Scale: 120, CX: 150, CY: 280}, 4), HintOffCentre},
		{"fingers closed", closed.Render(palmtest.Centred, 5), HintFingersClosed},
		{"dark", dark.Render(palmtest.Centred, 6), HintTooDark},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obs, err := NewLocator(DefaultConfig).Locate(tc.img)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(obs.Hints, tc.want) || obs.Good() {
				t.Fatalf("hints %v (radius %.0f), want %s", obs.Hints, obs.Radius, tc.want)
			}
		})
	}
}

func TestMoving(t *testing.T) {
	l := NewLocator(DefaultConfig)
	h := palmtest.NewHand(2)
	if obs, _ := l.Locate(h.Render(palmtest.Centred, 1)); !obs.Good() {
		t.Fatalf("first frame: %v", obs.Hints)
	}
	moved := palmtest.Centred
	moved.CX += 40
	if obs, _ := l.Locate(h.Render(moved, 2)); !slices.Contains(obs.Hints, HintMoving) {
		t.Fatalf("a hand 40 px away from the last frame: %v", obs.Hints)
	}
}

// TestAlignmentCancelsPose: the same palm at another rotation, position
// and distance gives nearly the same template; another palm does not.
func TestAlignmentCancelsPose(t *testing.T) {
	e, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	code := func(h palmtest.Hand, p palmtest.Pose, seed uint64) []template.Template {
		t.Helper()
		obs, err := NewLocator(DefaultConfig).Locate(h.Render(p, seed))
		if err != nil || !obs.Good() {
			t.Fatalf("pose %+v: %v %v", p, obs.Hints, err)
		}
		ts, err := e.Rotations(obs.ROI, []float64{-4, 0, 4})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	a, b := palmtest.NewHand(10), palmtest.NewHand(11)
	ref := code(a, palmtest.Centred, 1)
	same := code(a, palmtest.Pose{Deg: 17, Scale: 165, CX: 340, CY: 290}, 2)
	other := code(b, palmtest.Pose{Deg: -12, Scale: 140, CX: 300, CY: 300}, 3)
	best := func(x, y []template.Template) float64 {
		d := 1.0
		for i := range y {
			d = min(d, match.Fine(&x[1], &y[i], 2))
		}
		return d
	}
	g, i := best(ref, same), best(ref, other)
	t.Logf("same palm %.3f, other palm %.3f", g, i)
	if g > 0.2 || i < 0.35 {
		t.Fatalf("same palm %.3f, other palm %.3f", g, i)
	}
}

// TestCutAtPlacement: cutting a located frame again through its
// placement's Frame gives Locate's own ROI (to interpolation), so warps
// Locate does not know can be cut to match it.
func TestCutAtPlacement(t *testing.T) {
	frame := palmtest.NewHand(1).Render(palmtest.Pose{Deg: 14, Scale: 140, CX: 330, CY: 290}, 1)
	obs, err := NewLocator(DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("locate: %v %v", err, obs.Hints)
	}
	again, err := CutAt(frame, obs.ROI, func(i, j int) (float64, float64) { return obs.Place.Frame(float64(i), float64(j)) })
	if err != nil {
		t.Fatal(err)
	}
	var diffs []int
	for i, v := range obs.ROI.Pix {
		if v != 0 {
			diffs = append(diffs, max(int(v)-int(again.Pix[i]), int(again.Pix[i])-int(v)))
		}
	}
	slices.Sort(diffs)
	if med, p95 := diffs[len(diffs)/2], diffs[len(diffs)*95/100]; med > 2 || p95 > 8 {
		t.Fatalf("grey levels differ from Locate's ROI by %d (median), %d (p95)", med, p95)
	}
	shifted, _ := CutAt(frame, obs.ROI, func(i, j int) (float64, float64) { return obs.Place.Frame(float64(i)+3, float64(j)) })
	if d := meanAbsDiff(obs.ROI, shifted); d < 4 {
		t.Fatalf("a cut 3 px off differs by only %.1f grey levels: the test cannot tell", d)
	}
}

func meanAbsDiff(a, b *image.Gray) float64 {
	var sum, n float64
	for i, v := range a.Pix {
		if v != 0 {
			sum += float64(max(int(v)-int(b.Pix[i]), int(b.Pix[i])-int(v)))
			n++
		}
	}
	return sum / n
}

// TestLevelHint: a palm is flat while its valleys lie between 0.75 and
// 1.8 radii from its centre; beyond, it is tilted. A lone valley is held
// to 1.6: past that it is a notch between closed fingers' tips (the
// fingers-closed frame of TestHints lies there).
func TestLevelHint(t *testing.T) {
	tests := []struct {
		level   float64
		valleys int
		want    Hint
	}{
		{1.1, 3, ""},
		{1.1, 1, ""},
		{1.7, 2, ""},
		{1.7, 1, HintFingersClosed},
		{1.9, 3, HintTilted},
		{1.9, 1, HintFingersClosed},
		{0.6, 2, HintTilted},
		{0.6, 1, HintFingersClosed},
	}
	for _, tc := range tests {
		h, flat := levelHint(tc.level, tc.valleys)
		if flat != (tc.want == "") || h != tc.want {
			t.Errorf("levelHint(%v, %d) = %q, %v; want %q", tc.level, tc.valleys, h, flat, tc.want)
		}
	}
}
