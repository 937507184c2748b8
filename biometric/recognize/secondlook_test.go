package recognize

import (
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/synth"
)

// TestOfferLooksAgain: a tilted palm that its first search brings near
// its enrolment but not below the threshold is matched by the second
// look; with the threshold below the second look's distance too, the
// presentation is decided unmatched.
func TestOfferLooksAgain(t *testing.T) {
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	for k := range 8 {
		person := synth.NewPersonIn(uint64(700+k), synth.Wide)
		h := person.Hands[0]
		enrol := synth.CaptureConditions(person, 0, 0)
		g, ok := enrolledFrom(t, ext, h.Capture(enrol))
		if !ok {
			continue
		}
		tilted := enrol
		tilted.Pitch, tilted.Yaw, tilted.Seed = 13, -12, enrol.Seed+1
		frame := h.Capture(tilted)
		obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
		if err != nil || !obs.Good() {
			continue
		}
		probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
		if err != nil {
			t.Fatal(err)
		}
		first := g.Identify(probe, gallery.Options{})
		if err := SecondLook(ext, frame, obs, &probe, features.ProbeRotations); err != nil {
			t.Fatal(err)
		}
		looked := g.Identify(probe, gallery.Options{})
		if !(first.Distance < match.SecondLook && looked.Distance < first.Distance-0.02) {
			continue // this hand's tilt costs its first search too little, or too much
		}
		for _, tc := range []struct {
			name      string
			threshold float64
			matched   bool
		}{
			{"threshold between the two searches", (first.Distance + looked.Distance) / 2, true},
			{"threshold below both", looked.Distance - 0.01, false},
		} {
			tail := match.Tail{Line: match.Calibration{Distance: tc.threshold, Z: -1.28, Slope: 1e6}}
			r, err := New(Config{Tail: &tail, Frames: 1}, g)
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.Offer(frame)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !out.Decided || out.Result.Matched != tc.matched || (tc.matched && out.Result.ID != "me") {
				t.Errorf("%s (%.3f; first search %.3f, second look %.3f): %+v", tc.name, tc.threshold, first.Distance, looked.Distance, out)
			}
		}
		return
	}
	t.Fatal("no hand of 8 whose tilt the second look recovers")
}
