package wiegand

import (
	"fmt"
	"sort"
)

// standard lists HID's published formats. Positions are 0-based here; the
// comments quote HID's 1-based descriptions (HID format sheets "H10301 26-bit",
// "H10306 34-bit", "H10302/H10304 37-bit" and "Corporate 1000"; the
// Corporate 1000 48-bit parity masks match Proxmark3's Pack_C1k48s).
var standard = map[string]struct {
	desc   string
	layout Layout
}{
	// P FFFFFFFF CCCCCCCCCCCCCCCC P: bit 1 even over 2-13, bit 26 odd over 14-25.
	"h10301": {"26-bit H10301: 8-bit facility, 16-bit card", Layout{
		Bits:   26,
		Fields: []Field{{FieldFacility, 1, 8}, {FieldCard, 9, 16}},
		Parity: []Parity{{0, Even, "1-12"}, {25, Odd, "13-24"}},
	}},
	// bit 1 even over 2-17, bit 34 odd over 18-33.
	"h10306": {"34-bit H10306: 16-bit facility, 16-bit card", Layout{
		Bits:   34,
		Fields: []Field{{FieldFacility, 1, 16}, {FieldCard, 17, 16}},
		Parity: []Parity{{0, Even, "1-16"}, {33, Odd, "17-32"}},
	}},
	// bit 1 even over 2-19, card in 2-36, bit 37 odd over 19-36.
	"h10302": {"37-bit H10302: 35-bit card, no facility", Layout{
		Bits:   37,
		Fields: []Field{{FieldCard, 1, 35}},
		Parity: []Parity{{0, Even, "1-18"}, {36, Odd, "18-35"}},
	}},
	// bit 1 even over 2-19, facility 2-17, card 18-36, bit 37 odd over 19-36.
	"h10304": {"37-bit H10304: 16-bit facility, 19-bit card", Layout{
		Bits:   37,
		Fields: []Field{{FieldFacility, 1, 16}, {FieldCard, 17, 19}},
		Parity: []Parity{{0, Even, "1-18"}, {36, Odd, "18-35"}},
	}},
	// bit 2 even over 3,4,6,7,...,33,34; bit 35 odd over 2,3,5,6,...,32,33;
	// bit 1 odd over 2-35; company 3-14, card 15-34.
	"corp1000-35": {"35-bit Corporate 1000: 12-bit company ID, 20-bit card", Layout{
		Bits:   35,
		Fields: []Field{{FieldFacility, 2, 12}, {FieldCard, 14, 20}},
		Parity: []Parity{
			{1, Even, stride(2, 33, 1)},
			{34, Odd, stride(1, 32, 0)},
			{0, Odd, "1-34"},
		},
	}},
	// bit 2 even over 4,5,7,8,...,46,47; bit 48 odd over 3,4,6,7,...,45,46;
	// bit 1 odd over 2-48; company 3-24, card 25-47.
	"corp1000-48": {"48-bit Corporate 1000: 22-bit company ID, 23-bit card", Layout{
		Bits:   48,
		Fields: []Field{{FieldFacility, 2, 22}, {FieldCard, 24, 23}},
		Parity: []Parity{
			{1, Even, stride(3, 46, 2)},
			{47, Odd, stride(2, 45, 1)},
			{0, Odd, "1-47"},
		},
	}},
}

// stride returns the positions from..to except those congruent to skip
// modulo 3: the Corporate 1000 masks take two bits of every three.
func stride(from, to, skip int) string {
	var pos []int
	for i := from; i <= to; i++ {
		if i%3 != skip {
			pos = append(pos, i)
		}
	}
	return formatRanges(pos)
}

// Lookup returns the standard format with the given name (see Names).
func Lookup(name string) (*Format, error) {
	s, ok := standard[name]
	if !ok {
		return nil, fmt.Errorf("wiegand: format %q: %w", name, ErrUnknownFormat)
	}
	f := &Format{name: name, desc: s.desc, layout: s.layout}
	if err := f.build(); err != nil {
		// The table is fixed; a failure here is a programming error caught by tests.
		return nil, fmt.Errorf("wiegand: format %s: %w", name, err)
	}
	return f, nil
}

// Names returns the standard format names, sorted.
func Names() []string {
	names := make([]string, 0, len(standard))
	for n := range standard {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
