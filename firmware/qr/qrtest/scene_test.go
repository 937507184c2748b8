package qrtest

import (
	"bytes"
	"image"
	"testing"
)

// TestRenderIsRepeatable: a scene and frame number give the same pixels;
// another frame of the scene differs only by noise and tremor.
func TestRenderIsRepeatable(t *testing.T) {
	for _, c := range Categories() {
		t.Run(string(c), func(t *testing.T) {
			s, err := NewScene(c, 7)
			if err != nil {
				t.Fatal(err)
			}
			a, ta, err := s.Render(0)
			if err != nil {
				t.Fatal(err)
			}
			b, tb, _ := s.Render(0)
			next, _, _ := s.Render(1)
			if !bytes.Equal(a.Pix, b.Pix) || ta != tb {
				t.Fatal("the same frame rendered twice differs")
			}
			if bytes.Equal(a.Pix, next.Pix) {
				t.Fatal("consecutive frames are identical: no sensor noise")
			}
			if d := meanAbsDiff(a, next); d > 12 {
				t.Fatalf("consecutive frames differ by %.1f grey levels on average: the phone moved", d)
			}
			if a.Rect != image.Rect(0, 0, Width, Height) {
				t.Fatalf("frame %v", a.Rect)
			}
			for _, p := range ta.Corners {
				if !p.In(a.Rect) {
					t.Fatalf("code corner %v outside the frame", p)
				}
			}
			if ta.Modules < 21 || ta.ModulePx <= 0 || ta.Payload != s.Payload {
				t.Fatalf("truth %+v", ta)
			}
		})
	}
}

// TestCategoriesPushTheirAxis: each category sets what it names.
func TestCategoriesPushTheirAxis(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		tilt, _ := NewScene(Tilt, seed)
		scale, _ := NewScene(Scale, seed)
		motion, _ := NewScene(Motion, seed)
		finger, _ := NewScene(Finger, seed)
		switch {
		case tilt.TiltDeg < 25 || tilt.TiltDeg > 45:
			t.Fatalf("tilt %.1f°", tilt.TiltDeg)
		case scale.CodeFrac < 0.15 || scale.CodeFrac > 0.9:
			t.Fatalf("code fraction %.2f", scale.CodeFrac)
		case motion.MotionPx < 3:
			t.Fatalf("motion %.1f px", motion.MotionPx)
		case finger.Finger == nil:
			t.Fatal("finger scene without a finger")
		}
	}
	if _, err := NewScene("sideways", 1); err == nil {
		t.Fatal("unknown category accepted")
	}
}

func meanAbsDiff(a, b *image.Gray) float64 {
	sum := 0
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return float64(sum) / float64(len(a.Pix))
}
