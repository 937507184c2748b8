package match

import (
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// TestPairedAsShifted: comparing two rows to a word gives exactly the
// distance of comparing row by row, at every shift, with cells masked
// at random and at shifts that leave no cell in common.
func TestPairedAsShifted(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	id := templatetest.NewIdentity(rng)
	for trial := range 20 {
		a, b := id.Capture(rng, 0.1, 0), id.Capture(rng, 0.1, 1)
		if trial%2 == 1 {
			b = templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
		}
		for r := range template.Rows { // holes in both masks
			a.Mask[r] &= rng.Uint32() | rng.Uint32()
			b.Mask[r] &= rng.Uint32() | rng.Uint32()
		}
		pa, all := pairEven(&a), pairAll(&b)
		shifts := []int{-40, -32, -31, -17, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 17, 31, 32, 40}
		for _, dx := range shifts {
			pb := shiftAll(&all, dx)
			for _, dy := range shifts {
				want, got := shifted(&a, &b, dx, dy), pairedShifted(&pa, &pb, dy)
				if got != want {
					t.Fatalf("trial %d, shift (%d, %d): paired %.6f, row by row %.6f", trial, dx, dy, got, want)
				}
			}
		}
	}
}

// alignBench is a probe of twenty codes and a template of the same palm.
func alignBench() (Probe, template.Template) {
	rng := rand.New(rand.NewPCG(9, 9))
	id := templatetest.NewIdentity(rng)
	p := Probe{Codes: make([]template.Template, 20)}
	for i := range p.Codes {
		p.Codes[i] = id.Capture(rng, 0.1, 1)
	}
	return p, id.Capture(rng, 0.1, 0)
}

// BenchmarkAlign: one probe of twenty codes aligned with one template at
// shifts of ±2 cells, its codes paired for that template alone.
func BenchmarkAlign(b *testing.B) {
	p, enrolled := alignBench()
	for b.Loop() {
		p.Align(&enrolled, 2)
	}
}

// BenchmarkSearchAlign: BenchmarkAlign as a search does it, the probe's
// codes paired once (Probe.Aligner) for all the templates it compares.
func BenchmarkSearchAlign(b *testing.B) {
	p, enrolled := alignBench()
	a := p.Aligner()
	for b.Loop() {
		a.Align(&enrolled, 2)
	}
}

// TestAlignAsRowByRow: Align, which moves the template once for each dx,
// finds the alignment the row-by-row search in order code, dy, dx finds,
// ties included (the same code twice, and a shift too far to overlap).
func TestAlignAsRowByRow(t *testing.T) {
	rowByRow := func(p *Probe, t *template.Template, maxShift int) Alignment {
		best := Alignment{Code: -1, Distance: 1}
		for k := range p.Codes {
			for dy := -maxShift; dy <= maxShift; dy++ {
				for dx := -maxShift; dx <= maxShift; dx++ {
					if d := shifted(&p.Codes[k], t, dx, dy); d < best.Distance {
						best = Alignment{Code: k, DX: dx, DY: dy, Distance: d}
					}
				}
			}
		}
		return best
	}
	rng := rand.New(rand.NewPCG(10, 10))
	id := templatetest.NewIdentity(rng)
	for trial := range 30 {
		enrolled := id.Capture(rng, 0.1, 0)
		mate, other := id.Capture(rng, 0.1, 1), templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
		var empty template.Template // no valid cell: distance 1 everywhere
		p := Probe{Codes: []template.Template{other, mate, other, mate, empty}}
		if trial%3 == 0 {
			p.Codes = []template.Template{empty}
		}
		for _, maxShift := range []int{0, 2, 3} {
			if got, want := p.Align(&enrolled, maxShift), rowByRow(&p, &enrolled, maxShift); got != want {
				t.Fatalf("trial %d, max shift %d: %+v, row by row %+v", trial, maxShift, got, want)
			}
		}
	}
}
