package gallery

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// population enrols n synthetic people with two captures each and returns
// their identities for probing.
func population(t testing.TB, g *Gallery, rng *rand.Rand, n int) []*templatetest.Identity {
	ids := make([]*templatetest.Identity, n)
	for i := range ids {
		ids[i] = templatetest.NewIdentity(rng)
		p := Person{ID: fmt.Sprint("p", i), Badge: fmt.Sprint("12:", i), Templates: []template.Template{
			ids[i].Capture(rng, 0.15, 1), ids[i].Capture(rng, 0.15, 1),
		}}
		if err := g.Put(p); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

const threshold = 0.32

func TestIdentifyAndDelete(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	g := New()
	ids := population(t, g, rng, 500)
	if people, templates := g.Len(); people != 500 || templates != 1000 {
		t.Fatalf("Len = %d, %d", people, templates)
	}
	probe := match.Probe{Codes: []template.Template{ids[42].Capture(rng, 0.2, 2)}}
	r := g.Identify(probe, Options{Threshold: threshold, Shortlist: DefaultShortlist})
	if !r.Matched || r.ID != "p42" || r.Badge != "12:42" {
		t.Fatalf("probe of p42: %+v", r)
	}
	g.Delete("p42")
	r = g.Identify(probe, Options{Threshold: threshold, Shortlist: DefaultShortlist})
	if r.ID == "p42" || r.Matched {
		t.Fatalf("deleted person still matched: %+v", r)
	}
	if people, templates := g.Len(); people != 499 || templates != 998 {
		t.Fatalf("after delete Len = %d, %d", people, templates)
	}
	// Re-enrol into the freed slot.
	if err := g.Put(Person{ID: "p42", Badge: "12:4242", Templates: probe.Codes}); err != nil {
		t.Fatal(err)
	}
	if r := g.Identify(match.Probe{Codes: []template.Template{ids[42].Capture(rng, 0.2, 2)}}, Options{Threshold: threshold}); r.Badge != "12:4242" {
		t.Fatalf("after re-enrolment: %+v", r)
	}
	if err := g.Put(Person{ID: "empty"}); err == nil {
		t.Fatal("enrolled a person without templates")
	}
}

// TestShortlistKeepsAccuracy: the coarse-to-fine search misses no more
// genuine matches than exhaustive search, by more than 0.1 point.
func TestShortlistKeepsAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := New()
	ids := population(t, g, rng, 1000)
	const probes = 300
	missFast, missAll, falseFast := 0, 0, 0
	for i := range probes {
		want := fmt.Sprint("p", i*3)
		probe := match.Probe{Codes: []template.Template{ids[i*3].Capture(rng, 0.25, 2)}}
		fast := g.Identify(probe, Options{Threshold: threshold, Shortlist: DefaultShortlist, Workers: 2})
		all := g.Identify(probe, Options{Threshold: threshold})
		if !fast.Matched || fast.ID != want {
			missFast++
		}
		if !all.Matched || all.ID != want {
			missAll++
		}
		if fast.Matched && fast.ID != want {
			falseFast++
		}
	}
	fnirFast, fnirAll := float64(missFast)/probes, float64(missAll)/probes
	t.Logf("FNIR shortlist %.4f, exhaustive %.4f, wrong-person matches %d", fnirFast, fnirAll, falseFast)
	if fnirFast > fnirAll+0.001 || falseFast != 0 {
		t.Errorf("shortlist FNIR %.4f vs exhaustive %.4f; %d wrong matches", fnirFast, fnirAll, falseFast)
	}
}

func TestIdentifyOnEmpty(t *testing.T) {
	if r := New().Identify(match.Probe{}, Options{Threshold: threshold}); r.Matched {
		t.Fatal("matched in an empty gallery")
	}
}

// TestShortlistFromTheMiddleRotation: of a probe's rotations, the middle
// one (the capture as cut) picks the shortlist; an outer rotation that
// resembles nobody must not push the mate out of it.
func TestShortlistFromTheMiddleRotation(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	g := New()
	ids := population(t, g, rng, 500)
	stranger := templatetest.NewIdentity(rng)
	probe := match.Probe{Codes: []template.Template{stranger.Capture(rng, 0.2, 2), ids[7].Capture(rng, 0.2, 2), stranger.Capture(rng, 0.2, 2)}}
	r := g.Identify(probe, Options{Threshold: threshold, Shortlist: 5})
	if !r.Matched || r.ID != "p7" {
		t.Fatalf("the middle rotation's mate was not shortlisted: %+v", r)
	}
}

// TestSearchAgain: a second look compares its tilted probe with the
// templates the search came near, and finds what one search with the
// probe's codes and the tilt's side by side finds, without searching the
// gallery again: a closer coding of the same palm matches, a coding of
// someone the search did not come near changes nothing.
func TestSearchAgain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	g := New()
	ids := population(t, g, rng, 60)
	blurred := match.Probe{Codes: []template.Template{ids[7].Capture(rng, 0.3, 1)}}
	s := g.Search(blurred, Options{Threshold: 0.05})
	first := s.Result
	if first.Matched || first.ID != "p7" || first.Distance >= match.SecondLook || !s.Near() {
		t.Fatalf("first search %+v (near %v): want p7 within the second look, unmatched", first, s.Near())
	}
	clear := match.Probe{Codes: []template.Template{ids[7].Capture(rng, 0.05, 1)}}
	stranger := match.Probe{Codes: []template.Template{ids[8].Capture(rng, 0.05, 1)}}
	for _, tc := range []struct {
		name      string
		tilt      match.Probe
		threshold float64
		matched   bool
		closer    bool
	}{
		{"a closer coding matches", clear, first.Distance - 0.01, true, true},
		{"a closer coding still above the threshold", clear, 0.01, false, true},
		{"someone the search did not come near", stranger, first.Distance - 0.01, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Threshold: tc.threshold}
			s := g.Search(blurred, o)
			got := s.Again(tc.tilt)
			both := blurred
			both.Tilted = []match.Probe{tc.tilt}
			if want := g.Identify(both, o); got != want {
				t.Errorf("Again = %+v, one search with both codes = %+v", got, want)
			}
			if got.Matched != tc.matched || (got.Distance < first.Distance) != tc.closer || got.ID != "p7" {
				t.Errorf("Again = %+v after %+v", got, first)
			}
			if s.Result != got || s.Near() == got.Matched {
				t.Errorf("the search kept %+v, near %v, after Again gave %+v", s.Result, s.Near(), got)
			}
		})
	}
	if s := g.Search(clear, Options{Threshold: threshold}); !s.Result.Matched || s.Near() {
		t.Errorf("a matched search %+v says a second look may change it", s.Result)
	}
	if s := g.Search(match.Probe{Codes: []template.Template{templatetest.NewIdentity(rng).Capture(rng, 0, 0)}}, Options{Threshold: threshold}); s.Near() {
		t.Errorf("a stranger's search (%.3f) came near someone", s.Result.Distance)
	}
}

// TestSearchAgainAt: a look made for one near template is compared with
// that template alone, which Nearby names by person and place.
func TestSearchAgainAt(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 11))
	g := New()
	population(t, g, rng, 30)
	id := templatetest.NewIdentity(rng)
	enrolled := []template.Template{id.Capture(rng, 0.15, 1), id.Capture(rng, 0.15, 1)}
	enrolled[0].Outline, enrolled[1].Outline = []byte("outline 0"), []byte("outline 1")
	if err := g.Put(Person{ID: "me", Badge: "12:me", Templates: enrolled}); err != nil {
		t.Fatal(err)
	}
	blurred := match.Probe{Codes: []template.Template{id.Capture(rng, 0.3, 1)}}
	o := Options{Threshold: 0.05}
	s := g.Search(blurred, o)
	var mine []int
	for k, n := range s.Nearby() {
		if n.ID == "me" {
			mine = append(mine, k)
		}
	}
	if len(mine) != 2 || s.Result.Matched {
		t.Fatalf("the search came near %v (%+v): want both of my templates, unmatched", s.Nearby(), s.Result)
	}
	for _, k := range mine {
		n := s.Nearby()[k]
		if string(n.Outline) != string(enrolled[n.Template].Outline) {
			t.Errorf("template %d came with outline %q", n.Template, n.Outline)
		}
		exact := match.Probe{Codes: []template.Template{enrolled[n.Template]}}
		other := match.Probe{Codes: []template.Template{enrolled[1-n.Template]}}
		s := g.Search(blurred, o)
		if got := s.AgainAt(k, other); got.Distance == 0 {
			t.Errorf("template %d compared with a look made for template %d: %+v", n.Template, 1-n.Template, got)
		}
		if got := s.AgainAt(k, exact); !got.Matched || got.Distance != 0 || got.ID != "me" || got.Badge != "12:me" {
			t.Errorf("AgainAt(%d) with template %d itself = %+v", k, n.Template, got)
		}
		if got := s.AgainAt(len(s.Nearby()), exact); got != s.Result {
			t.Errorf("AgainAt past Nearby = %+v, the search holds %+v", got, s.Result)
		}
	}
}

// TestNearbyNearestFirst: the templates a search came near are listed
// nearest first, whatever order they were enrolled or shortlisted in, so
// that a second look that stops at the first match looks at the likeliest
// first.
func TestNearbyNearestFirst(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 12))
	g := New()
	population(t, g, rng, 30)
	id := templatetest.NewIdentity(rng)
	// Look-alikes enrolled from the farthest to the nearest.
	for i, noise := range []float64{0.2, 0.16, 0.12, 0.08, 0.04} {
		if err := g.Put(Person{ID: fmt.Sprint("twin", i), Badge: "x", Templates: []template.Template{id.Capture(rng, noise, 1)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, shortlist := range []int{0, 10} {
		s := g.Search(match.Probe{Codes: []template.Template{id.Capture(rng, 0.04, 1)}}, Options{Threshold: 0.01, Shortlist: shortlist})
		near := s.Nearby()
		if len(near) < 4 || s.Result.Matched {
			t.Fatalf("shortlist %d: the search came near %d templates (%+v), want the look-alikes, unmatched", shortlist, len(near), s.Result)
		}
		if near[0].ID != s.Result.ID || near[0].Distance != s.Result.Distance {
			t.Errorf("shortlist %d: nearest listed %s at %.3f, the search found %s at %.3f", shortlist, near[0].ID, near[0].Distance, s.Result.ID, s.Result.Distance)
		}
		if !slices.IsSortedFunc(near, func(a, b Near) int { return cmp.Compare(a.Distance, b.Distance) }) {
			t.Errorf("shortlist %d: not nearest first: %+v", shortlist, near)
		}
	}
}

// TestForgetClearsOutlines: the gallery keeps its own copy of an
// enrolment's outline and overwrites it when the person is deleted or
// the gallery cleared, so the bytes do not linger until collected.
func TestForgetClearsOutlines(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, forget := range []func(*Gallery){
		func(g *Gallery) { g.Delete("me") },
		func(g *Gallery) { g.Clear() },
	} {
		g := New()
		id := templatetest.NewIdentity(rng)
		enrolled := id.Capture(rng, 0.1, 1)
		enrolled.Outline = []byte("the hand's outline")
		if err := g.Put(Person{ID: "me", Templates: []template.Template{enrolled}}); err != nil {
			t.Fatal(err)
		}
		s := g.Search(match.Probe{Codes: []template.Template{id.Capture(rng, 0.25, 1)}}, Options{Threshold: 0.01})
		near := s.Nearby()
		if len(near) != 1 || string(near[0].Outline) != "the hand's outline" {
			t.Fatalf("the search came near %+v", near)
		}
		forget(g)
		if string(near[0].Outline) != string(make([]byte, len(near[0].Outline))) {
			t.Errorf("the outline still reads %q after the person was forgotten", near[0].Outline)
		}
		if string(enrolled.Outline) != "the hand's outline" {
			t.Errorf("forgetting overwrote the caller's outline: %q", enrolled.Outline)
		}
	}
}

// TestCohortScalesTheSearchNotTheLook: a cohort scales the search's best
// distance into its Score, which the threshold decides; a second look's
// distance counts where it lowers the best distance, unscaled, and takes
// the Score only where it is lower still.
func TestCohortScalesTheSearchNotTheLook(t *testing.T) {
	rng := rand.New(rand.NewPCG(38, 1))
	g := New()
	ids := population(t, g, rng, 30)
	blurred := match.Probe{Codes: []template.Template{ids[3].Capture(rng, 0.3, 1)}}
	plain := g.Search(blurred, Options{Threshold: 1}).Result
	if plain.Score != plain.Distance || plain.ID != "p3" {
		t.Fatalf("a search without a cohort: %+v", plain)
	}
	near := match.Cohort{Mean: 0.325, Spread: 0.023} // a poor capture: near everyone
	th := plain.Distance + 0.05
	if r := g.Search(blurred, Options{Threshold: th}).Result; !r.Matched {
		t.Fatalf("without a cohort %+v does not match at %.3f", r, th)
	}
	s := g.Search(blurred, Options{Threshold: th, Cohort: near})
	if r := s.Result; r.Distance != plain.Distance || r.Score != near.Scaled(plain.Distance) || r.Matched || r.ID != "p3" {
		t.Fatalf("scaled search %+v: want distance %.4f scored %.4f, unmatched", r, plain.Distance, near.Scaled(plain.Distance))
	}

	far := match.Cohort{Mean: 0.525, Spread: 0.023} // scores below the distance
	other := &nearTemplate{id: "other", badge: "12:other"}
	for _, tc := range []struct {
		name            string
		cohort          match.Cohort
		look            float64
		distance, score float64
		id              string
	}{
		{"a look that does not lower the distance", near, plain.Distance + 0.01, plain.Distance, near.Scaled(plain.Distance), "p3"},
		{"a look below the distance, above the score", far, plain.Distance - 0.01, plain.Distance - 0.01, far.Scaled(plain.Distance), "p3"},
		{"a look below the score", near, plain.Distance - 0.01, plain.Distance - 0.01, plain.Distance - 0.01, "other"},
	} {
		s := g.Search(blurred, Options{Threshold: tc.score + 1e-9, Cohort: tc.cohort})
		s.looked(tc.look, other)
		r := s.Result
		if r.Distance != tc.distance || r.Score != tc.score || r.ID != tc.id || !r.Matched {
			t.Errorf("%s: %+v, want distance %.4f score %.4f by %s, matched", tc.name, r, tc.distance, tc.score, tc.id)
		}
	}
}
