package palm

import (
	"image"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
)

func TestGoodFrame(t *testing.T) {
	l := NewLocator(DefaultConfig)
	obs, err := l.Locate(newTestHand(1).render(centred, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !obs.Good() || obs.ROI.Bounds().Dx() != ROISize {
		t.Fatalf("hints %v, radius %.0f, centre %v", obs.Hints, obs.Radius, obs.Centre)
	}
}

func TestHints(t *testing.T) {
	closed := newTestHand(1)
	closed.fingerGap = 0
	dark := newTestHand(1)
	dark.skin = 35
	for _, tc := range []struct {
		name string
		img  *image.Gray
		want Hint
	}{
		{"empty", image.NewGray(image.Rect(0, 0, 640, 480)), HintNoHand},
		{"far", newTestHand(1).render(pose{0, 70, 320, 260}, 2), HintTooFar},
		{"close", newTestHand(1).render(pose{0, 320, 320, 330}, 3), HintTooClose},
		{"off centre", newTestHand(1).render(pose{0, 120, 150, 280}, 4), HintOffCentre},
		{"fingers closed", closed.render(centred, 5), HintFingersClosed},
		{"dark", dark.render(centred, 6), HintTooDark},
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
	h := newTestHand(2)
	if obs, _ := l.Locate(h.render(centred, 1)); !obs.Good() {
		t.Fatalf("first frame: %v", obs.Hints)
	}
	moved := centred
	moved.cx += 40
	if obs, _ := l.Locate(h.render(moved, 2)); !slices.Contains(obs.Hints, HintMoving) {
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
	code := func(h testHand, p pose, seed uint64) []template.Template {
		t.Helper()
		obs, err := NewLocator(DefaultConfig).Locate(h.render(p, seed))
		if err != nil || !obs.Good() {
			t.Fatalf("pose %+v: %v %v", p, obs.Hints, err)
		}
		ts, err := e.Rotations(obs.ROI, []float64{-4, 0, 4})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	a, b := newTestHand(10), newTestHand(11)
	ref := code(a, centred, 1)
	same := code(a, pose{deg: 17, scale: 165, cx: 340, cy: 290}, 2)
	other := code(b, pose{deg: -12, scale: 140, cx: 300, cy: 300}, 3)
	best := func(x, y []template.Template) float64 {
		d := 1.0
		for i := range y {
			d = min(d, match.Fine(&x[1], &y[i], 2))
		}
		return d
	}
	g, i := best(ref, same), best(ref, other)
	t.Logf("same palm %.3f, other palm %.3f", g, i)
	if g > 0.3 || i < 0.4 {
		t.Fatalf("same palm %.3f, other palm %.3f", g, i)
	}
}
