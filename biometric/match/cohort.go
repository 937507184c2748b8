package match

import (
	"math"
	"slices"

	"github.com/palmd/palmd/biometric/template"
)

// Cohort is where a probe lies among other people's palms: the mean and
// the spread of its distances to a fixed sample of templates of people
// it is not (its cohort, CohortSize of them). A noisy, dim or misplaced
// capture lies far from every palm, its distances crowded below 0.5
// with little spread; a clean one spreads nearer and wider. The same
// distance to a candidate is then stronger evidence from the first kind,
// and Scaled says how much: test normalisation (T-norm), with the
// spread's weight tempered by CohortPower.
//
// The zero Cohort scales nothing: a search without a cohort decides by
// its distances as they are.
type Cohort struct {
	Mean, Spread float64
}

const (
	// CohortSize is how many templates a probe's cohort holds. Fewer
	// measured worse: 50 gained about half of what 100 did, and 25 lost
	// against no cohort at all (README, "The probe's cohort").
	CohortSize = 100
	// CohortPower tempers the spread's weight: 1 is textbook T-norm, 0
	// shifts by the mean alone. 0.25 gained the most on both the narrow
	// and the wide populations; 0.5 gained little on the narrow one.
	CohortPower = 0.25

	// cohortMean and cohortSpread are the median mean and spread of the
	// wide population's probes against the shipped cohort: they set the
	// scaled score's units near the distances', so that a typical probe's
	// score is about its distance.
	cohortMean   = 0.425
	cohortSpread = 0.023
	// minSpread floors the spread, so that a probe whose cohort lay all
	// at one distance is not scaled without bound.
	minSpread = cohortSpread / 8
)

// NewCohort summarises a probe's distances to its cohort. A distance of
// 1 is a template the probe shared too few cells with to compare: it says
// nothing of where the probe lies, and is left out. Fewer than two
// distances give the zero Cohort.
func NewCohort(distances []float64) Cohort {
	d := slices.DeleteFunc(slices.Clone(distances), func(x float64) bool { return x >= 1 })
	if len(d) < 2 {
		return Cohort{}
	}
	var sum float64
	for _, x := range d {
		sum += x
	}
	mean := sum / float64(len(d))
	var ss float64
	for _, x := range d {
		ss += (x - mean) * (x - mean)
	}
	spread := math.Sqrt(ss / float64(len(d)-1))
	return Cohort{Mean: mean, Spread: max(spread, minSpread)}
}

// scale is what a distance's offset from the cohort's mean is divided by.
func (c Cohort) scale() float64 { return math.Pow(c.Spread/cohortSpread, CohortPower) }

// Scaled is distance d from a probe with cohort c on the common scale a
// threshold is set on: d unchanged for the zero Cohort. Like a distance,
// a score lies between 0 and 1 (a tight cohort can carry an
// uncomparable pair's 1 beyond it).
func (c Cohort) Scaled(d float64) float64 {
	if c.Spread <= 0 {
		return d
	}
	return min(1, max(0, cohortMean+(d-c.Mean)/c.scale()))
}

// Cohort compares the probe with each of templates as a search's first
// comparison does (aligned over shifts up to maxShift and refined, no
// second look: the cohort says where the capture as located lies) and
// summarises the distances.
func (a *Aligner) Cohort(templates []template.Template, maxShift int) Cohort {
	d := make([]float64, len(templates))
	for i := range templates {
		d[i] = a.p.Refine(&templates[i], a.Align(&templates[i], maxShift))
	}
	return NewCohort(d)
}
