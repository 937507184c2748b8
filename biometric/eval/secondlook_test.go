package eval

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/synth"
)

// TestSecondLookTilted: on palms tilted 8–15° each way (the registration
// table's "tilted"), the second look brings the median mated distance
// down by a fifth or more.
func TestSecondLookTilted(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and codes 48 captures")
	}
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	median := func(v []float64) float64 { v = slices.Clone(v); slices.Sort(v); return quantile(v, 0.5) }
	tilted := registrationConditions[slices.IndexFunc(registrationConditions, func(c registrationCondition) bool { return c.name == "tilted" })]
	var asLocated, looked []float64
	for k := range 16 {
		h, ref, enrolled, ok := enrolledWide(t, ext, uint64(900+k), k%2)
		if !ok {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(k), 11))
		c := ref.c
		c.Seed = rng.Uint64()
		tilted.change(&c, synth.WideVariation{Pop: synth.Wide}, rng)
		p, ok := locateOn(h, c)
		if !ok {
			continue
		}
		probe, err := ext.Probe(p.obs.ROI, features.ProbeRotations)
		if err != nil {
			t.Fatal(err)
		}
		asLocated = append(asLocated, probe.Distance(&enrolled, 2))
		if err := recognize.SecondLook(ext, p.frame, p.obs, &probe, features.ProbeRotations); err != nil {
			t.Fatal(err)
		}
		looked = append(looked, probe.Distance(&enrolled, 2))
	}
	if len(asLocated) < 12 {
		t.Fatalf("%d of 16 tilted captures located", len(asLocated))
	}
	before, after := median(asLocated), median(looked)
	t.Logf("median mated distance %.3f as located, %.3f with the second look (%d captures)", before, after, len(looked))
	if after > 0.8*before {
		t.Errorf("the second look took the median mated distance from %.3f to %.3f only", before, after)
	}
}
