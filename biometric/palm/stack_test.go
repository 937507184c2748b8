package palm

import (
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

func TestHomographyThen(t *testing.T) {
	shift := Homography{{1, 0, 3}, {0, 1, -2}, {0, 0, 1}}
	turn := Homography{{0, -1, 0}, {1, 0, 0}, {0, 0, 1}}
	keystone := Homography{{1, 0.1, 0}, {0, 1.2, 0}, {0.001, 0.002, 1}}
	for _, c := range []struct {
		name string
		h, g Homography
	}{
		{"shift then turn", shift, turn},
		{"turn then shift", turn, shift},
		{"keystone then shift", keystone, shift},
		{"shift then keystone", shift, keystone},
		{"identity first", identity, keystone},
	} {
		for _, p := range [][2]float64{{0, 0}, {10, 20}, {-7.5, 33}} {
			x, y := c.h.Apply(p[0], p[1])
			wx, wy := c.g.Apply(x, y)
			gx, gy := c.h.Then(c.g).Apply(p[0], p[1])
			if math.Hypot(gx-wx, gy-wy) > 1e-9 {
				t.Errorf("%s at %v: composed (%.4f, %.4f), one after the other (%.4f, %.4f)", c.name, p, gx, gy, wx, wy)
			}
		}
	}
}

// noisy is frame with Gaussian noise of sd grey levels added.
func noisy(frame *image.Gray, sd float64, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := cloneGray(frame)
	for i, v := range out.Pix {
		out.Pix[i] = uint8(math.Max(0, math.Min(255, float64(v)+rng.NormFloat64()*sd)))
	}
	return out
}

// outlined locates and outlines frame.
func outlined(t *testing.T, frame *image.Gray) (Observation, Outline) {
	t.Helper()
	obs, err := NewLocator(DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("locating: %v %v", obs.Hints, err)
	}
	o, err := OutlineOf(frame, obs)
	if err != nil {
		t.Fatal(err)
	}
	return obs, o
}

// TestStackLowersNoise: three noisy frames of a hand drifting a little,
// stacked, lie nearer the noiseless hand on the latest frame's patch
// than the latest frame alone, on the ROI as located and on a second
// look's cut alike.
func TestStackLowersNoise(t *testing.T) {
	hand := palmtest.NewHand(4)
	poses := []palmtest.Pose{
		{Deg: 2, Scale: 150, CX: 320, CY: 300},
		{Deg: 2.8, Scale: 151, CX: 322, CY: 299},
		{Deg: 1.4, Scale: 150, CX: 319, CY: 301},
	}
	const sd = 24
	var s *Stack
	var last Observation
	var lastOutline Outline
	for k, p := range poses {
		obs, o := outlined(t, noisy(hand.Render(p, uint64(k+1)), sd, uint64(k+1)))
		var err error
		if s == nil {
			s, err = NewStack(o, obs.ROI)
		} else {
			err = s.Add(o, obs.ROI)
		}
		if err != nil {
			t.Fatalf("frame %d: %v", k+1, err)
		}
		last, lastOutline = obs, o
	}
	if s.Len() != 3 {
		t.Fatalf("%d frames stacked, want 3", s.Len())
	}
	// The noiseless hand cut on the latest frame's patch.
	clean := hand.Render(poses[2], 3)
	truth, err := CutAt(clean, last.ROI, func(i, j int) (float64, float64) { return last.Place.Frame(float64(i), float64(j)) })
	if err != nil {
		t.Fatal(err)
	}
	single, stacked := 1-correlation(last.ROI, truth), 1-correlation(s.ROI(), truth)
	t.Logf("1 - correlation with the noiseless hand: one frame %.3f, three stacked %.3f", single, stacked)
	if stacked > 0.7*single {
		t.Errorf("stacked ROI: 1 - correlation with the noiseless hand %.3f, one frame %.3f: the noise did not fall", stacked, single)
	}
	// A second look: the latest frame's cut through the identity is its
	// patch again; stacked, the cut is as much nearer the truth.
	cut, err := s.CutRegistered(identity)
	if err != nil {
		t.Fatal(err)
	}
	one, err := lastOutline.CutRegistered(identity)
	if err != nil {
		t.Fatal(err)
	}
	if c, o := 1-correlation(cut, truth), 1-correlation(one, truth); c > 0.7*o {
		t.Errorf("stacked second look's cut: 1 - correlation with the noiseless hand %.3f, one frame's %.3f", c, o)
	}
}

// TestHomographyInverse: a homography and its inverse map a point back
// where it was; a singular one has none.
func TestHomographyInverse(t *testing.T) {
	h := Homography{{1.02, 0.1, 3}, {-0.05, 0.97, -2}, {0.001, 0.002, 1}}
	inv, ok := h.Inverse()
	if !ok {
		t.Fatal("no inverse")
	}
	for _, p := range [][2]float64{{0, 0}, {10, 20}, {-7.5, 33}} {
		if x, y := h.Then(inv).Apply(p[0], p[1]); math.Hypot(x-p[0], y-p[1]) > 1e-9 {
			t.Errorf("%v came back at (%.6f, %.6f)", p, x, y)
		}
	}
	if _, ok := (Homography{{1, 2, 0}, {2, 4, 0}, {0, 0, 1}}).Inverse(); ok {
		t.Error("a singular homography inverted")
	}
}

// TestStackRefusesAFrameThatMoved: a frame whose outline does not
// register onto the first's (here the first's outline upside down: the
// outline is sampled in the palm frame's axes, so a hand merely turned
// or moved in the frame registers) does not join the stack, and the
// stack is left as it was.
func TestStackRefusesAFrameThatMoved(t *testing.T) {
	frame := palmtest.NewHand(4).Render(palmtest.Centred, 1)
	obs, first := outlined(t, frame)
	s, err := NewStack(first, obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	before := s.ROI()
	flipped := first
	flipped.Pix = make([]float32, len(first.Pix))
	for j := range OutlineSide {
		copy(flipped.Pix[j*OutlineSide:(j+1)*OutlineSide], first.Pix[(OutlineSide-1-j)*OutlineSide:])
	}
	if err := s.Add(flipped, obs.ROI); !errors.Is(err, ErrNotStacked) {
		t.Fatalf("an outline upside down joined the stack: %v", err)
	}
	if s.Len() != 1 || meanAbsDiff(s.ROI(), before) != 0 {
		t.Errorf("the refused frame changed the stack: %d frames", s.Len())
	}
	if _, err := NewStack(Outline{}, obs.ROI); err == nil {
		t.Error("a stack started from an outline without its frame")
	}
}

// TestStackOwnsItsFrames: a camera that reuses its frame buffer does not
// change what the stack averages.
func TestStackOwnsItsFrames(t *testing.T) {
	frame := palmtest.NewHand(4).Render(palmtest.Centred, 1)
	obs, first := outlined(t, frame)
	s, err := NewStack(first, obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	before, err := s.CutRegistered(identity)
	if err != nil {
		t.Fatal(err)
	}
	for i := range frame.Pix {
		frame.Pix[i] = 0
	}
	for i := range obs.ROI.Pix {
		obs.ROI.Pix[i] = 0
	}
	after, err := s.CutRegistered(identity)
	if err != nil {
		t.Fatalf("cutting after the camera reused its buffer: %v", err)
	}
	if d := meanAbsDiff(before, after); d != 0 {
		t.Errorf("the stack's cut moved by %.2f grey levels when the camera's buffer was overwritten", d)
	}
	if s.ROI().Pix[len(s.ROI().Pix)/2] == 0 {
		t.Error("the stack's ROI went with the caller's")
	}
}

// correlation is the Pearson correlation of a and b over the pixels both
// show (non-zero): each cut's contrast is normalised on its own, so it
// compares the patterns, not their scale.
func correlation(a, b *image.Gray) float64 {
	var sa, sb, saa, sbb, sab, n float64
	for i, v := range a.Pix {
		if w := b.Pix[i]; v != 0 && w != 0 {
			x, y := float64(v), float64(w)
			sa, sb, saa, sbb, sab, n = sa+x, sb+y, saa+x*x, sbb+y*y, sab+x*y, n+1
		}
	}
	cov := sab/n - sa*sb/(n*n)
	return cov / math.Sqrt((saa/n-sa*sa/(n*n))*(sbb/n-sb*sb/(n*n)))
}
