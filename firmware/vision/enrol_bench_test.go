package vision

import (
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/drivers/camera"
)

// BenchmarkEnrolCooperative is the captures of a cooperative synthetic
// person at an enrollment desk, through the real worker and pipeline on a
// simulated 30 fps camera: each hand is shown as soon as the screen asks
// for it and held still; the right hand, then (after the view empties) the
// left. It reports the camera frames and seconds from "I agree" to the
// last template.
func BenchmarkEnrolCooperative(b *testing.B) {
	g := gallery.New()
	palms, err := recognize.New(recognize.Config{FalsePositiveRate: 1e-5}, g)
	if err != nil {
		b.Fatal(err)
	}
	defer palms.Close()
	enrol := Enrolments{Reader: palms, Duplicate: match.PalmTail.Threshold(1e-6)}
	const fps = 30
	var total time.Duration
	for i := range b.N {
		cam := camera.NewSim(640, 480, fps)
		w, err := New(Config{Open: cam.Open, Codes: noCodes{}, Palms: palms, Enrol: enrol})
		if err != nil {
			b.Fatal(err)
		}
		ended := make(chan EnrolEnded, 1)
		asked := make(chan string, 8) // a hand's captures wait for it: the view is empty
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() {
			w.Run(ctx, func(o Output) {
				switch e := o.(type) {
				case EnrolEnded:
					ended <- e
				case EnrolProgress:
					if len(e.Hints) == 1 && e.Hints[0] == palm.HintNoHand && e.Accepted == 0 {
						select {
						case asked <- e.Hand:
						default:
						}
					}
				}
			}, func() {})
		})
		person := synth.NewPerson(uint64(1000 + i))
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		start := time.Now()
		for run, side := range []synth.Side{synth.Right, synth.Left} {
			w.Look(LookToEnrol(Enrolment{Hand: side.String(), Captures: 3, MaxAttempts: 300, Run: run + 1}))
			if run > 0 {
				for h := <-asked; h != side.String(); h = <-asked {
				}
			}
			cam.Show(person.Hands[side].Capture(cooperative(rng)))
			if e := <-ended; e.Err != nil {
				b.Fatalf("person %d %s hand: %v", i, side, e.Err)
			}
			cam.Show(nil) // the hand leaves; the next is asked for
		}
		total += time.Since(start)
		cancel()
		wg.Wait()
	}
	sec := total.Seconds() / float64(b.N)
	b.ReportMetric(sec, "s/enrolment")
	b.ReportMetric(sec*fps, "frames/enrolment")
}

type noCodes struct{}

var errNoCode = errors.New("no code")

func (noCodes) Scan(*image.Gray) (string, error) { return "", errNoCode }

// cooperative is a person holding a hand as asked: near the nominal pose.
func cooperative(rng *rand.Rand) synth.Conditions {
	c := synth.Nominal
	c.Rotation, c.Scale = rng.Float64()*12-6, 0.95+rng.Float64()*0.1
	c.DX, c.DY, c.Seed = rng.NormFloat64()*8, rng.NormFloat64()*6, rng.Uint64()
	return c
}

// BenchmarkFailureToEnrol enrols the right and left hands of synthetic
// people with biometric/enroll as the desk does (3 captures, 300 attempts),
// each frame a fresh presentation drawn from synth.Variation (the range a
// reader sees: rotation ±20°, hover 0.85–1.15, off centre, spread, curl,
// light, noise, focus, some movement), and reports the failure-to-enrol
// rate and the frames an enrolment of one hand takes.
func BenchmarkFailureToEnrol(b *testing.B) {
	ext, err := features.NewExtractor()
	if err != nil {
		b.Fatal(err)
	}
	defer ext.Close()
	var hands, failed, frames int
	for i := range b.N {
		person := synth.NewPerson(uint64(5000 + i))
		rng := rand.New(rand.NewPCG(uint64(i), 11))
		for _, side := range []synth.Side{synth.Right, synth.Left} {
			s := enroll.New(enroll.Config{Captures: 3, MaxAttempts: 300}, ext, nil, "")
			hands++
			for {
				frames++
				step, err := s.Add(person.Hands[side].Capture(synth.Variation{}.Draw(rng)))
				if err != nil {
					failed++
					break
				}
				if step.Done {
					break
				}
			}
		}
	}
	b.ReportMetric(100*float64(failed)/float64(hands), "%fte")
	b.ReportMetric(float64(frames)/float64(hands), "frames/hand")
}
