package match

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

func TestNewCohort(t *testing.T) {
	tests := []struct {
		name         string
		distances    []float64
		mean, spread float64
	}{
		{"none", nil, 0, 0},
		{"one", []float64{0.4}, 0, 0},
		{"only uncomparable", []float64{1, 1, 1}, 0, 0},
		{"two", []float64{0.4, 0.5}, 0.45, math.Sqrt(0.005)},
		{"uncomparable left out", []float64{0.4, 1, 0.5}, 0.45, math.Sqrt(0.005)},
		{"no spread is floored", []float64{0.43, 0.43, 0.43}, 0.43, minSpread},
	}
	for _, tc := range tests {
		c := NewCohort(tc.distances)
		if math.Abs(c.Mean-tc.mean) > 1e-12 || math.Abs(c.Spread-tc.spread) > 1e-12 {
			t.Errorf("%s: cohort %+v, want mean %g spread %g", tc.name, c, tc.mean, tc.spread)
		}
	}
}

// TestCohortScaled: the zero Cohort scales nothing and a typical one
// keeps a distance; a probe whose cohort lies nearer (a poor capture,
// near everyone) has every distance raised by the difference; a tighter
// spread moves a distance further from the mean, by the spread's ratio
// to the power CohortPower.
func TestCohortScaled(t *testing.T) {
	typical := Cohort{Mean: cohortMean, Spread: cohortSpread}
	near := Cohort{Mean: cohortMean - 0.03, Spread: cohortSpread}
	tight := Cohort{Mean: cohortMean, Spread: cohortSpread / 16}
	for _, d := range []float64{0.25, 0.3, 0.35} {
		if got := (Cohort{}).Scaled(d); got != d {
			t.Errorf("zero cohort scaled %g to %g", d, got)
		}
		if got := typical.Scaled(d); math.Abs(got-d) > 1e-12 {
			t.Errorf("typical cohort scaled %g to %g", d, got)
		}
		if got := near.Scaled(d); math.Abs(got-(d+0.03)) > 1e-12 {
			t.Errorf("near cohort scaled %g to %g, want %g", d, got, d+0.03)
		}
		if got, want := tight.Scaled(d), cohortMean+2*(d-cohortMean); math.Abs(got-want) > 1e-12 {
			t.Errorf("tight cohort scaled %g to %g, want %g", d, got, want)
		}
		if got := tight.Scaled(1); got != 1 {
			t.Errorf("tight cohort scaled an uncomparable pair's 1 to %g", got)
		}
	}
}

// TestAlignerCohort: a probe's cohort is its first-comparison distances
// to the cohort's templates, summarised: the same figures NewCohort gives
// of distances computed one by one, with a template it cannot be
// compared with left out.
func TestAlignerCohort(t *testing.T) {
	rng := rand.New(rand.NewPCG(38, 38))
	self := templatetest.NewIdentity(rng)
	p := Probe{Codes: []template.Template{self.Capture(rng, 0.1, 1)}}
	var cohort []template.Template
	var want []float64
	for range 20 {
		c := templatetest.NewIdentity(rng).Capture(rng, 0.1, 1)
		cohort = append(cohort, c)
		want = append(want, p.Distance(&c, 2))
	}
	cohort = append(cohort, template.Template{}) // no valid cells
	got := p.Aligner().Cohort(cohort, 2)
	if w := NewCohort(want); got != w {
		t.Fatalf("cohort %+v, want %+v", got, w)
	}
	if got.Mean < 0.3 || got.Spread <= minSpread {
		t.Errorf("other identities' cohort %+v: not spread around their distance", got)
	}
}
