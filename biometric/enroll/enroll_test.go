package enroll

import (
	"errors"
	"image"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
)

func extractor(t *testing.T) *features.Extractor {
	e, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEnrolFromGoodFramesOnly(t *testing.T) {
	e := extractor(t)
	s := New(Config{Captures: 3}, e, nil, "me")
	hand := palmtest.NewHand(10)
	closed := hand
	closed.FingerGap = 0
	still := palmtest.Pose{Deg: 3, Scale: 151, CX: 321, CY: 300}
	frames := []*image.Gray{
		image.NewGray(image.Rect(0, 0, 640, 480)),        // nothing there
		closed.Render(palmtest.Centred, 1),               // fingers closed: a hint
		hand.Render(palmtest.Centred, 2),                 // moved in: "moving"
		hand.Render(palmtest.Centred, 3),                 // still: good
		hand.Render(still, 4),                            // good
		palmtest.NewHand(11).Render(palmtest.Centred, 5), // another hand: disagrees
		hand.Render(still, 6),                            // good
	}
	var last Step
	for i, f := range frames {
		step, err := s.Add(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		last = step
	}
	if !last.Done || len(s.Templates()) != 3 {
		t.Fatalf("after %d frames: %+v, %d templates", len(frames), last, len(s.Templates()))
	}
	for i, tm := range s.Templates() {
		var o palm.Outline
		if err := o.UnmarshalBinary(tm.Outline); err != nil {
			t.Errorf("template %d: its outline (%d bytes): %v", i, len(tm.Outline), err)
		}
	}
}

func TestFailureToEnrol(t *testing.T) {
	s := New(Config{Captures: 2, MaxAttempts: 3}, extractor(t), nil, "me")
	empty := image.NewGray(image.Rect(0, 0, 640, 480))
	var err error
	for range 3 {
		_, err = s.Add(empty)
	}
	if !errors.Is(err, ErrFailedToEnrol) || s.Templates() != nil {
		t.Fatalf("err %v", err)
	}
}

func TestDuplicate(t *testing.T) {
	e := extractor(t)
	hand := palmtest.NewHand(33)
	first := New(Config{Captures: 1}, e, nil, "alice")
	if step, err := first.Add(hand.Render(palmtest.Centred, 1)); err != nil || !step.Done {
		t.Fatalf("alice: %+v %v", step, err)
	}
	g := gallery.New()
	if err := g.Put(gallery.Person{ID: "alice", Badge: "1:1", Templates: first.Templates()}); err != nil {
		t.Fatal(err)
	}
	bob := New(Config{Captures: 1, Threshold: 0.32}, e, g, "bob")
	if _, err := bob.Add(hand.Render(palmtest.Pose{Deg: 6, Scale: 155, CX: 325, CY: 298}, 2)); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("alice's palm enrolled for bob: %v", err)
	}
	again := New(Config{Captures: 1, Threshold: 0.32}, e, g, "alice")
	if _, err := again.Add(hand.Render(palmtest.Centred, 3)); err != nil {
		t.Fatalf("alice re-enrolling: %v", err)
	}
}
