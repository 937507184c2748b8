package palm

import (
	"image"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/synth"
)

// TestPrintsAndScreensRefused: photos of a palm printed (on a sheet or
// cut out) or shown on a screen are not taken for a palm, while the same
// palms presented live are; and a speckled scene shaped by chance like a
// hand is no palm either.
func TestPrintsAndScreensRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range 6 {
		p := synth.NewPersonIn(uint64(40+i), synth.Wide)
		photo := synth.CaptureConditions(p, 0, 0)
		live, err := NewLocator(DefaultConfig).Locate(p.Hands[0].Capture(photo))
		if err != nil || !live.Good() || live.Pattern > MaxPatternModulation/2 {
			t.Errorf("person %d live: hints %v, pattern %.3f (%v)", i, live.Hints, live.Pattern, err)
		}
		kind := synth.AttackKinds[i%len(synth.AttackKinds)]
		obs, err := NewLocator(DefaultConfig).Locate(p.Hands[0].Attack(kind, photo, rng))
		if err != nil || obs.Good() {
			t.Errorf("person %d %s: acquired (pattern %.3f)", i, kind, obs.Pattern)
		}
	}
	speckled := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range speckled.Pix {
		speckled.Pix[i] = uint8(max(0, min(255, 120+rng.NormFloat64()*60)))
	}
	if obs, _ := NewLocator(DefaultConfig).Locate(speckled); obs.Good() {
		t.Error("a speckled scene acquired as a palm")
	}
}

// TestPatternModulationMeasures: a pure 3-pixel grating of known depth
// on a flat square reads back as that modulation.
func TestPatternModulationMeasures(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 128, 128))
	for y := range 128 {
		for x := range 128 {
			img.Pix[y*128+x] = []uint8{100, 130, 130}[x%3] // mean 120, fundamental ≈ 0.17 of it
		}
	}
	src := grayMat(t, img)
	defer src.Close()
	m := patternModulation(src, image.Pt(64, 64))
	if m < 0.12 || m > 0.2 {
		t.Errorf("modulation %.3f, want about 0.16", m)
	}
	if m := patternModulation(src, image.Pt(5, 5)); m != 0 {
		t.Errorf("a square out of the frame measured %.3f", m)
	}
}

func grayMat(t *testing.T, img *image.Gray) gocv.Mat {
	t.Helper()
	m, err := gocv.ImageGrayToMatGray(img)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
