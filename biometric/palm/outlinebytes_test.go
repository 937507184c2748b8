package palm

import (
	"bytes"
	"compress/flate"
	"errors"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/synth"
)

// TestOutlineBytes: enrolment captures of wide-population hands stored
// and read back give the same outline, sample for sample, and a capture
// registers onto the one read back as onto the original; the stored
// bytes stay small (their median and largest are logged).
func TestOutlineBytes(t *testing.T) {
	var sizes []int
	for k := range 24 {
		person := synth.NewPersonIn(uint64(300+k), synth.Wide)
		frame := person.Hands[k%2].Capture(synth.CaptureConditions(person, k%2, 0))
		obs, err := NewLocator(DefaultConfig).Locate(frame)
		if err != nil || obs.ROI == nil {
			continue
		}
		o, err := OutlineOf(frame, obs)
		if err != nil {
			t.Fatal(err)
		}
		b, err := o.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(b))
		var back Outline
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("hand %d: reading back %d bytes: %v", k, len(b), err)
		}
		if !slices.Equal(back.raw, o.raw) || !slices.Equal(back.Pix, o.Pix) {
			t.Fatalf("hand %d: the outline read back differs from the one stored", k)
		}
		again, err := OutlineOf(person.Hands[k%2].Capture(synth.CaptureConditions(person, k%2, 1)), obs)
		if err != nil {
			continue
		}
		h1, cc1, err1 := again.Register(o)
		h2, cc2, err2 := again.Register(back)
		if err1 != nil || err2 != nil || h1 != h2 || cc1 != cc2 {
			t.Errorf("hand %d: registered onto the original %v (%v), onto the one read back %v (%v)", k, h1, err1, h2, err2)
		}
	}
	if len(sizes) < 20 {
		t.Fatalf("%d of 24 hands outlined", len(sizes))
	}
	slices.Sort(sizes)
	median, largest := sizes[len(sizes)/2], sizes[len(sizes)-1]
	t.Logf("stored outlines: median %d bytes, largest %d, of %d", median, largest, len(sizes))
	if median > 200 || largest > 320 {
		t.Errorf("stored outlines take %d bytes (median), %d (largest)", median, largest)
	}
}

// TestOutlineBytesRefused: bytes that are not exactly one stored outline
// are refused with ErrOutline.
func TestOutlineBytesRefused(t *testing.T) {
	frame := palmtest.NewHand(1).Render(palmtest.Centred, 1)
	obs, err := NewLocator(DefaultConfig).Locate(frame)
	if err != nil || obs.ROI == nil {
		t.Fatalf("locating: %v %v", obs.Hints, err)
	}
	o, err := OutlineOf(frame, obs)
	if err != nil {
		t.Fatal(err)
	}
	good, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	deflated := func(rows []byte) []byte {
		var b bytes.Buffer
		b.Write(good[:4])
		w, _ := flate.NewWriter(&b, flate.BestSpeed)
		w.Write(rows)
		w.Close()
		return b.Bytes()
	}
	empty := make([]byte, OutlineSide) // every row without a transition: a valid, empty outline
	for _, tc := range []struct {
		name string
		b    []byte
		ok   bool
	}{
		{"the outline", good, true},
		{"an empty outline", deflated(empty), true},
		{"nothing", nil, false},
		{"another format", append([]byte("PT"), good[2:]...), false},
		{"another version", append([]byte{'P', 'O', 9}, good[3:]...), false},
		{"another side", append([]byte{'P', 'O', outlineVersion, 64}, good[4:]...), false},
		{"not deflated", append(good[:4:4], 0xff, 0xff, 0xff), false},
		{"cut short", good[:len(good)/2], false},
		{"a row short", deflated(empty[:OutlineSide-1]), false},
		{"a byte too many", deflated(append(slices.Clone(empty), 0)), false},
		{"a transition off the row", deflated(append([]byte{1, 200}, empty[1:]...)), false},
		{"transitions out of order", deflated(append([]byte{2, 10, 0}, empty[1:]...)), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var back Outline
			err := back.UnmarshalBinary(tc.b)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrOutline) {
				t.Fatalf("read as an outline (err %v)", err)
			}
		})
	}
}

// FuzzOutlineBytes: stored outlines come from the service and the
// reader's own disk; whatever the bytes, reading them neither panics
// nor accepts an outline that does not store back to the same samples.
func FuzzOutlineBytes(f *testing.F) {
	frame := palmtest.NewHand(2).Render(palmtest.Centred, 1)
	if obs, err := NewLocator(DefaultConfig).Locate(frame); err == nil && obs.ROI != nil {
		if o, err := OutlineOf(frame, obs); err == nil {
			if b, err := o.MarshalBinary(); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("PO"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o Outline
		if err := o.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := o.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Outline
		if err := back.UnmarshalBinary(again); err != nil || !slices.Equal(back.raw, o.raw) {
			t.Fatalf("an outline read from %d bytes does not store back (%v)", len(b), err)
		}
	})
}
