package cohort

import (
	"context"
	"fmt"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// seed draws the cohort's people: seed+k is person k. No evaluation set
// uses these seeds (palmctl synth's sets start at their own seeds, people
// numbered from there), so the cohort holds no hand a table or a figure
// was measured on.
const seed = 3838 * 7919

// Generate codes the first n templates of the cohort: the careful first
// enrolment capture (synth.CaptureConditions) of one hand of each wide
// person in turn, right and left alternating, coded as enrolment codes
// it (features.ProbeRotations, the capture as cut). A capture the reader
// would refuse to enrol (not located well, or too few valid cells) is
// skipped, as an enrolment would skip it.
func Generate(ctx context.Context, n int) ([]template.Template, error) {
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, fmt.Errorf("cohort: %w", err)
	}
	defer ext.Close()
	loc := palm.NewLocator(palm.DefaultConfig)
	var out []template.Template
	for k := uint64(0); len(out) < n; k++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("cohort: %w", err)
		}
		if k > uint64(20*n) {
			return nil, fmt.Errorf("cohort: only %d of %d hands could be enrolled", len(out), n)
		}
		person := synth.NewPersonIn(seed+k, synth.Wide)
		side := int(k % 2)
		img := person.Hands[side].Capture(synth.CaptureConditions(person, side, 0))
		obs, err := loc.Locate(img)
		if err != nil || !obs.Good() {
			continue
		}
		probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
		if err != nil || probe.AsCut().Valid() < enroll.MinValid {
			continue
		}
		t := *probe.AsCut()
		t.Outline = nil
		out = append(out, t)
	}
	return out, nil
}
