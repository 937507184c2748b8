package eval

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/features"
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

// TestSubCellOffsets: the code's sensitivity to offsets below its cell.
// Captures rotated in the frame, cut by the ground truth and then moved
// by 1 and 2 pixels, lose far more than when moved by a whole cell (4
// pixels), which the comparison's shifts absorb. -v prints the medians
// the README quotes.
func TestSubCellOffsets(t *testing.T) {
	hands := 40
	if testing.Short() {
		hands = 8
	}
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	offsets := []int{0, 1, 2, 4}
	dist := make([][]float64, len(offsets))
	const rotated = 1
	for k := range hands {
		person := synth.NewPersonIn(5*7919+uint64(k), synth.Wide)
		h := person.Hands[k%2]
		enrol := synth.CaptureConditions(person, k%2, 0)
		ref, ok := locateOn(h, enrol)
		if !ok {
			continue
		}
		enrolled, err := ext.Template(ref.obs.ROI)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, uint64(k*100+rotated)))
		c := enrol
		c.Seed = rng.Uint64()
		registrationConditions[rotated].change(&c, synth.WideVariation{Pop: synth.Wide}, rng)
		p, ok := locateOn(h, c)
		if !ok {
			continue
		}
		truth, ok := truthROI(h, ref, p)
		if !ok {
			continue
		}
		for i, o := range offsets {
			dist[i] = append(dist[i], matedDistance(ext, shiftROI(truth, o, 0), &enrolled))
		}
	}
	med := make([]float64, len(offsets))
	for i := range offsets {
		slices.Sort(dist[i])
		med[i] = quantile(dist[i], 0.5)
		t.Logf("ground truth moved %d px: mated distance median %.3f over %d hands", offsets[i], med[i], len(dist[i]))
	}
	if !(med[0] < med[1] && med[1] < med[2] && med[3] < med[2]-0.05) {
		t.Errorf("medians %.3f for offsets %v: want growth to half a cell and a whole cell absorbed", med, offsets)
	}
}
