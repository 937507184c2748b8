package wiegand

import "fmt"

// Encode builds the frame for a badge, parity bits included.
func (f *Format) Encode(b Badge) (Bits, error) {
	if f.facility == nil && b.Facility != 0 {
		return nil, fmt.Errorf("wiegand: %s: facility code %d given: %w", f.name, b.Facility, ErrNoField)
	}
	if b.Card > f.MaxCard() {
		return nil, fmt.Errorf("wiegand: %s: card number %d exceeds %d: %w", f.name, b.Card, f.MaxCard(), ErrRange)
	}
	if f.facility != nil && b.Facility > f.MaxFacility() {
		return nil, fmt.Errorf("wiegand: %s: facility code %d exceeds %d: %w", f.name, b.Facility, f.MaxFacility(), ErrRange)
	}
	out := make(Bits, f.layout.Bits)
	put(out, f.card, b.Card)
	if f.facility != nil {
		put(out, *f.facility, b.Facility)
	}
	f.fillParity(out)
	return out, nil
}

// EncodeRaw builds a frame whose data bits (every bit that is not parity, in
// wire order) hold id, most significant bit first; panels that store badges
// as one number use this.
func (f *Format) EncodeRaw(id uint64) (Bits, error) {
	n := len(f.data)
	if n < 64 && id>>n != 0 {
		return nil, fmt.Errorf("wiegand: %s: raw ID %d does not fit %d data bits: %w", f.name, id, n, ErrRange)
	}
	out := make(Bits, f.layout.Bits)
	for i, pos := range f.data {
		shift := n - 1 - i
		out[pos] = shift < 64 && id>>shift&1 == 1
	}
	f.fillParity(out)
	return out, nil
}

func (f *Format) fillParity(out Bits) {
	for _, p := range f.parity {
		out[p.pos] = false
		out[p.pos] = ones(out, p.cover)%2 == 0 == p.odd
	}
}

// Check verifies a frame's length and parity.
func (f *Format) Check(b Bits) error {
	if len(b) != f.layout.Bits {
		return fmt.Errorf("wiegand: %s: got %d bits, want %d: %w", f.name, len(b), f.layout.Bits, ErrLength)
	}
	for _, p := range f.parity {
		n := ones(b, p.cover)
		if b[p.pos] {
			n++
		}
		if (n%2 == 1) != p.odd {
			kind := Even
			if p.odd {
				kind = Odd
			}
			return fmt.Errorf("wiegand: %s: %s parity bit at %d fails: %w", f.name, kind, p.pos, ErrParity)
		}
	}
	return nil
}

// Decode checks a frame and returns the badge it carries.
func (f *Format) Decode(b Bits) (Badge, error) {
	if err := f.Check(b); err != nil {
		return Badge{}, err
	}
	badge := Badge{Card: get(b, f.card)}
	if f.facility != nil {
		badge.Facility = get(b, *f.facility)
	}
	return badge, nil
}

// DecodeRaw checks a frame and returns its data bits as one number; it fails
// with ErrRange when the format has more than 64 data bits.
func (f *Format) DecodeRaw(b Bits) (uint64, error) {
	if err := f.Check(b); err != nil {
		return 0, err
	}
	if len(f.data) > 64 {
		return 0, fmt.Errorf("wiegand: %s: %d data bits do not fit 64: %w", f.name, len(f.data), ErrRange)
	}
	var v uint64
	for _, pos := range f.data {
		v <<= 1
		if b[pos] {
			v |= 1
		}
	}
	return v, nil
}

func put(out Bits, fl Field, v uint64) {
	for i := 0; i < fl.Length; i++ {
		out[fl.Start+i] = v>>(fl.Length-1-i)&1 == 1
	}
}

func get(b Bits, fl Field) uint64 {
	var v uint64
	for i := 0; i < fl.Length; i++ {
		v <<= 1
		if b[fl.Start+i] {
			v |= 1
		}
	}
	return v
}

func ones(b Bits, cover []int) int {
	n := 0
	for _, c := range cover {
		if b[c] {
			n++
		}
	}
	return n
}
