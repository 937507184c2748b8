package palm

import (
	"image"
	"math"
	"testing"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

// TestTiltMap: the rectification keeps the palm centre where it is and
// sees a point one side away as a plane tilted by g shows it, nearer the
// centre on the far side and further on the near one.
func TestTiltMap(t *testing.T) {
	c, side := image.Pt(300, 260), 120.0
	for _, tc := range []struct {
		name   string
		g      [2]float64
		dx, dy float64
	}{
		{"far side along x", [2]float64{0.1, 0}, side, 0},
		{"near side along x", [2]float64{0.1, 0}, -side, 0},
		{"along y", [2]float64{0, -0.1}, 0, side},
		{"across the tilt: scaled as the centre's row", [2]float64{0, 0.1}, side, 0},
		{"flat", [2]float64{0, 0}, side, side},
	} {
		m := tiltMap(c, side, tc.g)
		apply := func(x, y float64) (float64, float64) {
			w := m.GetDoubleAt(2, 0)*x + m.GetDoubleAt(2, 1)*y + m.GetDoubleAt(2, 2)
			return (m.GetDoubleAt(0, 0)*x + m.GetDoubleAt(0, 1)*y + m.GetDoubleAt(0, 2)) / w,
				(m.GetDoubleAt(1, 0)*x + m.GetDoubleAt(1, 1)*y + m.GetDoubleAt(1, 2)) / w
		}
		if x, y := apply(float64(c.X), float64(c.Y)); math.Hypot(x-float64(c.X), y-float64(c.Y)) > 1e-9 {
			t.Errorf("%s: the centre moved to (%.3f, %.3f)", tc.name, x, y)
		}
		scale := 1 + (tc.g[0]*tc.dx+tc.g[1]*tc.dy)/side
		wantX, wantY := float64(c.X)+tc.dx/scale, float64(c.Y)+tc.dy/scale
		if x, y := apply(float64(c.X)+tc.dx, float64(c.Y)+tc.dy); math.Hypot(x-wantX, y-wantY) > 1e-9 {
			t.Errorf("%s: (%+.0f, %+.0f) from the centre shows (%.3f, %.3f), want (%.3f, %.3f)", tc.name, tc.dx, tc.dy, x, y, wantX, wantY)
		}
		m.Close()
	}
}

// TestRectified: a second look gives an ROI for every tilt of a palm held
// flat (the tilts are small enough to keep its valleys and its ROI on the
// hand), and refuses a frame whose palm was not located.
func TestRectified(t *testing.T) {
	l := NewLocator(DefaultConfig)
	frame := palmtest.NewHand(1).Render(palmtest.Centred, 1)
	obs, err := l.Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("locating: %v %v", obs.Hints, err)
	}
	for _, g := range Tilts {
		roi, err := Rectified(frame, obs, g)
		if err != nil {
			t.Fatal(err)
		}
		if roi == nil || roi.Bounds().Dx() != ROISize {
			t.Errorf("tilt %v: no ROI", g)
			continue
		}
		moved := 0
		for k, v := range roi.Pix {
			if d := int(v) - int(obs.ROI.Pix[k]); d > 8 || d < -8 {
				moved++
			}
		}
		if moved < len(roi.Pix)/10 {
			t.Errorf("tilt %v: %d of %d ROI pixels changed, as if not rectified", g, moved, len(roi.Pix))
		}
	}
	if _, err := Rectified(frame, Observation{}, Tilts[0]); err == nil {
		t.Error("rectified a frame without a located palm")
	}
}
