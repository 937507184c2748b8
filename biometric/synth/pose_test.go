package synth

import (
	"image"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/palm"
)

// palmPatch undoes a capture's known pose: it reads img on an n×n grid
// over the palm centre (hand-space u, v in ±half), so two captures of one
// hand line up whatever their rotation, offset and hover.
func palmPatch(img *image.Gray, side Side, c Conditions, n int, half float64) []float64 {
	sin, cos := math.Sincos(c.Rotation * math.Pi / 180)
	scale := baseScale * c.Scale
	cx, cy := Width/2+c.DX, Height/2+40+c.DY
	mirror := 1.0
	if side == Left {
		mirror = -1
	}
	out := make([]float64, 0, n*n)
	for j := range n {
		v := half - 2*half*float64(j)/float64(n-1)
		for i := range n {
			u := mirror * (-half + 2*half*float64(i)/float64(n-1))
			x := int(math.Round(cx + scale*(cos*u+sin*v)))
			y := int(math.Round(cy + scale*(sin*u-cos*v)))
			out = append(out, float64(img.GrayAt(x, y).Y))
		}
	}
	return out
}

// pearson is the correlation of a and b.
func pearson(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab / math.Sqrt(saa*sbb)
}

func TestSameHandCorrelatesAfterPose(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var same, diff float64
	const people = 3
	for p := range uint64(people) {
		for _, side := range []Side{Right, Left} {
			c1, c2 := Variation{}.Draw(rng), Variation{}.Draw(rng)
			a := NewPerson(p).Hands[side]
			b := NewPerson(p + 100).Hands[side]
			pa := palmPatch(a.Capture(c1), side, c1, 64, 0.3)
			pa2 := palmPatch(a.Capture(c2), side, c2, 64, 0.3)
			pb := palmPatch(b.Capture(c2), side, c2, 64, 0.3)
			s, d := pearson(pa, pa2), pearson(pa, pb)
			t.Logf("person %d %s: same %.3f other %.3f", p, side, s, d)
			same += s
			diff += d
		}
	}
	same /= 2 * people
	diff /= 2 * people
	if same < diff+0.3 {
		t.Errorf("mean correlation same hand %.3f, other people %.3f: want same ahead by 0.3", same, diff)
	}
}

// edgeLit counts lit pixels on the frame's top row and side columns,
// where a hand inside the frame has none (the forearm leaves at the bottom).
func edgeLit(img *image.Gray) int {
	n := 0
	for x := range Width {
		if img.GrayAt(x, 0).Y > 60 {
			n++
		}
	}
	for y := range Height * 2 / 3 {
		if img.GrayAt(0, y).Y > 60 || img.GrayAt(Width-1, y).Y > 60 {
			n++
		}
	}
	return n
}

func TestHandInsideFrame(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	h := NewPerson(21).Hands[Right]
	out := 0
	const n = 12
	for range n {
		c := Variation{}.Draw(rng)
		img := h.Capture(c)
		cx, cy := int(Width/2+c.DX), int(Height/2+40+c.DY)
		if img.GrayAt(cx, cy).Y < 60 {
			t.Errorf("palm centre (%d, %d) dark under %+v", cx, cy, c)
		}
		if edgeLit(img) > 0 {
			out++
		}
	}
	t.Logf("%d of %d captures touch the top or sides", out, n)
	if out > n/4 {
		t.Errorf("%d of %d captures leave the frame", out, n)
	}
}

func TestCurlShortensFingers(t *testing.T) {
	h := NewPerson(4).Hands[Left]
	curled := Nominal
	curled.Curl = 0.5
	if open, c := area(h.Capture(Nominal)), area(h.Capture(curled)); float64(c) > 0.93*float64(open) {
		t.Errorf("curled hand covers %d pixels, open %d: want the fingers shortened", c, open)
	}
}

// gradient sums absolute neighbour differences along x or y.
func gradient(img *image.Gray, alongX bool) float64 {
	s := 0.0
	for y := 1; y < Height; y++ {
		for x := 1; x < Width; x++ {
			p := img.GrayAt(x, y).Y
			q := img.GrayAt(x, y-1).Y
			if alongX {
				q = img.GrayAt(x-1, y).Y
			}
			s += math.Abs(float64(p) - float64(q))
		}
	}
	return s
}

func TestMotionBlurSmearsAlongItsDirection(t *testing.T) {
	h := NewPerson(5).Hands[Right]
	still := Nominal
	still.Noise = 0
	a := h.Capture(still)
	ax, ay := gradient(a, true), gradient(a, false)
	// kept[d] is the x detail over the y detail left by travel at d degrees.
	kept := map[float64]float64{}
	for _, deg := range []float64{0, 90} {
		c := still
		c.Motion, c.MotionAt = 6, deg
		b := h.Capture(c)
		rx, ry := gradient(b, true)/ax, gradient(b, false)/ay
		if rx > 0.95 && ry > 0.95 {
			t.Errorf("travel at %v°: kept %.2f of x and %.2f of y detail", deg, rx, ry)
		}
		kept[deg] = rx / ry
	}
	if kept[0] > kept[90]-0.05 {
		t.Errorf("x/y detail %.2f after horizontal travel, %.2f after vertical: want horizontal to smear x more", kept[0], kept[90])
	}
}

// TestVariedCapturesAreGood: captures under Variation (rotation, hover,
// curl, movement) still give the palm locator a good frame.
func TestVariedCapturesAreGood(t *testing.T) {
	rng := rand.New(rand.NewPCG(77, 78))
	good := 0
	const n = 8
	for i := range uint64(n) {
		c := Variation{}.Draw(rng)
		obs, err := palm.NewLocator(palm.DefaultConfig).Locate(NewPerson(i).Hands[i%2].Capture(c))
		if err == nil && obs.Good() {
			good++
		} else {
			t.Logf("person %d under %+v: %v %v", i, c, obs.Hints, err)
		}
	}
	if good < n-1 {
		t.Errorf("%d of %d varied captures good", good, n)
	}
}

func TestNegativesHoldNoPalm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	img, err := blob(rng)
	if err != nil {
		t.Fatal(err)
	}
	if obs, err := palm.NewLocator(palm.DefaultConfig).Locate(img); err == nil && obs.Good() {
		t.Error("the palm locator took a blob for a good palm")
	}
}
