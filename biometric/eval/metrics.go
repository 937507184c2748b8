// Package eval measures recognition accuracy the way ISO/IEC 19795-1
// reports it: failure to acquire, genuine and impostor comparison counts,
// equal error rate, FNMR at fixed FMRs, and for identification FNIR and
// FPIR at the operating threshold.
package eval

import (
	"math"
	"slices"
)

// Scores are comparison distances: lower is more alike.
type Scores struct {
	Genuine, Impostor []float64
}

// FMR is the fraction of impostor distances below t (accepted).
func (s *Scores) FMR(t float64) float64 { return below(s.Impostor, t) }

// FNMR is the fraction of genuine distances at or above t (rejected).
func (s *Scores) FNMR(t float64) float64 { return 1 - below(s.Genuine, t) }

// below is the fraction of sorted v strictly below t.
func below(v []float64, t float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	i, _ := slices.BinarySearch(v, t)
	for i > 0 && v[i-1] >= t {
		i--
	}
	return float64(i) / float64(len(v))
}

// Sort prepares the scores for the rate queries.
func (s *Scores) Sort() {
	slices.Sort(s.Genuine)
	slices.Sort(s.Impostor)
}

// EER is the rate where FMR and FNMR cross, and the threshold there. The
// candidate thresholds are every observed distance; between two of them
// the rates are taken where |FMR−FNMR| is smallest, as their mean.
func (s *Scores) EER() (rate, threshold float64) {
	if len(s.Genuine) == 0 || len(s.Impostor) == 0 {
		return math.NaN(), math.NaN()
	}
	cands := append(slices.Clone(s.Genuine), s.Impostor...)
	cands = append(cands, math.Inf(1))
	slices.Sort(cands)
	best := math.Inf(1)
	for _, t := range slices.Compact(cands) {
		fmr, fnmr := s.FMR(t), s.FNMR(t)
		if d := math.Abs(fmr - fnmr); d < best {
			best, rate, threshold = d, (fmr+fnmr)/2, t
		}
	}
	return rate, threshold
}

// FNMRAt is the FNMR at the largest threshold whose FMR does not exceed
// target. ok is false when there are too few impostor comparisons to
// observe that rate (fewer than 1/target).
func (s *Scores) FNMRAt(target float64) (fnmr, threshold float64, ok bool) {
	n := len(s.Impostor)
	if n == 0 || float64(n) < 1/target {
		return math.NaN(), math.NaN(), false
	}
	// At most floor(target·n) impostors may fall below the threshold.
	k := int(math.Floor(target * float64(n)))
	threshold = s.Impostor[k] // strictly below Impostor[k]: k accepted
	return s.FNMR(threshold), threshold, true
}
