package eval

import (
	"testing"

	"github.com/palmd/palmd/biometric/synth"
)

// TestRegistration: a second careful capture lands where the first did,
// to a pixel, and its ROI cut by the ground truth matches the enrolment
// as closely as its own; a tilted capture's ROI lands off the patch and
// the ground truth's cut recovers the distance it loses. Every condition
// is measured on the hands that enrolled.
func TestRegistration(t *testing.T) {
	rows, err := Registration(6, 3, synth.Wide)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(registrationConditions) {
		t.Fatalf("%d rows", len(rows))
	}
	byName := map[string]RegistrationRow{}
	for _, r := range rows {
		if r.Hands == 0 || r.Located > r.Hands || len(r.truth) > r.Located {
			t.Errorf("%s: located %d of %d, %d cut by the ground truth", r.Condition, r.Located, r.Hands, len(r.truth))
		}
		byName[r.Condition] = r
	}
	c := byName["careful"]
	if c.Located == 0 || c.ShiftMedian > 1 || c.AngleMedian > 1 || c.ScaleMedian > 1 {
		t.Errorf("careful: %+v", c)
	}
	if c.TruthMedian > 0.06 || c.TruthMedian > c.MatedMedian+0.02 {
		t.Errorf("careful: mated distance %.3f as located, %.3f cut by the ground truth: the cut is not on the enrolment's patch", c.MatedMedian, c.TruthMedian)
	}
	tilt := byName["tilted"]
	if tilt.ShiftMedian < 3 || tilt.TruthMedian > tilt.MatedMedian-0.05 {
		t.Errorf("tilted: shift %.1f px, mated distance %.3f as located, %.3f cut by the ground truth", tilt.ShiftMedian, tilt.MatedMedian, tilt.TruthMedian)
	}
}
