//go:build matprofile

package palm

import (
	"image"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/synth"
)

// TestNoMatLeft: with gocv's Mat profile on (make test builds this file
// with -tags matprofile), locating and coding good and bad frames leaves
// no Mat open.
func TestNoMatLeft(t *testing.T) {
	closed := palmtest.NewHand(1)
	closed.FingerGap = 0
	printed := synth.NewPersonIn(3, synth.Wide).Hands[0]
	frames := []*image.Gray{
		printed.Attack(synth.AttackPrintCutout, synth.Nominal, rand.New(rand.NewPCG(1, 1))),
		palmtest.NewHand(1).Render(palmtest.Centred, 1),
		closed.Render(palmtest.Centred, 2),
		image.NewGray(image.Rect(0, 0, 640, 480)),
	}
	before := gocv.MatProfile.Count()
	e, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	for range 30 {
		for _, img := range frames {
			obs, err := NewLocator(DefaultConfig).Locate(img)
			if err != nil {
				t.Fatal(err)
			}
			if obs.Good() {
				if _, err := e.Probe(obs.ROI, features.ProbeRotations); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	e.Close()
	if after := gocv.MatProfile.Count(); after != before {
		t.Fatalf("%d Mats left open", after-before)
	}
}
