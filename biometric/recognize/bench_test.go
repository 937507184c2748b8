package recognize

import (
	"fmt"
	"image"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// BenchmarkPresentation10k: the appliance's path through the Reader, one
// core, 10,000 people (two templates each) enrolled: a good frame of an
// enrolled palm in, the decision out (locating, the presentation-attack
// checks, coding at features.ProbeRotations, the search).
func BenchmarkPresentation10k(b *testing.B) {
	benchmarkPresentation(b, &flatTail, true, nil)
}

// BenchmarkPresentationCohort10k is BenchmarkPresentation10k with the
// frame's search scaled by its cohort (Config.Cohort, the shipped one):
// what the cohort's comparisons add to a decision.
func BenchmarkPresentationCohort10k(b *testing.B) {
	co, err := cohort.Templates()
	if err != nil {
		b.Fatal(err)
	}
	benchmarkPresentation(b, &flatTail, true, co)
}

// BenchmarkSecondLook10k is BenchmarkPresentation10k for a frame that
// needs the second look: the threshold is set below the enrolled palm's
// distance, so the first search, which comes within match.SecondLook of
// it, matches no one, and the frame is outlined, registered onto the
// enrolment's outline, cut, coded and compared again before it is
// decided unmatched.
func BenchmarkSecondLook10k(b *testing.B) {
	strict := match.Tail{Line: match.Calibration{Distance: 0.01, Z: -1.28, Slope: 1000}}
	benchmarkPresentation(b, &strict, false, nil)
}

func benchmarkPresentation(b *testing.B, tail *match.Tail, matched bool, co []template.Template) {
	me := palmtest.NewHand(3)
	g := enrolled(b, me)
	rng := rand.New(rand.NewPCG(5, 5))
	g.Reserve(20001)
	for i := range 10000 {
		id := templatetest.NewIdentity(rng)
		_ = g.Put(gallery.Person{ID: fmt.Sprint(i), Badge: "x", Templates: []template.Template{id.Capture(rng, 0.1, 1), id.Capture(rng, 0.1, 1)}})
	}
	r, err := New(Config{Tail: tail, Frames: 1, Cohort: co}, g)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	empty := image.NewGray(image.Rect(0, 0, 640, 480))
	frame := me.Render(palmtest.Pose{Deg: 9, Scale: 160, CX: 330, CY: 300}, 2)
	var took []time.Duration
	for b.Loop() {
		if _, err := r.Offer(empty); err != nil { // the hand leaves: a new presentation
			b.Fatal(err)
		}
		start := time.Now()
		out, err := r.Offer(frame)
		took = append(took, time.Since(start))
		if err != nil || !out.Decided || out.Result.Matched != matched || out.Result.ID != "me" {
			b.Fatalf("%+v %v", out, err)
		}
	}
	reportTimes(b, took)
}

// BenchmarkLook is what each template a search came near adds to a frame
// that takes the second look, one core: that template's stored outline
// decoded, the frame's outline registered onto it, the registered cut
// coded at RegisteredRotations and compared (lookAgain's loop, once).
// A frame that matches no one pays it for every template it came near:
// palmctl eval's "second looks" line says how many that is on a set.
func BenchmarkLook(b *testing.B) {
	me := palmtest.NewHand(3)
	g := enrolled(b, me)
	ext, err := features.NewExtractor()
	if err != nil {
		b.Fatal(err)
	}
	defer ext.Close()
	frame := me.Render(palmtest.Pose{Deg: 9, Scale: 160, CX: 330, CY: 300}, 2)
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		b.Fatalf("locating: %v %v", obs.Hints, err)
	}
	seen, err := palm.OutlineOf(frame, obs)
	if err != nil {
		b.Fatal(err)
	}
	probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil {
		b.Fatal(err)
	}
	s := g.Search(probe, gallery.Options{Threshold: 0.01})
	if !s.Near() {
		b.Fatalf("the search (%.3f) did not come near the enrolment", s.Result.Distance)
	}
	n := s.Nearby()[0]
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		var ref palm.Outline
		if err := ref.UnmarshalBinary(n.Outline); err != nil {
			b.Fatal(err)
		}
		p, ok, err := Registered(ext, &seen, ref, RegisteredRotations)
		if err != nil || !ok {
			b.Fatalf("registering: %v %v", ok, err)
		}
		if r := s.AgainAt(0, p); r.ID != "me" {
			b.Fatalf("looked again: %+v", r)
		}
		took = append(took, time.Since(start))
	}
	reportTimes(b, took)
}

// BenchmarkCohort is what the cohort adds to each frame's search, one
// core: the frame's probe aligned with each of the shipped cohort's
// templates as a search aligns them, and their mean and spread.
func BenchmarkCohort(b *testing.B) {
	co, err := cohort.Templates()
	if err != nil {
		b.Fatal(err)
	}
	ext, err := features.NewExtractor()
	if err != nil {
		b.Fatal(err)
	}
	defer ext.Close()
	frame := palmtest.NewHand(3).Render(palmtest.Pose{Deg: 9, Scale: 160, CX: 330, CY: 300}, 2)
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		b.Fatalf("locating: %v %v", obs.Hints, err)
	}
	probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil {
		b.Fatal(err)
	}
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if c := probe.Aligner().Cohort(co, cohortShift); c.Spread <= 0 {
			b.Fatalf("no cohort: %+v", c)
		}
		took = append(took, time.Since(start))
	}
	reportTimes(b, took)
}

// reportTimes reports the median and p95 of took, in place of ns/op:
// a mean hides the slow frames a user waits for.
func reportTimes(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/1e6, "median-ms")
	b.ReportMetric(float64(took[(len(took)-1)*95/100])/1e6, "p95-ms")
	b.ReportMetric(0, "ns/op")
}
