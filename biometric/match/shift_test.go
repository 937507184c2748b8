package match

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

func TestFineSeparatesPeople(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var genuine, impostor, coarseGen, coarseImp float64
	const n = 200
	for range n {
		a, b := templatetest.NewIdentity(rng), templatetest.NewIdentity(rng)
		x, y, z := a.Capture(rng, 0.2, 2), a.Capture(rng, 0.2, 2), b.Capture(rng, 0.2, 2)
		genuine += Fine(&x, &y, 4)
		impostor += Fine(&x, &z, 4)
		coarseGen += Coarse(&x, &y)
		coarseImp += Coarse(&x, &z)
	}
	genuine, impostor, coarseGen, coarseImp = genuine/n, impostor/n, coarseGen/n, coarseImp/n
	if genuine > 0.25 || impostor < 0.4 {
		t.Errorf("fine: genuine mean %.3f, impostor mean %.3f", genuine, impostor)
	}
	if coarseGen >= coarseImp-0.1 {
		t.Errorf("coarse does not rank: genuine %.3f, impostor %.3f", coarseGen, coarseImp)
	}
}

func TestFineFindsTheShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	id := templatetest.NewIdentity(rng)
	a := id.Capture(rng, 0, 0)
	var b template.Template
	for r := range template.Rows {
		for c := range template.Cols {
			if o, ok := a.Orientation(r, c); ok && r+1 < template.Rows && c+2 < template.Cols {
				b.Set(r+1, c+2, o)
			}
		}
	}
	if d := Fine(&a, &b, 2); d != 0 {
		t.Errorf("a copy shifted by (2, 1) scores %.3f, want 0", d)
	}
	if d := Fine(&a, &b, 1); d == 0 {
		t.Error("a shift of 2 found with a search of 1")
	}
}

func TestNoOverlapIsNoEvidence(t *testing.T) {
	var a, b template.Template
	a.Set(0, 0, 1)
	b.Set(0, 0, 1)
	if d := Fine(&a, &b, 0); d != 1 {
		t.Errorf("one common cell scores %.3f, want 1", d)
	}
}

// TestMeasureTail: observable rates are read off the sample; a rate below
// it is extrapolated exactly for a normal tail and on the safe side for a
// tail lighter than normal (a sum of 12 uniforms: bounded).
func TestMeasureTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	normal := make([]float64, 1000000)
	bounded := make([]float64, 1000000)
	for i := range normal {
		normal[i] = 0.42 + 0.04*rng.NormFloat64()
		sum := 0.0
		for range 12 {
			sum += rng.Float64()
		}
		bounded[i] = 0.42 + 0.04*(sum-6)
	}
	fraction := func(s []float64, th float64) float64 {
		n := 0
		for _, d := range s {
			if d < th {
				n++
			}
		}
		return float64(n) / float64(len(s))
	}
	tail, err := MeasureTail(normal)
	if err != nil {
		t.Fatal(err)
	}
	if last := tail.Points[len(tail.Points)-1]; last.FMR != 2e-5 || tail.Comparisons != len(normal) {
		t.Errorf("deepest measured rate %g of %d, want 2e-5 (20 in a million)", last.FMR, tail.Comparisons)
	}
	for _, rate := range []float64{1e-3, 3e-4} {
		if r := fraction(normal, tail.Threshold(rate)); r > rate*1.05 || r < rate*0.8 {
			t.Errorf("observable rate %g: threshold %.4f lets %.5f through", rate, tail.Threshold(rate), r)
		}
	}
	// N(0.42, 0.04) at 1e-9: 0.42 - 0.04·5.998 = 0.180.
	if th := tail.Threshold(1e-9); math.Abs(th-0.180) > 0.01 {
		t.Errorf("normal tail at 1e-9: %.4f, want 0.180", th)
	}
	if tail.Threshold(1e-9) >= tail.Threshold(1e-6) || tail.Threshold(1e-6) >= tail.Threshold(1e-3) {
		t.Error("thresholds do not fall with the rate")
	}
	bt, err := MeasureTail(bounded)
	th := bt.Threshold(1e-9)
	if rate := irwinHall(12, (th-0.42)/0.04+6); err != nil || rate > 1e-9 || rate < 1e-30 {
		t.Errorf("bounded tail at 1e-9: %.4f lets %.2g through (%v)", th, rate, err)
	}
	if _, err := MeasureTail(normal[:1000]); err == nil {
		t.Error("measured a tail on 1,000 samples")
	}
	if _, err := MeasureTail(make([]float64, 5000)); err == nil {
		t.Error("measured a tail without spread")
	}
}

func TestForSearch(t *testing.T) {
	if r := ForSearch(1e-4, 20000, 5); math.Abs(r-1e-9) > 1e-15 {
		t.Errorf("1e-4 over 20,000 hands and 5 frames: %g, want 1e-9", r)
	}
	if r := ForSearch(1e-4, 0, 0); r != 1e-4 {
		t.Errorf("empty gallery: %g", r)
	}
}

// irwinHall is the CDF of the sum of n uniforms on [0, 1), at x ≤ 1.
func irwinHall(n int, x float64) float64 {
	f := 1.0
	for k := 2; k <= n; k++ {
		f *= float64(k)
	}
	return math.Pow(max(0, x), float64(n)) / f
}

// TestPalmTailIsStrict: the shipped tails were measured on over a
// million comparisons each, in order, and the combined one deep enough
// to need no more than four decades of extrapolation to the default
// rate (a part that does not set the threshold may stop at 2e-5); the
// combined tail is at or below each of them at every rate a reader may
// be set for.
func TestPalmTailIsStrict(t *testing.T) {
	for name, tail := range map[string]Tail{"wide": WideTail, "narrow": NarrowTail, "combined": PalmTail} {
		p := tail.Points
		deepest := 2e-5
		if name == "combined" {
			deepest = 1e-5
		}
		if len(p) == 0 || p[len(p)-1].FMR > deepest || tail.Comparisons < 1e6 {
			t.Fatalf("%s tail measured on %d comparisons down to %v", name, tail.Comparisons, p)
		}
		for i := 1; i < len(p); i++ {
			if p[i].FMR >= p[i-1].FMR || p[i].Distance > p[i-1].Distance {
				t.Errorf("%s: points %d and %d out of order: %+v %+v", name, i-1, i, p[i-1], p[i])
			}
		}
		if strict, loose := tail.Threshold(1e-9), tail.Threshold(1e-6); strict > p[len(p)-1].Distance || strict >= loose || strict <= 0.02 {
			t.Errorf("%s: thresholds %.4f (1e-9) and %.4f (1e-6) against the deepest measured %+v", name, strict, loose, p[len(p)-1])
		}
	}
	for rate := 1e-2; rate > 1e-11; rate /= 3 {
		if th := PalmTail.Threshold(rate); th > WideTail.Threshold(rate)+1e-12 || th > NarrowTail.Threshold(rate)+1e-12 {
			t.Errorf("rate %g: shipped %.4f, wide %.4f, narrow %.4f", rate, th, WideTail.Threshold(rate), NarrowTail.Threshold(rate))
		}
	}
}

// TestStrictest: the combined tail is at or below each of its parts at
// every rate, measured or extrapolated, and reads the table only down to
// the shallowest part's deepest rate.
func TestStrictest(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	wide := make([]float64, 400000)
	narrow := make([]float64, 40000)
	for i := range wide {
		wide[i] = 0.42 + 0.04*rng.NormFloat64()
	}
	for i := range narrow {
		narrow[i] = 0.40 + 0.05*rng.NormFloat64()
	}
	a, errA := MeasureTail(wide)
	b, errB := MeasureTail(narrow)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	s := Strictest(a, b)
	// The combined table reaches as deep as the deeper part measured.
	if s.Comparisons != len(wide)+len(narrow) || s.Points[len(s.Points)-1].FMR != a.Points[len(a.Points)-1].FMR {
		t.Errorf("combined %d comparisons down to %v", s.Comparisons, s.Points[len(s.Points)-1])
	}
	// At the rates it tabulates, and below them on its line, the combined
	// tail is at or below both parts. Between two tabulated rates it
	// interpolates, where a part past its deepest rate follows its line,
	// which bends: there within 0.0005.
	rates := []float64{1e-7, 1e-8, 1e-9}
	for _, p := range s.Points {
		rates = append(rates, p.FMR)
	}
	for _, rate := range rates {
		if th := s.Threshold(rate); th > a.Threshold(rate)+1e-12 || th > b.Threshold(rate)+1e-12 {
			t.Errorf("rate %g: combined %.4f, parts %.4f and %.4f", rate, th, a.Threshold(rate), b.Threshold(rate))
		}
	}
	for rate := 1e-2; rate > 1e-10; rate /= 3 {
		if th := s.Threshold(rate); th > a.Threshold(rate)+5e-4 || th > b.Threshold(rate)+5e-4 {
			t.Errorf("rate %g: combined %.4f, parts %.4f and %.4f", rate, th, a.Threshold(rate), b.Threshold(rate))
		}
	}
	if len(Strictest().Points) != 0 {
		t.Error("nothing combined into something")
	}
}

// TestCoarseDiffCountsBlocks: coarseDiff's word-wide count is the
// block-by-block count of the planes that disagree, on summaries of
// random bits (every mix of 0 to 3 planes differing) and random masks.
func TestCoarseDiffCountsBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		var a, b template.Summary
		for p := range a {
			for w := range a[p] {
				a[p][w], b[p][w] = rng.Uint64(), rng.Uint64()
			}
		}
		var diff, valid int
		for w := range a[template.Planes] {
			for bit := range 64 {
				if (a[template.Planes][w]&b[template.Planes][w])>>bit&1 == 0 {
					continue
				}
				valid++
				for p := range template.Planes {
					diff += int((a[p][w] ^ b[p][w]) >> bit & 1)
				}
			}
		}
		if d, v := coarseDiff(&a, &b); d != diff || v != valid {
			t.Fatalf("coarseDiff %d over %d blocks, counted %d over %d", d, v, diff, valid)
		}
	}
}

// TestCoarseNearest: the coarse pass's nearest of several probe codes is
// the smallest of their Coarse distances, 1 when none has blocks enough
// in common (a template masked all but one row).
func TestCoarseNearest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100 {
		a, b := templatetest.NewIdentity(rng), templatetest.NewIdentity(rng)
		probes := []template.Template{a.Capture(rng, 0.2, 2), b.Capture(rng, 0.2, 2), a.Capture(rng, 0.3, 2)}
		enrolled := a.Capture(rng, 0.2, 2)
		if rng.IntN(4) == 0 {
			enrolled.Mask = [template.Rows]uint32{5: ^uint32(0)}
			enrolled.Summarise()
		}
		want := 1.0
		for i := range probes {
			want = min(want, Coarse(&probes[i], &enrolled))
		}
		summaries := []template.Summary{probes[0].Coarse, probes[1].Coarse, probes[2].Coarse}
		if got := CoarseNearest(summaries, &enrolled.Coarse); math.Abs(got-want) > 1e-12 {
			t.Fatalf("nearest %v, smallest of Coarse %v", got, want)
		}
	}
}

// TestNormalise: at refOverlap cells and beyond a distance stands as
// measured; on fewer it is pulled towards 0.5 by (n/refOverlap)^normPower
// and never past it, so a raw 0.1 on a quarter of the cells counts
// 0.5 - 0.4·0.25^0.25, not Daugman's 0.5 - 0.4·0.5.
func TestNormalise(t *testing.T) {
	tests := []struct {
		hd   float64
		n    int
		want float64
	}{
		{0.1, refOverlap, 0.1},
		{0.1, 3 * refOverlap, 0.1},
		{0.1, refOverlap / 4, 0.5 - 0.4*math.Pow(0.25, 0.25)},
		{0.1, refOverlap / 16, 0.5 - 0.4*0.5},
		{0.5, 40, 0.5},
		{0.7, 40, 0.5 + 0.2*math.Pow(0.1, 0.25)},
	}
	for _, tc := range tests {
		if got := normalise(tc.hd, tc.n); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("normalise(%v, %d) = %v, want %v", tc.hd, tc.n, got, tc.want)
		}
	}
	for n := MinOverlap; n < refOverlap; n++ {
		if a, b := normalise(0.2, n), normalise(0.2, n+1); b > a {
			t.Fatalf("normalise(0.2, %d) = %v rose to %v at %d cells: more cells must not weigh less", n, a, b, n+1)
		}
	}
}
