package features

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/match"
)

// withNoise is roi with Gaussian noise of sigma added to its hand
// pixels (the ones not 0), clipped to 1–255 so that none leaves the hand.
func withNoise(roi *image.Gray, sigma float64, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := image.NewGray(roi.Rect)
	for i, p := range roi.Pix {
		if p == 0 {
			continue
		}
		out.Pix[i] = uint8(min(max(math.Round(float64(p)+rng.NormFloat64()*sigma), 1), 255))
	}
	return out
}

func flat(v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, ROISize, ROISize))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

// offLeft blacks out the left half of roi, as the ROI is off the hand.
func offLeft(roi *image.Gray) *image.Gray {
	for y := range ROISize {
		for x := range ROISize / 2 {
			roi.Pix[y*roi.Stride+x] = 0
		}
	}
	return roi
}

// TestNoiseSigma: the estimate finds the noise added to flat skin, and
// the hand's edge does not count as noise.
func TestNoiseSigma(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roi   *image.Gray
		sigma float64 // noise in roi; the estimate must lie within 10 %
	}{
		{"flat, no noise", flat(150), 0},
		{"σ 3", withNoise(flat(150), 3, 1), 3},
		{"σ 6", withNoise(flat(150), 6, 2), 6},
		{"σ 12", withNoise(flat(150), 12, 3), 12},
		{"σ 6, half off the hand", offLeft(withNoise(flat(150), 6, 4)), 6},
		{"all off the hand", flat(0), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := noiseSigma(tc.roi)
			if math.Abs(got-tc.sigma) > 0.1*tc.sigma+0.05 {
				t.Errorf("estimated σ %.2f, want %.2f", got, tc.sigma)
			}
		})
	}
}

// creases draws n dark arcs depth grey levels deep and 2–3 pixels wide
// on flat skin at 150, with no noise: the ROI is contrast-stretched
// before it is coded, so a palm's creases lie tens of levels deep.
func creases(seed uint64, depth float64, n int) *image.Gray {
	img := flat(150)
	arcs(img, rand.New(rand.NewPCG(seed, 1)), n, 1, uint8(150-depth))
	return img
}

// TestDenoiseKeepsCode: two noisy captures of one palm code closer to
// each other when the ROI is denoised first than when it is filtered as
// cut.
func TestDenoiseKeepsCode(t *testing.T) {
	e := extractor(t)
	asCut := extractor(t)
	asCut.Denoise = 0
	dist := func(e *Extractor, a, b *image.Gray) float64 {
		ta, err := e.Template(a)
		if err != nil {
			t.Fatal(err)
		}
		tb, err := e.Template(b)
		if err != nil {
			t.Fatal(err)
		}
		return match.Fine(&ta, &tb, 2)
	}
	for _, sigma := range []float64{12, 16, 24} {
		for seed := uint64(1); seed <= 3; seed++ {
			palm := creases(seed, 80, 30)
			a, b := withNoise(palm, sigma, seed), withNoise(palm, sigma, seed+100)
			den, cut := dist(e, a, b), dist(asCut, a, b)
			if den >= 0.85*cut {
				t.Errorf("σ %.0f, seed %d: two captures %.3f apart denoised, %.3f as cut; want under 0.85 times", sigma, seed, den, cut)
			}
		}
	}
}
