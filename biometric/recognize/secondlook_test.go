package recognize

import (
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// tiltedNear finds a wide hand whose palm, tilted towards the camera,
// its first search brings within match.SecondLook of its enrolment
// ("me" in g, enrolled with its outline) and the second look (the
// capture registered onto that outline) brings closer by 0.02 or more:
// frame is the tilted capture, first and looked its two distances, ext
// the filter bank that coded them (closed when the test ends); legacy
// is g with the template stored without its outline, as templates
// enrolled before outlines were kept are.
func tiltedNear(t *testing.T) (ext *features.Extractor, g, legacy *gallery.Gallery, frame *image.Gray, first, looked float64) {
	t.Helper()
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ext.Close() })
	for k := range 8 {
		person := synth.NewPersonIn(uint64(700+k), synth.Wide)
		h := person.Hands[0]
		enrol := synth.CaptureConditions(person, 0, 0)
		enrolment := h.Capture(enrol)
		g, ok := enrolledFrom(t, ext, enrolment)
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
		s := g.Search(probe, gallery.Options{})
		first := s.Result.Distance
		near := s.Nearby()
		if len(near) != 1 {
			continue
		}
		var ref palm.Outline
		if err := ref.UnmarshalBinary(near[0].Outline); err != nil {
			t.Fatal(err)
		}
		seen, err := palm.OutlineOf(frame, obs)
		if err != nil {
			continue
		}
		p, ok, err := Registered(ext, &seen, ref, RegisteredRotations)
		if err != nil || !ok {
			continue
		}
		looked := s.AgainAt(0, p).Distance
		if first < match.SecondLook && looked < first-0.02 {
			return ext, g, withoutOutline(t, ext, enrolment), frame, first, looked
		}
	}
	t.Fatal("no hand of 8 whose tilt the outline registration recovers")
	return nil, nil, nil, nil, 0, 0
}

// withoutOutline is enrolledFrom's gallery with its template stored
// without the outline.
func withoutOutline(t *testing.T, ext *features.Extractor, frame *image.Gray) *gallery.Gallery {
	t.Helper()
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("the enrolment frame located once and not again: %v", err)
	}
	tpl, err := ext.Template(obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	g := gallery.New()
	if err := g.Put(gallery.Person{ID: "me", Badge: "1:2", Templates: []template.Template{tpl}}); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestOfferLooksAgain: a tilted palm that its first search brings near
// its enrolment but not below the threshold is matched by the second
// look; with the threshold below the second look's distance too, or
// with a template enrolled before outlines were kept, the presentation
// is decided unmatched.
func TestOfferLooksAgain(t *testing.T) {
	_, g, legacy, frame, first, looked := tiltedNear(t)
	for _, tc := range []struct {
		name      string
		gallery   *gallery.Gallery
		threshold float64
		matched   bool
	}{
		{"threshold between the two searches", g, (first + looked) / 2, true},
		{"threshold below both", g, looked - 0.01, false},
		{"enrolled without an outline", legacy, (first + looked) / 2, false},
	} {
		out := offerOnce(t, tc.gallery, tc.threshold, frame)
		if !out.Decided || out.Result.Matched != tc.matched || (tc.matched && out.Result.ID != "me") {
			t.Errorf("%s (%.3f; first search %.3f, second look %.3f): %+v", tc.name, tc.threshold, first, looked, out)
		}
	}
}

// offerOnce offers frame to a Reader of g that matches below threshold
// and decides from one frame.
func offerOnce(t *testing.T, g *gallery.Gallery, threshold float64, frame *image.Gray) Outcome {
	t.Helper()
	tail := match.Tail{Line: match.Calibration{Distance: threshold, Z: -1.28, Slope: 1e6}}
	r, err := New(Config{Tail: &tail, Frames: 1}, g)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := r.Offer(frame)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEnrolLooksAgain: enrolling someone else's palm held tilted is a
// duplicate when the reader's second look brings it below the duplicate
// threshold, though its first search does not; an enrolment session
// without the second look takes it as a new palm.
func TestEnrolLooksAgain(t *testing.T) {
	ext, g, _, frame, first, looked := tiltedNear(t)
	r, err := New(Config{}, g)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, tc := range []struct {
		name      string
		session   *enroll.Session
		duplicate bool
	}{
		{"the reader's session, threshold between the two searches", r.Enrol(enroll.Config{Captures: 1, Threshold: (first + looked) / 2}, "bob"), true},
		{"the reader's session, threshold below both", r.Enrol(enroll.Config{Captures: 1, Threshold: looked - 0.01}, "bob"), false},
		{"a session without the second look", enroll.New(enroll.Config{Captures: 1, Threshold: (first + looked) / 2}, ext, g, "bob"), false},
		{"the reader's session, the palm's own person", r.Enrol(enroll.Config{Captures: 1, Threshold: (first + looked) / 2}, "me"), false},
	} {
		step, err := tc.session.Add(frame)
		if got := errors.Is(err, enroll.ErrDuplicate); got != tc.duplicate || (!tc.duplicate && (err != nil || !step.Done)) {
			t.Errorf("%s (first search %.3f, second look %.3f): %+v, %v", tc.name, first, looked, step, err)
		}
	}
}

// TestSecondLookBounded: a frame is looked at again for at most MaxLooks
// of the templates its search came near, the nearest first. Decoys
// nearer than the palm's own enrolment (its own code with some cells
// scrambled, kept with an outline, so each costs a look that matches
// nothing) push the enrolment down the list: with MaxLooks-1 of them the
// look still reaches it and the palm matches; with MaxLooks it does not.
func TestSecondLookBounded(t *testing.T) {
	for _, tc := range []struct {
		decoys  int
		matched bool
	}{{MaxLooks - 1, true}, {MaxLooks, false}} {
		ext, g, _, frame, first, looked := tiltedNear(t)
		threshold := (first + looked) / 2
		for i, d := range decoys(t, ext, g, frame, threshold, first, tc.decoys) {
			if err := g.Put(gallery.Person{ID: fmt.Sprint("decoy", i), Badge: "9:9", Templates: []template.Template{d}}); err != nil {
				t.Fatal(err)
			}
		}
		out := offerOnce(t, g, threshold, frame)
		if !out.Decided || out.Result.Matched != tc.matched || (tc.matched && out.Result.ID != "me") {
			t.Errorf("%d decoys nearer than the enrolment (%.3f, looked %.3f, threshold %.3f): %+v", tc.decoys, first, looked, threshold, out)
		}
	}
}

// decoys are n templates that frame's search finds between above and
// below (exclusive), nearer than its own enrolment in g: frame's own code
// with cells scrambled, each kept with the enrolment's outline.
func decoys(t *testing.T, ext *features.Extractor, g *gallery.Gallery, frame *image.Gray, above, below float64, n int) []template.Template {
	t.Helper()
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
	if err != nil || !obs.Good() {
		t.Fatalf("locating: %v %v", obs.Hints, err)
	}
	own, err := ext.Template(obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	probe, err := ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil {
		t.Fatal(err)
	}
	outline := g.Search(probe, gallery.Options{}).Nearby()[0].Outline
	rng := rand.New(rand.NewPCG(3, 3))
	var out []template.Template
	for try := 0; len(out) < n; try++ {
		if try == 2000 {
			t.Fatalf("%d of %d decoys between %.3f and %.3f", len(out), n, above, below)
		}
		d := own
		scramble := 0.02 * float64(try%40+1) // more cells until the distance is in range
		for r := range template.Rows {
			for c := range template.Cols {
				if _, ok := d.Orientation(r, c); ok && rng.Float64() < scramble {
					d.Set(r, c, rng.IntN(template.Orientations))
				}
			}
		}
		d.Summarise()
		if dist := probe.Distance(&d, 2); dist > above && dist < below {
			d.Outline = outline
			out = append(out, d)
		}
	}
	return out
}
