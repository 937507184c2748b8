package template_test

import (
	"encoding/binary"
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

// TestOlderForms: templates stored in forms 4 and 5 (every cell's
// planes, the mask and the coarse code) still read, to the same template
// as the compact form.
func TestOlderForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	var back template.Template
	if err := back.UnmarshalBinary(fullForm(&tm, template.Version)); err != nil || !back.Equal(&tm) {
		t.Fatalf("form 4: %v", err)
	}
	tm.Outline = []byte("PO\x01\x80")
	if err := back.UnmarshalBinary(fullForm(&tm, template.WithOutline)); err != nil || !back.Equal(&tm) {
		t.Fatalf("form 5: %v", err)
	}
	// A form 4 template's planes of invalid cells are never compared:
	// they are dropped on reading, as the compact form drops them.
	junk := tm
	junk.Outline = nil
	for r := range template.Rows {
		junk.Code[0][r] |= ^junk.Mask[r]
	}
	if err := back.UnmarshalBinary(fullForm(&junk, template.Version)); err != nil || back.Code != tm.Code {
		t.Fatalf("form 4 with planes set in invalid cells: %v", err)
	}
}

// fullForm writes t as forms 4 and 5 were written.
func fullForm(t *template.Template, form byte) []byte {
	b := []byte{'P', 'T', form, template.Planes}
	for p := range template.Planes {
		for _, row := range t.Code[p] {
			b = binary.LittleEndian.AppendUint32(b, row)
		}
	}
	for _, row := range t.Mask {
		b = binary.LittleEndian.AppendUint32(b, row)
	}
	// The coarse code's 32 bytes, which reading ignores (it rebuilds
	// the summary): forms 4 and 5 summarised 8×8 blocks.
	b = append(b, make([]byte, 32)...)
	return append(b, t.Outline...)
}

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
	full := fullForm(&tm, template.Version)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, template.ErrFormat},
		{"not a template", []byte("PX\x06\x03"), template.ErrFormat},
		{"version 3", set(full, 2, 3), template.ErrVersion},
		{"version 7", set(good, 2, 7), template.ErrVersion},
		{"nine planes", set(good, 3, 9), template.ErrFormat},
		{"compact, the mask cut short", good[:4+100], template.ErrFormat},
		{"compact, the code cut short", good[:4+128+10], template.ErrFormat},
		{"a cell holding no orientation", noOrientation, template.ErrFormat},
		{"form 4 with bytes after it", append(full, 1, 2, 3), template.ErrFormat},
		{"form 4 cut short", full[:len(full)-1], template.ErrFormat},
		{"form 5 without an outline", set(full, 2, template.WithOutline), template.ErrFormat},
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

// FuzzUnmarshal: whatever is read writes back to the same compact bytes
// it was read from, or, from an older form, to bytes that read the same.
func FuzzUnmarshal(f *testing.F) {
	rng := rand.New(rand.NewPCG(4, 4))
	tm := templatetest.NewIdentity(rng).Capture(rng, 0.1, 2)
	b, _ := tm.MarshalBinary()
	f.Add(b)
	f.Add(fullForm(&tm, template.Version))
	tm.Outline = []byte("PO")
	b, _ = tm.MarshalBinary()
	f.Add(b)
	f.Add(fullForm(&tm, template.WithOutline))
	f.Fuzz(func(t *testing.T, b []byte) {
		var v template.Template
		if v.UnmarshalBinary(b) != nil {
			return
		}
		again, _ := v.MarshalBinary()
		if b[2] == template.Compact && string(again) != string(b) {
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
	for _, form := range []struct {
		name string
		b    []byte
	}{{"compact", must(tm.MarshalBinary())}, {"form4", fullForm(&tm, template.Version)}} {
		b.Run(form.name, func(b *testing.B) {
			var v template.Template
			for b.Loop() {
				if err := v.UnmarshalBinary(form.b); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
