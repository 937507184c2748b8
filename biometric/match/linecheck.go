package match

import (
	"errors"
	"math/rand/v2"
	"slices"
)

// LineCheck is how well a tail's line, fitted on a sample too small to
// reach a rate, predicts the distance a larger sample measured there:
// the error is the subsample's threshold (Tail.Threshold, from its line)
// minus the distance the whole sample shows at FMR, over many random
// subsamples. A negative error is a threshold stricter than measured;
// a positive one would let impostors through above the rate.
//
// It is the evidence for trusting the line below a shipped table's
// deepest rate: the subsample's line reaches as many decades past its
// last point as the table's line reaches past its own.
type LineCheck struct {
	FMR      float64 // a rate the whole sample measured, below the subsamples' deepest
	Measured float64 // the whole sample's distance at FMR
	// Median, P5 and P95 are the subsamples' errors at FMR.
	Median, P5, P95 float64
}

// ErrLineCheck is returned when the sample is too small to leave rates
// below its subsamples' tables that the whole sample measured.
var ErrLineCheck = errors.New("match: too few distances to check the line: the whole sample must measure rates below its subsamples'")

// CheckLine keeps each distance of impostors with chance 1/keep, rounds
// times (seeded, so a check is repeatable), measures each subsample's
// tail (MeasureTail) and compares its threshold with the whole
// sample's measured distance at every rate of 5, 2 and 1 per decade
// that the whole sample measures and no subsample's table reaches.
func CheckLine(impostors []float64, keep, rounds int, seed uint64) ([]LineCheck, error) {
	if keep < 2 || rounds < 1 {
		return nil, errors.New("match: a line check needs subsamples of at most half the sample, at least once")
	}
	whole, err := MeasureTail(impostors)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, uint64(keep)))
	errs := make([][]float64, len(whole.Points))
	deepest := 1.0 // the shallowest last rate of any subsample's table
	sub := make([]float64, 0, 2*len(impostors)/keep)
	for range rounds {
		sub = sub[:0]
		for _, d := range impostors {
			if rng.IntN(keep) == 0 {
				sub = append(sub, d)
			}
		}
		t, err := MeasureTail(sub)
		if err != nil {
			return nil, err
		}
		deepest = min(deepest, t.Points[len(t.Points)-1].FMR)
		for i, p := range whole.Points {
			errs[i] = append(errs[i], t.Threshold(p.FMR)-p.Distance)
		}
	}
	var out []LineCheck
	for i, p := range whole.Points {
		if p.FMR >= deepest {
			continue
		}
		e := slices.Sorted(slices.Values(errs[i]))
		out = append(out, LineCheck{
			FMR: p.FMR, Measured: p.Distance,
			Median: e[len(e)/2], P5: e[len(e)*5/100], P95: e[(len(e)*95)/100],
		})
	}
	if len(out) == 0 {
		return nil, ErrLineCheck
	}
	return out, nil
}
