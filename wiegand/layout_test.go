package wiegand

import (
	"errors"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestStandardLayoutsRoundTripText(t *testing.T) {
	for _, n := range Names() {
		f, _ := Lookup(n)
		text := f.Layout().String()
		l, err := ParseLayout(text)
		if err != nil {
			t.Fatalf("%s: ParseLayout(%q): %v", n, text, err)
		}
		g, err := NewFormat("custom", l)
		if err != nil {
			t.Fatalf("%s: NewFormat: %v", n, err)
		}
		for _, v := range vectors {
			if v.format != n {
				continue
			}
			bits, err := g.Encode(Badge{v.facility, v.card})
			if err != nil || bits.String() != v.bits {
				t.Errorf("%s via text layout: %s, %v; want %s", n, bits, err, v.bits)
			}
		}
	}
}

func TestCustomLayoutPattern(t *testing.T) {
	// The H10301 sheet's own drawing of its masks.
	l, err := ParseLayout("bits=26 facility=1:8 card=9:16 " +
		"even@0=.xxxxxxxxxxxx............. odd@25=.............xxxxxxxxxxxx.")
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFormat("drawn", l)
	if err != nil {
		t.Fatal(err)
	}
	bits, _ := f.Encode(Badge{Facility: 101, Card: 4095})
	if got, want := bits.String(), "00110010100001111111111111"; got != want {
		t.Errorf("encode = %s, want %s", got, want)
	}
	if got, want := l.String(), "bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCustomLayoutFillerAndNoParity(t *testing.T) {
	l, err := ParseLayout("bits=10 card=2:8")
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFormat("plain", l)
	if err != nil {
		t.Fatal(err)
	}
	bits, _ := f.Encode(Badge{Card: 0xA5})
	if bits.String() != "0010100101" {
		t.Errorf("encode = %s", bits)
	}
	raw, _ := f.DecodeRaw(bits)
	if raw != 0xA5 {
		t.Errorf("raw = %#x", raw)
	}
}

func TestLayoutErrors(t *testing.T) {
	tests := []struct {
		text, msg string
	}{
		{"facility=1:8 card=9:16", "missing bits"},
		{"bits=26 card=9:16 bogus", "not key=value"},
		{"bits=26 bits=26 card=0:8", "twice"},
		{"bits=26 card=9:x", "start:length"},
		{"bits=26 card=9:16 parity@0=1", "unknown key"},
		{"bits=-1 card=0:1", "outside 1-128"},
		{"bits=200 card=0:1", "outside 1-128"},
		{"bits=26 facility=1:8", `no "card" field`},
		{"bits=26 card=20:16", "outside the 26-bit frame"},
		{"bits=26 card=-1:4", "outside the 26-bit frame"},
		{"bits=80 card=0:65", "outside 1-64"},
		{"bits=26 card=1:8 card=9:8", "given twice"},
		{"bits=26 facility=1:10 card=9:16", "overlaps field"},
		{"bits=26 card=1:16 even@5=0", "overlaps card"},
		{"bits=26 card=1:16 even@26=0", "outside the 26-bit frame"},
		{"bits=26 card=1:16 even@0=1-26", "reaches outside"},
		{"bits=26 card=1:16 even@0=0-12", "covers itself"},
		{"bits=26 card=1:16 even@0=1-12,25 odd@25=13-16", "listed after it"},
		{"bits=26 card=1:16 even@0=1-4 odd@0=5-8", "given twice"},
		{"bits=26 card=1:16 even@0=...x", "pattern has 4 characters"},
		{"bits=4 card=1:2 even@0=.xy.", "not 'x' or '.'"},
		{"bits=26 card=1:16 even@0=12-3", "not N or N-M"},
		{"bits=26 card=1:16 even@0=", "not N or N-M"},
		{"bits=4 card=1:2 even@0=....", "covers no bits"},
	}
	for _, tt := range tests {
		l, err := ParseLayout(tt.text)
		if err == nil {
			_, err = NewFormat("t", l)
		}
		if !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: err = %v, want ErrLayout mentioning %q", tt.text, err, tt.msg)
		}
	}
	l := Layout{Bits: 8, Fields: []Field{{Name: "site", Start: 0, Length: 4}}}
	if _, err := NewFormat("t", l); !errors.Is(err, ErrLayout) {
		t.Errorf("unknown field name: err = %v", err)
	}
	l = Layout{Bits: 8, Fields: []Field{{FieldCard, 1, 6}}, Parity: []Parity{{0, "mark", "1"}}}
	if _, err := NewFormat("t", l); !errors.Is(err, ErrLayout) {
		t.Errorf("unknown parity kind: err = %v", err)
	}
}

// FuzzParseLayout: any text either fails with ErrLayout or yields a format
// whose text form parses back to the same format, and whose frames decode
// to what was encoded.
func FuzzParseLayout(f *testing.F) {
	f.Add("bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24")
	f.Add("bits=35 facility=2:12 card=14:20 even@1=2-3,5-6 odd@34=1-2,4 odd@0=1-34")
	f.Add("bits=4 card=1:2 even@0=.xx.")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLayout(s)
		if err != nil {
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("error without ErrLayout: %v", err)
			}
			return
		}
		format, err := NewFormat("fuzz", l)
		if err != nil {
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("error without ErrLayout: %v", err)
			}
			return
		}
		l2, err := ParseLayout(l.String())
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", l.String(), err)
		}
		if l2.String() != l.String() {
			t.Fatalf("text form unstable: %q then %q", l.String(), l2.String())
		}
		b := Badge{Card: format.MaxCard(), Facility: format.MaxFacility()}
		bits, err := format.Encode(b)
		if err != nil {
			t.Fatalf("encode max values: %v", err)
		}
		if got, err := format.Decode(bits); err != nil || got != b {
			t.Fatalf("round trip %+v → %s → %+v, %v", b, bits, got, err)
		}
	})
}

// TestLayoutFromTOML checks that a configuration file can carry a layout in
// the shape documented on Layout.
func TestLayoutFromTOML(t *testing.T) {
	const doc = `
[badge.layout]
bits   = 26
fields = [{ name = "facility", start = 1, length = 8 },
          { name = "card", start = 9, length = 16 }]
parity = [{ position = 0, kind = "even", mask = "1-12" },
          { position = 25, kind = "odd", mask = ".............xxxxxxxxxxxx." }]
`
	var cfg struct {
		Badge struct {
			Layout Layout `toml:"layout"`
		} `toml:"badge"`
	}
	if _, err := toml.Decode(doc, &cfg); err != nil {
		t.Fatal(err)
	}
	f, err := NewFormat("site", cfg.Badge.Layout)
	if err != nil {
		t.Fatal(err)
	}
	bits, err := f.Encode(Badge{Facility: 12, Card: 3456})
	if err != nil || bits.String() != "00000110000001101100000001" {
		t.Errorf("encode = %s, %v", bits, err)
	}
}
