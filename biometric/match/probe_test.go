package match

import (
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// TestProbeDistance: a probe's distance is its closest code's, wherever
// that code sits, and the capture as cut is the middle code.
func TestProbeDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	a, b := templatetest.NewIdentity(rng), templatetest.NewIdentity(rng)
	enrolled := a.Capture(rng, 0.1, 0)
	mate, other := a.Capture(rng, 0.1, 1), b.Capture(rng, 0.1, 1)
	want := Fine(&mate, &enrolled, 2)
	for _, tc := range []struct {
		name  string
		codes []template.Template
		want  float64
	}{
		{"mate first", []template.Template{mate, other, other}, want},
		{"mate last", []template.Template{other, other, mate}, want},
		{"no mate", []template.Template{other}, Fine(&other, &enrolled, 2)},
		{"no codes", nil, 1},
	} {
		p := Probe{Codes: tc.codes}
		if got := p.Distance(&enrolled, 2); got != tc.want {
			t.Errorf("%s: distance %.3f, want %.3f", tc.name, got, tc.want)
		}
	}
	if want > 0.2 || Fine(&other, &enrolled, 2) < 0.3 {
		t.Fatalf("the test's captures do not separate: mate %.3f", want)
	}
	p := Probe{Codes: []template.Template{other, mate, other}}
	if !p.AsCut().Equal(&mate) {
		t.Error("AsCut is not the middle code")
	}
}

// TestRefine: refinement compares the aligned code's neighbours at the
// alignment's shift plus their own, and never raises the distance.
func TestRefine(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	a, b := templatetest.NewIdentity(rng), templatetest.NewIdentity(rng)
	enrolled := a.Capture(rng, 0.1, 0)
	far := b.Capture(rng, 0.1, 0)
	p := Probe{Codes: []template.Template{b.Capture(rng, 0.1, 0), a.Capture(rng, 0.2, 1)}}
	at := p.Align(&enrolled, 2)
	if at.Code != 1 || at.Distance != Fine(&p.Codes[1], &enrolled, 2) {
		t.Fatalf("aligned at %+v, want code 1 at its fine distance", at)
	}
	for _, tc := range []struct {
		name string
		near [][]Nearby
		want float64
	}{
		{"no neighbours", nil, at.Distance},
		{"the enrolment at the alignment's shift undone", [][]Nearby{nil, {{Code: &enrolled, DX: -at.DX, DY: -at.DY}}}, 0},
		{"the enrolment one cell off", [][]Nearby{nil, {{Code: &enrolled, DX: 1 - at.DX, DY: -at.DY}}}, min(at.Distance, shifted(&enrolled, &enrolled, 1, 0))},
		{"another person's", [][]Nearby{nil, {{Code: &far}}}, at.Distance},
		{"the enrolment beside another code", [][]Nearby{{{Code: &enrolled, DX: -at.DX, DY: -at.DY}}, nil}, at.Distance},
	} {
		p.Near = tc.near
		if got := p.Refine(&enrolled, at); got != tc.want {
			t.Errorf("%s: refined %.3f, want %.3f", tc.name, got, tc.want)
		}
	}
}

// TestSecondLook: a comparison within SecondLook keeps the closest of
// the probe's tilted codes; one beyond it never looks at them.
func TestSecondLook(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	a, b := templatetest.NewIdentity(rng), templatetest.NewIdentity(rng)
	enrolled := a.Capture(rng, 0.1, 0)
	near, mate, other := a.Capture(rng, 0.25, 1), a.Capture(rng, 0.1, 1), b.Capture(rng, 0.1, 1)
	dNear, dMate, dOther := Fine(&near, &enrolled, 2), Fine(&mate, &enrolled, 2), Fine(&other, &enrolled, 2)
	if dNear >= SecondLook || dOther < SecondLook || dMate >= dNear {
		t.Fatalf("the test's captures lie at %.3f, %.3f and %.3f: not either side of %.2f", dMate, dNear, dOther, SecondLook)
	}
	look := func(codes ...template.Template) []Probe {
		var out []Probe
		for _, c := range codes {
			out = append(out, Probe{Codes: []template.Template{c}})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		codes  []template.Template
		tilted []Probe
		want   float64
	}{
		{"no second look", []template.Template{near}, nil, dNear},
		{"within it, the tilt that lies closest", []template.Template{near}, look(other, mate), dMate},
		{"within it, tilts no closer", []template.Template{mate}, look(other, near), dMate},
		{"beyond it, the tilts are not compared", []template.Template{other}, look(enrolled), dOther},
	} {
		p := Probe{Codes: tc.codes, Tilted: tc.tilted}
		al := p.Aligner()
		for round := range 2 { // the tilts' aligners are made once, then reused
			if got := al.Distance(&enrolled, 2); got != tc.want {
				t.Errorf("%s, comparison %d: distance %.3f, want %.3f", tc.name, round+1, got, tc.want)
			}
		}
		if got := p.Distance(&enrolled, 2); got != tc.want {
			t.Errorf("%s: Probe.Distance %.3f, want %.3f", tc.name, got, tc.want)
		}
	}
}

// TestOverlap: the cells a comparison rests on are those valid in both
// codes where the alignment's shift lays one on the other.
func TestOverlap(t *testing.T) {
	band := func(from, to int) template.Template {
		var b template.Template
		for r := from; r < to; r++ {
			for c := range template.Cols {
				b.Set(r, c, (r+c)%template.Orientations)
			}
		}
		return b
	}
	p := Probe{Codes: []template.Template{band(0, 10)}}
	a := p.Aligner()
	b := band(5, 20)
	for _, tc := range []struct {
		name string
		at   Alignment
		want int
	}{
		{"unshifted: rows 5–9", Alignment{}, 5 * template.Cols},
		{"two rows down: rows 3–9 on 5–11", Alignment{DY: 2}, 7 * template.Cols},
		{"three columns over", Alignment{DX: 3}, 5 * (template.Cols - 3)},
		{"beyond the bands", Alignment{DY: -10}, 0},
		{"no alignment", Alignment{Code: -1, Distance: 1}, 0},
	} {
		if got := a.Overlap(&b, tc.at); got != tc.want {
			t.Errorf("%s: %d cells, want %d", tc.name, got, tc.want)
		}
	}
}

// TestCompare: Compare is Distance, with the alignment Align finds.
func TestCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	a := templatetest.NewIdentity(rng)
	enrolled := a.Capture(rng, 0.1, 0)
	p := Probe{Codes: []template.Template{a.Capture(rng, 0.2, 1), a.Capture(rng, 0.1, 2)}}
	al := p.Aligner()
	d, at := al.Compare(&enrolled, 2)
	if want := p.Distance(&enrolled, 2); d != want {
		t.Errorf("Compare's distance %.4f, Distance's %.4f", d, want)
	}
	if want := p.Align(&enrolled, 2); at != want {
		t.Errorf("Compare aligned at %+v, Align at %+v", at, want)
	}
	if n := al.Overlap(&enrolled, at); n < MinOverlap {
		t.Errorf("a mated comparison at %.3f rests on %d cells", d, n)
	}
}
