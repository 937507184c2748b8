package gallery

import (
	"fmt"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// TestShortlistKeepsMates: on captures of the wide population (rotated,
// small, closed, tilted, flexed, stretched), the coarse pass keeps a
// probe's own hand among the tenth of the gallery it shortlists for at
// least 90 % of probes (83 of 84 as written). The 8×8 summary it replaced
// kept 63 of 84: a block of 4×4 cells needed half its cells valid, and
// about half of a capture's cells carry no code.
func TestShortlistKeepsMates(t *testing.T) {
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	const people = 30
	g := New()
	var probes []match.Probe
	var owners []string
	for k := range people {
		person := synth.NewPersonIn(uint64(700+k), synth.Wide)
		var enrolled []template.Template
		var mine []match.Probe
		for c := range 5 {
			frame := person.Hands[0].Capture(synth.CaptureConditions(person, 0, c))
			obs, err := palm.NewLocator(palm.DefaultConfig).Locate(frame)
			if err != nil || obs.ROI == nil {
				continue
			}
			p, err := ext.Probe(obs.ROI, features.ProbeRotations)
			if err != nil {
				t.Fatal(err)
			}
			if c < 2 {
				enrolled = append(enrolled, *p.AsCut())
				continue
			}
			mine = append(mine, p)
		}
		if len(enrolled) == 0 {
			continue // failed to enrol
		}
		for _, p := range mine {
			probes = append(probes, p)
			owners = append(owners, fmt.Sprint(k))
		}
		if err := g.Put(Person{ID: fmt.Sprint(k), Templates: enrolled}); err != nil {
			t.Fatal(err)
		}
	}
	_, templates := g.Len()
	o := Options{Shortlist: templates / 10}
	kept := 0
	for i := range probes {
		for _, e := range g.shortlist(probes[i].Shortlisting(), o) {
			if g.people[g.entries[e].person].id == owners[i] {
				kept++
				break
			}
		}
	}
	t.Logf("own hand shortlisted for %d of %d probes (%d of %d templates kept)", kept, len(probes), o.Shortlist, templates)
	if len(probes) < 2*people || 10*kept < 9*len(probes) {
		t.Errorf("own hand shortlisted for %d of %d probes", kept, len(probes))
	}
}
