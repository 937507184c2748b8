package enroll

import (
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/synth"
)

// TestHandFitsTwoKiB: a hand enrolled from three captures, each template
// stored with its outline, takes at most 2 KiB (issue 16's budget), on
// hands of the wide population; the median and largest are logged.
func TestHandFitsTwoKiB(t *testing.T) {
	e := extractor(t)
	var sizes, valid []int
	for k := range 12 {
		person := synth.NewPersonIn(uint64(500+k), synth.Wide)
		s := New(Config{Captures: 3}, e, nil, "me")
		for c := 0; c < 12 && len(s.Templates()) == 0; c++ {
			if _, err := s.Add(person.Hands[k%2].Capture(synth.CaptureConditions(person, k%2, c))); err != nil {
				t.Fatalf("hand %d, capture %d: %v", k, c, err)
			}
		}
		if len(s.Templates()) == 0 {
			continue
		}
		size := 0
		for _, tm := range s.Templates() {
			if len(tm.Outline) == 0 {
				t.Errorf("hand %d: a template without its outline", k)
			}
			b, err := tm.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			size += len(b)
			valid = append(valid, tm.Valid())
		}
		sizes = append(sizes, size)
	}
	if len(sizes) < 9 {
		t.Fatalf("%d of 12 hands enrolled", len(sizes))
	}
	slices.Sort(sizes)
	slices.Sort(valid)
	t.Logf("a hand of three captures: median %d bytes, largest %d, of %d hands; valid cells a template: median %d of 1,024", sizes[len(sizes)/2], sizes[len(sizes)-1], len(sizes), valid[len(valid)/2])
	if largest := sizes[len(sizes)-1]; largest > 2048 {
		t.Errorf("a hand takes %d bytes", largest)
	}
}
