package match

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestCheckLine: on a normal sample the line is the tail's own shape, so
// subsamples' lines land on the whole sample's deep rates; beneath a
// sample with a cluster of close impostors deeper than the subsamples
// reach, the check shows the line too lenient (a positive error).
func TestCheckLine(t *testing.T) {
	const n = 1_000_000
	normal := func(rng *rand.Rand) []float64 {
		d := make([]float64, n)
		for i := range d {
			d[i] = 0.42 + 0.04*rng.NormFloat64()
		}
		return d
	}
	heavy := func(rng *rand.Rand) []float64 {
		d := normal(rng)
		for i := 0; i < n; i += 33_333 { // 3e-5 of look-alikes, far closer
			d[i] = 0.22 + 0.01*rng.NormFloat64()
		}
		return d
	}
	tests := []struct {
		name     string
		sample   func(*rand.Rand) []float64
		min, max float64 // bounds on the checked rates' median errors
		deepest  bool    // only the deepest rate is bounded
	}{
		{"normal tail", normal, -0.006, 0.006, false},
		{"close cluster below the subsamples", heavy, 0.01, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks, err := CheckLine(tc.sample(rand.New(rand.NewPCG(3, 4))), 10, 20, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(checks) == 0 || checks[0].FMR >= 2e-4 {
				t.Fatalf("checked %+v: want rates below the subsamples' deepest (2e-4)", checks)
			}
			if tc.deepest {
				checks = checks[len(checks)-1:]
			}
			for _, c := range checks {
				if c.Median < tc.min || c.Median > tc.max || c.P5 > c.Median || c.P95 < c.Median {
					t.Errorf("at %.0e: median error %+.4f (p5 %+.4f, p95 %+.4f), want the median within [%g, %g]",
						c.FMR, c.Median, c.P5, c.P95, tc.min, tc.max)
				}
			}
		})
	}
}

// TestCheckLineNeedsDepth: subsamples as deep as the whole sample leave
// nothing to check, and bad arguments and samples too small are refused.
func TestCheckLineNeedsDepth(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	d := make([]float64, 9000)
	for i := range d {
		d[i] = 0.42 + 0.04*rng.NormFloat64()
	}
	// 9,000 distances measure down to 5e-3 (45 below it, 18 below 2e-3),
	// and so do halves of them (about 22 below it).
	if _, err := CheckLine(d, 2, 5, 1); !errors.Is(err, ErrLineCheck) {
		t.Errorf("halves as deep as the whole: %v, want ErrLineCheck", err)
	}
	if _, err := CheckLine(d, 1, 5, 1); err == nil {
		t.Error("keep 1 accepted")
	}
	if _, err := CheckLine(d, 2, 0, 1); err == nil {
		t.Error("0 rounds accepted")
	}
	if _, err := CheckLine(d[:3000], 2, 5, 1); err == nil {
		t.Error("subsamples too small to measure a tail accepted")
	}
}
