package wiegand

import (
	"fmt"
)

// Format is a validated layout that encodes and decodes frames. It is
// immutable and safe for concurrent use.
type Format struct {
	name     string
	desc     string
	layout   Layout
	facility *Field
	card     Field
	parity   []parityBit
	data     []int // positions that are not parity bits, in wire order
}

type parityBit struct {
	pos   int
	odd   bool
	cover []int
}

// Badge is what a frame carries.
type Badge struct {
	Facility uint64 // facility (site, company) code; 0 when the format has none
	Card     uint64 // card number (cardholder ID)
}

// NewFormat validates a custom layout and returns its format; name is for
// messages and listings.
func NewFormat(name string, l Layout) (*Format, error) {
	f := &Format{name: name, layout: l}
	if err := f.build(); err != nil {
		return nil, fmt.Errorf("wiegand: layout %s: %w", name, err)
	}
	return f, nil
}

func (f *Format) build() error {
	l := f.layout
	if l.Bits < 1 || l.Bits > MaxBits {
		return fmt.Errorf("frame of %d bits is outside 1-%d: %w", l.Bits, MaxBits, ErrLayout)
	}
	owner := make([]string, l.Bits) // what occupies each position
	if err := f.buildFields(owner); err != nil {
		return err
	}
	isParity := map[int]bool{}
	for _, p := range l.Parity {
		if isParity[p.Position] {
			return fmt.Errorf("parity bit at %d given twice: %w", p.Position, ErrLayout)
		}
		isParity[p.Position] = true
	}
	computed := map[int]bool{}
	for _, p := range l.Parity {
		pb, err := buildParity(p, owner, isParity, computed)
		if err != nil {
			return err
		}
		f.parity = append(f.parity, pb)
		computed[p.Position] = true
	}
	for i := range owner {
		if !computed[i] {
			f.data = append(f.data, i)
		}
	}
	return nil
}

func (f *Format) buildFields(owner []string) error {
	bits := len(owner)
	for _, fl := range f.layout.Fields {
		if fl.Length < 1 || fl.Length > 64 {
			return fmt.Errorf("field %q: length %d is outside 1-64: %w", fl.Name, fl.Length, ErrLayout)
		}
		if fl.Start < 0 || fl.Start > bits-fl.Length {
			return fmt.Errorf("field %q (start %d, length %d) lies outside the %d-bit frame: %w",
				fl.Name, fl.Start, fl.Length, bits, ErrLayout)
		}
		switch {
		case fl.Name == FieldCard && f.card.Length == 0:
			f.card = fl
		case fl.Name == FieldFacility && f.facility == nil:
			fc := fl
			f.facility = &fc
		case fl.Name == FieldCard || fl.Name == FieldFacility:
			return fmt.Errorf("field %q given twice: %w", fl.Name, ErrLayout)
		default:
			return fmt.Errorf("field %q: name is not %q or %q: %w", fl.Name, FieldFacility, FieldCard, ErrLayout)
		}
		for i := fl.Start; i < fl.Start+fl.Length; i++ {
			if owner[i] != "" {
				return fmt.Errorf("field %q overlaps field %q at position %d: %w", fl.Name, owner[i], i, ErrLayout)
			}
			owner[i] = fl.Name
		}
	}
	if f.card.Length == 0 {
		return fmt.Errorf("no %q field: %w", FieldCard, ErrLayout)
	}
	return nil
}

func buildParity(p Parity, owner []string, isParity, computed map[int]bool) (parityBit, error) {
	bits := len(owner)
	if p.Kind != Even && p.Kind != Odd {
		return parityBit{}, fmt.Errorf("parity at %d: kind %q is not %q or %q: %w", p.Position, p.Kind, Even, Odd, ErrLayout)
	}
	if p.Position < 0 || p.Position >= bits {
		return parityBit{}, fmt.Errorf("parity bit at %d lies outside the %d-bit frame: %w", p.Position, bits, ErrLayout)
	}
	if o := owner[p.Position]; o != "" {
		return parityBit{}, fmt.Errorf("parity bit at %d overlaps %s: %w", p.Position, o, ErrLayout)
	}
	cover, err := parseMask(p.Mask, bits)
	if err != nil {
		return parityBit{}, fmt.Errorf("parity bit at %d: %w", p.Position, err)
	}
	if len(cover) == 0 {
		return parityBit{}, fmt.Errorf("parity bit at %d covers no bits: %w", p.Position, ErrLayout)
	}
	for _, c := range cover {
		switch {
		case c == p.Position:
			return parityBit{}, fmt.Errorf("parity bit at %d covers itself: %w", p.Position, ErrLayout)
		case isParity[c] && !computed[c]:
			return parityBit{}, fmt.Errorf("parity bit at %d covers parity bit %d listed after it: %w", p.Position, c, ErrLayout)
		}
	}
	return parityBit{pos: p.Position, odd: p.Kind == Odd, cover: cover}, nil
}

// Name returns the format's name.
func (f *Format) Name() string { return f.name }

// Description returns a one-line human description.
func (f *Format) Description() string { return f.desc }

// Bits returns the frame length.
func (f *Format) Bits() int { return f.layout.Bits }

// Layout returns a copy of the format's layout.
func (f *Format) Layout() Layout {
	l := f.layout
	l.Fields = append([]Field(nil), l.Fields...)
	l.Parity = append([]Parity(nil), l.Parity...)
	return l
}

// HasFacility reports whether frames carry a facility code.
func (f *Format) HasFacility() bool { return f.facility != nil }

// MaxFacility and MaxCard return the largest encodable values.
func (f *Format) MaxFacility() uint64 {
	if f.facility == nil {
		return 0
	}
	return maxOf(f.facility.Length)
}

// MaxCard returns the largest encodable card number.
func (f *Format) MaxCard() uint64 { return maxOf(f.card.Length) }

func maxOf(length int) uint64 { return ^uint64(0) >> (64 - length) }
