package palm

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

func BenchmarkLocate(b *testing.B) {
	img := palmtest.NewHand(1).Render(palmtest.Centred, 1)
	l := NewLocator(DefaultConfig)
	for b.Loop() {
		if obs, err := l.Locate(img); err != nil || !obs.Good() {
			b.Fatal(obs.Hints, err)
		}
	}
}

// BenchmarkLocateFingersCut: a frame whose fingers a dark band across
// their bases cut off the hand's blob, 4 pixels wide (the narrow bridge
// joins them) and 10 (the bridge across the gap does, bridgeGaps).
func BenchmarkLocateFingersCut(b *testing.B) {
	whole := palmtest.NewHand(3).Render(palmtest.Centred, 1)
	for _, px := range []float64{4, 10} {
		img := banded(whole, palmtest.Centred, 0.5, 0.5+px/palmtest.Centred.Scale)
		b.Run(fmt.Sprintf("band%.0fpx", px), func(b *testing.B) {
			l := NewLocator(DefaultConfig)
			for b.Loop() {
				if obs, err := l.Locate(img); err != nil || !obs.Good() {
					b.Fatal(obs.Hints, err)
				}
			}
		})
	}
}

// BenchmarkFrameToDecision10k: a 640×480 frame in, an identification
// against 10,000 people (two hands each) out, on one core: locate, cut the
// ROI, code it at features.ProbeRotations, search.
func BenchmarkFrameToDecision10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := gallery.New()
	g.Reserve(20001)
	for i := range 10000 {
		id := templatetest.NewIdentity(rng)
		_ = g.Put(gallery.Person{ID: fmt.Sprint(i), Badge: "x", Templates: []template.Template{id.Capture(rng, 0.1, 1), id.Capture(rng, 0.1, 1)}})
	}
	e, err := features.NewExtractor()
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	hand := palmtest.NewHand(3)
	enrolObs, _ := NewLocator(DefaultConfig).Locate(hand.Render(palmtest.Centred, 1))
	enrolled, _ := e.Template(enrolObs.ROI)
	_ = g.Put(gallery.Person{ID: "me", Badge: "12:3456", Templates: []template.Template{enrolled}})
	frame := hand.Render(palmtest.Pose{Deg: 9, Scale: 160, CX: 330, CY: 300}, 2)
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		obs, err := NewLocator(DefaultConfig).Locate(frame)
		if err != nil || !obs.Good() {
			b.Fatal(obs.Hints, err)
		}
		probe, err := e.Probe(obs.ROI, features.ProbeRotations) // as the reader codes a probe
		if err != nil {
			b.Fatal(err)
		}
		r := g.Identify(probe, gallery.Options{Threshold: 0.32, Shortlist: gallery.DefaultShortlist, Workers: 1})
		took = append(took, time.Since(start))
		if r.ID != "me" {
			b.Fatalf("identified %+v", r)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/1e6, "median-ms")
	b.ReportMetric(float64(took[(len(took)-1)*99/100])/1e6, "p99-ms")
}

// BenchmarkStack: what a presentation's later frame costs before it is
// coded: outlining it, registering it onto the first frame and cutting
// it on the first's patch (Stack.Add), and averaging the stack's ROI,
// here of three frames.
func BenchmarkStack(b *testing.B) {
	hand := palmtest.NewHand(4)
	frames := []*image.Gray{
		hand.Render(palmtest.Pose{Deg: 2, Scale: 150, CX: 320, CY: 300}, 1),
		hand.Render(palmtest.Pose{Deg: 2.8, Scale: 151, CX: 322, CY: 299}, 2),
		hand.Render(palmtest.Pose{Deg: 1.4, Scale: 150, CX: 319, CY: 301}, 3),
	}
	var obs []Observation
	for _, f := range frames {
		o, err := NewLocator(DefaultConfig).Locate(f)
		if err != nil || !o.Good() {
			b.Fatal(o.Hints, err)
		}
		obs = append(obs, o)
	}
	first, err := OutlineOf(frames[0], obs[0])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := NewStack(first, obs[0].ROI)
		if err != nil {
			b.Fatal(err)
		}
		for i := 1; i < len(frames); i++ {
			o, err := OutlineOf(frames[i], obs[i])
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Add(o, obs[i].ROI); err != nil {
				b.Fatal(err)
			}
			_ = s.ROI()
		}
	}
}
