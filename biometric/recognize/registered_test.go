package recognize

import (
	"image"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/synth"
)

// TestRegistered: a tilted capture cut through its outline registered
// onto the enrolment's lands nearer the enrolment than as located; an
// enrolment outline with no hand in it gives no look and no error.
func TestRegistered(t *testing.T) {
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	tried := 0
	for k := range 6 {
		person := synth.NewPersonIn(uint64(700+k), synth.Wide)
		h := person.Hands[0]
		enrol := synth.CaptureConditions(person, 0, 0)
		ref, ok := outlined(t, h.Capture(enrol))
		if !ok {
			continue
		}
		enrolled, err := ext.Probe(ref.obs.ROI, []float64{0})
		if err != nil {
			t.Fatal(err)
		}
		tilted := enrol
		tilted.Pitch, tilted.Yaw, tilted.Seed = 12, -11, enrol.Seed+1
		probe, ok := outlined(t, h.Capture(tilted))
		if !ok {
			continue
		}
		located, err := ext.Probe(probe.obs.ROI, features.ProbeRotations)
		if err != nil {
			t.Fatal(err)
		}
		cut, ok, err := Registered(ext, &probe.outline, ref.outline, RegisteredRotations)
		if err != nil || !ok {
			t.Fatalf("hand %d: registering a tilted capture: ok %v, %v", k, ok, err)
		}
		tried++
		before, after := located.Distance(enrolled.AsCut(), 2), cut.Distance(enrolled.AsCut(), 2)
		t.Logf("hand %d: mated distance %.3f as located, %.3f registered", k, before, after)
		if after >= before || after > 0.2 {
			t.Errorf("hand %d: mated distance %.3f as located, %.3f registered", k, before, after)
		}
		empty := palm.Outline{Pix: make([]float32, len(ref.outline.Pix)), Place: ref.outline.Place}
		if _, ok, err := Registered(ext, &probe.outline, empty, RegisteredRotations); ok || err != nil {
			t.Errorf("hand %d: registered onto an empty outline: ok %v, %v", k, ok, err)
		}
	}
	if tried < 4 {
		t.Fatalf("%d of 6 hands enrolled and tilted", tried)
	}
}

type outlinedFrame struct {
	obs     palm.Observation
	outline palm.Outline
}

func outlined(t *testing.T, frame *image.Gray) (outlinedFrame, bool) {
	t.Helper()
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		return outlinedFrame{}, false
	}
	o, err := palm.OutlineOf(frame, obs)
	if err != nil {
		t.Fatal(err)
	}
	return outlinedFrame{obs, o}, true
}
