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

// TestThreshold: observable rates are read off the sample; a rate below
// it is extrapolated exactly for a normal tail and on the safe side for a
// tail lighter than normal (a sum of 12 uniforms: bounded).
func TestThreshold(t *testing.T) {
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
	th, err := Threshold(normal, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	if r := fraction(normal, th); r > 1e-3 || r < 0.9e-3 {
		t.Errorf("observable rate 1e-3: threshold %.4f lets %.5f through", th, r)
	}
	// N(0.42, 0.04) at 1e-9: 0.42 - 0.04·5.998 = 0.180.
	if th, err = Threshold(normal, 1e-9); err != nil || math.Abs(th-0.180) > 0.01 {
		t.Errorf("normal tail at 1e-9: %.4f (%v), want 0.180", th, err)
	}
	th, err = Threshold(bounded, 1e-9)
	if rate := irwinHall(12, (th-0.42)/0.04+6); err != nil || rate > 1e-9 || rate < 1e-30 {
		t.Errorf("bounded tail at 1e-9: %.4f lets %.2g through (%v)", th, rate, err)
	}
	if _, err := Threshold(normal[:1000], 1e-3); err == nil {
		t.Error("calibrated on 1,000 samples")
	}
	if c, err := Calibrate(normal); err != nil || math.Abs(c.Threshold(1e-9)-0.180) > 0.01 {
		t.Errorf("Calibrate: %+v %v", c, err)
	}
	if _, err := Threshold(normal, 0); err == nil {
		t.Error("calibrated for a rate of 0")
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

// TestPalmTailIsStrict: the shipped tail puts the default rate's
// threshold below the distance at which 20 in 1.2 million measured
// impostors already matched, and orders rates the right way.
func TestPalmTailIsStrict(t *testing.T) {
	strict, loose := PalmTail.Threshold(1e-9), PalmTail.Threshold(1e-6)
	if strict >= PalmTail.Distance || loose >= PalmTail.Distance || strict >= loose || strict <= 0.05 {
		t.Errorf("thresholds %.4f (1e-9) and %.4f (1e-6) against the observed tail at %.4f", strict, loose, PalmTail.Distance)
	}
}
