package template_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
)

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	b, err := tm.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != template.Size || len(b) > 2048 {
		t.Fatalf("template is %d bytes", len(b))
	}
	var back template.Template
	if err := back.UnmarshalBinary(b); err != nil || !back.Equal(&tm) {
		t.Fatalf("round trip: %v", err)
	}
	b[2] = template.Version - 1
	if err := back.UnmarshalBinary(b); !errors.Is(err, template.ErrVersion) {
		t.Fatalf("a version %d template: %v", b[2], err)
	}
	b[2], b[3] = template.Version, 9
	if err := back.UnmarshalBinary(b); !errors.Is(err, template.ErrFormat) {
		t.Fatalf("9 planes accepted: %v", err)
	}
}

// TestWithOutline: an enrolment's outline is stored after the code, as
// version WithOutline; a template without one stays version 4, so that
// templates stored before outlines still read.
func TestWithOutline(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	plain := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	enrolled := plain
	enrolled.Outline = []byte("PO\x01\x80an outline's bytes")
	b, err := enrolled.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != template.Size+len(enrolled.Outline) || b[2] != template.WithOutline {
		t.Fatalf("stored with its outline: %d bytes, version %d", len(b), b[2])
	}
	var back template.Template
	if err := back.UnmarshalBinary(b); err != nil || !back.Equal(&enrolled) {
		t.Fatalf("round trip with the outline: %v", err)
	}
	b[template.Size] ^= 0xff
	if enrolled.Outline[0] == b[template.Size] || !back.Equal(&enrolled) {
		t.Fatal("the template read shares its outline with the bytes it was read from")
	}
	p, _ := plain.MarshalBinary()
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"version 4 with bytes after it", append(p, 1, 2, 3), template.ErrFormat},
		{"version 5 without an outline", append([]byte{'P', 'T', template.WithOutline}, p[3:]...), template.ErrFormat},
		{"version 6", append([]byte{'P', 'T', 6}, b[3:]...), template.ErrVersion},
		{"short", p[:template.Size-1], template.ErrFormat},
	} {
		if err := back.UnmarshalBinary(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
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

func FuzzUnmarshal(f *testing.F) {
	var tm template.Template
	tm.Set(3, 4, 2)
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
	})
}
