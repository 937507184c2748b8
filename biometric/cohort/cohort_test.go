package cohort

import (
	"context"
	"errors"
	"testing"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
)

// TestShippedCohort: the shipped file decodes to CohortSize templates, each
// with the cells enrolment asks for, no outline, and no two alike.
func TestShippedCohort(t *testing.T) {
	ts, err := Templates()
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != match.CohortSize {
		t.Fatalf("%d templates shipped, want %d", len(ts), match.CohortSize)
	}
	for i := range ts {
		if v := ts[i].Valid(); v < enroll.MinValid {
			t.Errorf("template %d has %d valid cells, below enrolment's %d", i, v, enroll.MinValid)
		}
		if ts[i].Outline != nil {
			t.Errorf("template %d carries an outline", i)
		}
		if i > 0 && ts[i].Equal(&ts[i-1]) {
			t.Errorf("templates %d and %d are the same", i-1, i)
		}
	}
}

// TestShippedCohortIsGenerated: the shipped cohort is what Generate codes
// with this pipeline. It fails when the codes change and cohort.bin was
// not made again (palmctl cohort --out biometric/cohort/cohort.bin).
func TestShippedCohortIsGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and codes hands")
	}
	ts, err := Templates()
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Generate(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fresh {
		if !fresh[i].Equal(&ts[i]) {
			t.Fatalf("template %d differs from a fresh Generate: make cohort.bin again", i)
		}
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	ts, err := Templates()
	if err != nil {
		t.Fatal(err)
	}
	good, err := Marshal(ts[:2])
	if err != nil {
		t.Fatal(err)
	}
	back, err := Unmarshal(good)
	if err != nil || len(back) != 2 || !back[1].Equal(&ts[1]) {
		t.Fatalf("round trip: %d templates, %v", len(back), err)
	}
	otherVersion := append([]byte(nil), good...)
	otherVersion[len(magic)+2+2+2] = 6 // the first template's form byte
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"not a cohort", []byte("PT\x07\x03 and more"), ErrFormat},
		{"truncated", good[:len(good)-5], ErrFormat},
		{"count beyond the bytes", good[:len(magic)+2], ErrFormat},
		{"trailing bytes", append(append([]byte(nil), good...), 0), ErrFormat},
		{"another version", otherVersion, template.ErrVersion},
	} {
		if _, err := Unmarshal(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	ts, err := Templates()
	if err != nil {
		f.Fatal(err)
	}
	good, err := Marshal(ts[:3])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("PCOH\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := Unmarshal(b)
		if err != nil {
			return
		}
		again, err := Marshal(ts)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Unmarshal(again)
		if err != nil || len(back) != len(ts) {
			t.Fatalf("a decoded cohort does not decode again: %v", err)
		}
	})
}
