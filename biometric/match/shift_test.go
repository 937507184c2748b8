package match

import (
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

func TestThreshold(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	// Binomial(400, 0.5)/400 impostor distances: 400 degrees of freedom.
	sample := make([]float64, 20000)
	for i := range sample {
		k := 0
		for range 400 {
			if rng.IntN(2) == 1 {
				k++
			}
		}
		sample[i] = float64(k) / 400
	}
	th, err := Threshold(sample, 1e-3)
	if err != nil {
		t.Fatal(err)
	}
	below := 0
	for _, d := range sample {
		if d < th {
			below++
		}
	}
	if rate := float64(below) / float64(len(sample)); rate > 2e-3 || th < 0.40 || th > 0.45 {
		t.Errorf("threshold %.4f lets %.5f of impostors through, want about 1e-3", th, rate)
	}
	if _, err := Threshold(sample[:10], 1e-3); err == nil {
		t.Error("calibrated on 10 samples")
	}
}
