package recognize

import (
	"errors"
	"image"
	"math"
	"testing"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/template"
)

// flatTail puts every rate's threshold near 0.25, so the test does not
// depend on the shipped measurement.
var flatTail = match.Tail{Line: match.Calibration{Distance: 0.25, Z: -1.28, Slope: 1000}}

func enrolled(t testing.TB, h palmtest.Hand) *gallery.Gallery {
	t.Helper()
	e, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	g, ok := enrolledFrom(t, e, h.Render(palmtest.Centred, 1))
	if !ok {
		t.Fatal("the enrolment frame is not good enough to enrol")
	}
	return g
}

// enrolledFrom is a gallery of one person, "me" with badge 1:2, enrolled
// from frame; false if frame's palm is not good enough to enrol.
func enrolledFrom(t testing.TB, ext *features.Extractor, frame *image.Gray) (*gallery.Gallery, bool) {
	t.Helper()
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		return nil, false
	}
	tpl, err := ext.Template(obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	o, err := palm.OutlineOf(frame, obs)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Outline, err = o.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	g := gallery.New()
	if err := g.Put(gallery.Person{ID: "me", Badge: "1:2", Templates: []template.Template{tpl}}); err != nil {
		t.Fatal(err)
	}
	return g, true
}

func TestPresentation(t *testing.T) {
	me, stranger := palmtest.NewHand(3), palmtest.NewHand(4)
	r, err := New(Config{Tail: &flatTail, Frames: 2}, enrolled(t, me))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	empty := image.NewGray(image.Rect(0, 0, 640, 480))
	pose := palmtest.Pose{Deg: 6, Scale: 155, CX: 325, CY: 300}
	steps := []struct {
		name          string
		frame         *image.Gray
		hint, decided bool
		matched       bool
	}{
		{"no hand", empty, true, false, false},
		{"the enrolled palm", me.Render(pose, 2), false, true, true},
		{"still there: decided already", me.Render(pose, 3), false, false, false},
		{"gone", empty, true, false, false},
		{"a stranger, first frame", stranger.Render(pose, 4), false, false, false},
		{"a stranger, second frame", stranger.Render(pose, 5), false, true, false},
	}
	for _, s := range steps {
		out, err := r.Offer(s.frame)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if (len(out.Hints) > 0) != s.hint || out.Decided != s.decided || out.Result.Matched != s.matched {
			t.Errorf("%s: %+v", s.name, out)
		}
		if s.matched && out.Result.Badge != "1:2" {
			t.Errorf("%s: badge %q", s.name, out.Result.Badge)
		}
	}
}

func TestThresholdSharesTheRate(t *testing.T) {
	tail := match.Tail{Line: match.Calibration{Distance: 0.2, Z: -4, Slope: 20}}
	one, three := Threshold(tail, 1e-9, 1), Threshold(tail, 1e-9, 3)
	if !(three < one) || math.Abs(three-tail.Threshold(1e-9/3)) > 1e-12 {
		t.Errorf("three frames %.4f, one %.4f", three, one)
	}
	if _, err := New(Config{}, nil); err == nil {
		t.Error("a reader without a gallery")
	}
}

// TestFalsePositiveRateFollowsTheGallery: a per-search rate gives a
// stricter threshold as the gallery grows.
func TestFalsePositiveRateFollowsTheGallery(t *testing.T) {
	tail := match.Tail{Line: match.Calibration{Distance: 0.2, Z: -4, Slope: 20}}
	g := gallery.New()
	r, err := New(Config{Tail: &tail, FalsePositiveRate: 1e-4, Frames: 2}, g)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var one template.Template
	one.Set(0, 0, 1)
	_ = g.Put(gallery.Person{ID: "a", Templates: []template.Template{one}})
	small := r.Threshold()
	if want := tail.Threshold(1e-4 / 2); math.Abs(small-want) > 1e-12 {
		t.Errorf("one template, two frames: %.4f, want %.4f", small, want)
	}
	for i := range 999 {
		_ = g.Put(gallery.Person{ID: string(rune('b' + i)), Templates: []template.Template{one}})
	}
	if large := r.Threshold(); !(large < small) {
		t.Errorf("1,000 templates: %.4f, one: %.4f", large, small)
	}
}

// TestCohortScalesTheFrame: with a cohort a frame's decision is its
// search's distance scaled by the frame's own cohort, computed here
// independently from the cohort's templates; a cohort without the tail
// of its scores is refused.
func TestCohortScalesTheFrame(t *testing.T) {
	co, err := cohort.Templates()
	if err != nil {
		t.Fatal(err)
	}
	me := palmtest.NewHand(3)
	if _, err := New(Config{Cohort: co}, enrolled(t, me)); !errors.Is(err, ErrCohortTail) {
		t.Fatalf("a cohort at the default tail: %v", err)
	}
	r, err := New(Config{Tail: &flatTail, Cohort: co}, enrolled(t, me))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	frame := me.Render(palmtest.Pose{Deg: 6, Scale: 155, CX: 325, CY: 300}, 2)
	out, err := r.Offer(frame)
	if err != nil || !out.Decided {
		t.Fatalf("the enrolled palm: %+v, %v", out, err)
	}

	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("frame not located: %v", err)
	}
	probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil {
		t.Fatal(err)
	}
	var d []float64
	for i := range co {
		d = append(d, probe.Distance(&co[i], 2))
	}
	own := match.NewCohort(d)
	if res := out.Result; res.Score != own.Scaled(res.Distance) || res.Score == res.Distance || res.Matched != (res.Score < r.Threshold()) {
		t.Errorf("decision %+v: want its distance scaled by the frame's cohort %+v to %.4f", res, own, own.Scaled(res.Distance))
	}
}
