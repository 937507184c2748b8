package palm

import (
	"image"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

// TestDistanceUnlabelled: the transform without labels gives, pixel for
// pixel, the distances of gocv's labelled one on hands' masks, on the
// hand's box (a region of the frame, as palmCentre takes it) and on
// masks with holes and several blobs.
func TestDistanceUnlabelled(t *testing.T) {
	var masks []gocv.Mat
	for i, p := range []palmtest.Pose{palmtest.Centred, {Scale: 320, CX: 320, CY: 330}, {Deg: -75, Scale: 200, CX: 560, CY: 420}} {
		mask, outline := handMask(t, i, p)
		box := outlineBox(outline).Inset(-dtMargin).Intersect(image.Rect(0, 0, mask.Cols(), mask.Rows()))
		masks = append(masks, mask, mask.Region(box))
	}
	rng := rand.New(rand.NewPCG(3, 3))
	blobs := gocv.NewMatWithSize(240, 320, gocv.MatTypeCV8U)
	for range 12 {
		c := image.Pt(rng.IntN(320), rng.IntN(240))
		gocv.Circle(&blobs, c, 5+rng.IntN(60), white, -1)
	}
	for range 8 {
		c := image.Pt(rng.IntN(320), rng.IntN(240))
		gocv.Circle(&blobs, c, 2+rng.IntN(10), black, -1)
	}
	masks = append(masks, blobs)
	defer func() {
		for _, m := range masks {
			m.Close()
		}
	}()
	for i, m := range masks {
		want, labels, got := gocv.NewMat(), gocv.NewMat(), gocv.NewMat()
		gocv.DistanceTransform(m, &want, &labels, gocv.DistL2, gocv.DistanceMask5, gocv.DistanceLabelCComp)
		if err := distanceTransform(m, &got); err != nil {
			t.Fatal(err)
		}
		w, _ := want.DataPtrFloat32()
		g, _ := got.DataPtrFloat32()
		if len(g) != len(w) || len(w) != m.Rows()*m.Cols() {
			t.Fatalf("mask %d: %d and %d distances for %d pixels", i, len(g), len(w), m.Rows()*m.Cols())
		}
		differ := 0
		for k := range w {
			if g[k] != w[k] {
				differ++
			}
		}
		if differ > 0 {
			t.Errorf("mask %d (%d×%d): %d distances differ from the labelled transform's", i, m.Cols(), m.Rows(), differ)
		}
		want.Close()
		labels.Close()
		got.Close()
	}
}
