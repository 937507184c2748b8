package match

import "math"

// tailSamples is how many impostor distances the deepest rate read off a
// sample must rest on; tailSpan is how many times more the rates a
// decade up rest on.
const (
	tailSamples = 20
	tailSpan    = 10
)

// Calibration is a line of the lower tail of the impostor distances on
// normal-probability axes: z = Φ⁻¹(rate) is taken as linear in the
// distance, through (Distance, Z) with slope Slope.
//
// Rates like 1e-9 are far below any sample, so the tail must be
// extrapolated. On an earlier code's distances the tail kept steepening
// further down (the slope grew from 17 to 32 per unit of distance over
// four decades of 1.2 million impostor comparisons), so a line through
// the deepest decades erred towards a lower threshold. That does not hold
// for every tail, and CheckLine (palmctl tail --check-line) measures it.
// On the cohort's scores, lines fitted on subsamples of the pooled narrow
// sets land within 0.002 (median) of the pool's measured distances two
// and a half decades further down; on the wide set's they land 0.005 to
// 0.006 above them two decades down, too lenient. The threshold Strictest
// gives is the narrow line's. A binomial fitted to the mean and variance,
// as Daugman fits iris codes, was tried first and promised rates 200
// times lower than the sample showed at 1e-5: neighbouring cells and the
// best-of-many search make the tail heavier than independent bits would.
type Calibration struct {
	Distance, Z, Slope float64
}

// Threshold is the distance at which the tail line reaches fmr.
func (c Calibration) Threshold(fmr float64) float64 {
	return max(0, c.Distance+(probit(fmr)-c.Z)/c.Slope)
}

// probit is Φ⁻¹, the standard normal quantile.
func probit(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
