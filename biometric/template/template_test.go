package template_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

// TestRoundTrip: a template is stored in the compact form, takes its
// mask and three bits a valid cell, and reads back the same, its coarse
// code rebuilt; an enrolment's outline rides after it.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	plain := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	enrolled := plain
	enrolled.Outline = []byte("PO\x01\x80an outline's bytes")
	for _, tm := range []template.Template{plain, enrolled} {
		b, err := tm.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if want := 4 + 128 + (3*tm.Valid()+7)/8 + len(tm.Outline); len(b) != want || b[2] != template.Compact {
			t.Fatalf("%d valid cells and %d of outline stored as form %d in %d bytes, want %d", tm.Valid(), len(tm.Outline), b[2], len(b), want)
		}
		var back template.Template
		if err := back.UnmarshalBinary(b); err != nil || !back.Equal(&tm) {
			t.Fatalf("round trip: %v", err)
		}
		if len(b) > len(tm.Outline) && len(tm.Outline) > 0 {
			b[len(b)-len(tm.Outline)] ^= 0xff
			if !back.Equal(&tm) {
				t.Fatal("the template read shares its outline with the bytes it was read from")
			}
		}
	}
}

// TestRefused: bytes that are no template, or a template of another
// version (version 4's forms among them), read as neither.
func TestRefused(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	good, _ := tm.MarshalBinary()
	// The first valid cell's planes set to 010, which is no orientation.
	var odd template.Template
	odd.Set(0, 0, 0)
	noOrientation, _ := odd.MarshalBinary()
	noOrientation[4+128] = 0b010
	set := func(b []byte, i int, v byte) []byte {
		b = append([]byte(nil), b...)
		b[i] = v
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, template.ErrFormat},
		{"not a template", []byte("PX\x06\x03"), template.ErrFormat},
		{"version 3", set(good, 2, 3), template.ErrVersion},
		{"version 4, form 4", set(good, 2, 4), template.ErrVersion},
		{"version 4, form 5 (with an outline)", set(good, 2, 5), template.ErrVersion},
		{"version 4, form 6 (compact)", set(good, 2, 6), template.ErrVersion},
		{"form 8", set(good, 2, 8), template.ErrVersion},
		{"nine planes", set(good, 3, 9), template.ErrFormat},
		{"compact, the mask cut short", good[:4+100], template.ErrFormat},
		{"compact, the code cut short", good[:4+128+10], template.ErrFormat},
		{"a cell holding no orientation", noOrientation, template.ErrFormat},
	} {
		var back template.Template
		if err := back.UnmarshalBinary(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Padding after the last cell's bits must be zero, so that a
	// template has one stored form.
	var one template.Template
	one.Set(5, 7, 3)
	b, _ := one.MarshalBinary()
	b[len(b)-1] |= 0x80
	var back template.Template
	if err := back.UnmarshalBinary(b); !errors.Is(err, template.ErrFormat) {
		t.Errorf("padding set: %v", err)
	}
}

func TestOrientationCode(t *testing.T) {
	var tm template.Template
	for o := range template.Orientations {
		tm.Set(0, o, o)
		if got, ok := tm.Orientation(0, o); !ok || got != o {
			t.Errorf("cell %d: orientation %d %v", o, got, ok)
		}
	}
	if _, ok := tm.Orientation(1, 0); ok {
		t.Error("an unset cell is valid")
	}
	if tm.Valid() != template.Orientations {
		t.Errorf("valid cells %d", tm.Valid())
	}
}

// FuzzUnmarshal: whatever is read writes back to the same bytes it was
// read from, which read the same again.
func FuzzUnmarshal(f *testing.F) {
	rng := rand.New(rand.NewPCG(4, 4))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	b, _ := tm.MarshalBinary()
	f.Add(b)
	tm.Outline = []byte("PO")
	b, _ = tm.MarshalBinary()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var v template.Template
		if v.UnmarshalBinary(b) != nil {
			return
		}
		again, _ := v.MarshalBinary()
		if string(again) != string(b) {
			t.Fatal("decode/encode changed the bytes")
		}
		var w template.Template
		if err := w.UnmarshalBinary(again); err != nil || !w.Equal(&v) {
			t.Fatalf("written again, read as another template: %v", err)
		}
	})
}

// BenchmarkUnmarshal: reading one stored template, as a reader loading
// its profiles does for every template (the coarse code is rebuilt).
func BenchmarkUnmarshal(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 5))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	stored, err := tm.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	var v template.Template
	for b.Loop() {
		if err := v.UnmarshalBinary(stored); err != nil {
			b.Fatal(err)
		}
	}
}
