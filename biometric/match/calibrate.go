package match

import (
	"errors"
	"math"
)

// Threshold returns the distance below which a comparison is accepted for
// a target false-match rate per comparison, from a sample of impostor
// distances. Rates far below 1/len(sample) cannot be read off the sample,
// so the impostor distribution is modelled as Daugman does for iris codes
// ("How iris recognition works", IEEE TCSVT 14(1), 2004): a binomial with
// the sample's mean p and N = p(1-p)/σ² effective degrees of freedom, and
// the threshold is the largest t with P(HD ≤ t) ≤ fmr under that model.
func Threshold(impostors []float64, fmr float64) (float64, error) {
	if len(impostors) < 100 {
		return 0, errors.New("match: need at least 100 impostor distances to calibrate")
	}
	if fmr <= 0 || fmr >= 1 {
		return 0, errors.New("match: false-match rate must be in (0, 1)")
	}
	var sum, sq float64
	for _, d := range impostors {
		sum += d
		sq += d * d
	}
	n := float64(len(impostors))
	p := sum / n
	variance := sq/n - p*p
	if variance <= 0 || p <= 0 || p >= 1 {
		return 0, errors.New("match: impostor distances have no spread")
	}
	dof := int(math.Round(p * (1 - p) / variance))
	// Walk up the binomial CDF in log space until it passes fmr.
	cdf := 0.0
	for k := 0; k <= dof; k++ {
		cdf += math.Exp(logBinomial(dof, k, p))
		if cdf > fmr {
			return float64(k) / float64(dof), nil
		}
	}
	return 1, nil
}

// logBinomial is log P(X = k) for X ~ Binomial(n, p).
func logBinomial(n, k int, p float64) float64 {
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x) + 1); return v }
	return lg(n) - lg(k) - lg(n-k) + float64(k)*math.Log(p) + float64(n-k)*math.Log(1-p)
}
