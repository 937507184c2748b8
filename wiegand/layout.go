package wiegand

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MaxBits bounds a layout's frame length; the longest formats in use carry
// about 80 bits, so anything longer is a configuration mistake.
const MaxBits = 128

// Field names a layout may use.
const (
	FieldFacility = "facility"
	FieldCard     = "card"
)

// Parity kinds.
const (
	Even = "even"
	Odd  = "odd"
)

// Layout describes a frame: its length, where its fields sit and how its
// parity bits are computed. Positions count from 0 (first bit on the wire).
// The struct carries TOML tags so a configuration file can hold it:
//
//	[badge.layout]
//	bits   = 26
//	fields = [{ name = "facility", start = 1, length = 8 },
//	          { name = "card", start = 9, length = 16 }]
//	parity = [{ position = 0, kind = "even", mask = "1-12" },
//	          { position = 25, kind = "odd", mask = "13-24" }]
//
// A mask is either a list of positions and ranges ("1-12,14") or a pattern as
// long as the frame, 'x' for a covered bit and '.' for the others, the way
// HID's format sheets draw it. Parity bits are computed in the order listed:
// a mask may cover a parity bit listed before it, never one listed after it
// or itself. Bits that are neither field nor parity are sent as 0.
type Layout struct {
	Bits   int      `toml:"bits" json:"bits"`
	Fields []Field  `toml:"fields" json:"fields"`
	Parity []Parity `toml:"parity" json:"parity"`
}

// Field is a run of bits holding an unsigned number, most significant bit
// first.
type Field struct {
	Name   string `toml:"name" json:"name"` // FieldFacility or FieldCard
	Start  int    `toml:"start" json:"start"`
	Length int    `toml:"length" json:"length"`
}

// Parity is one parity bit and the bits it covers.
type Parity struct {
	Position int    `toml:"position" json:"position"`
	Kind     string `toml:"kind" json:"kind"` // Even or Odd
	Mask     string `toml:"mask" json:"mask"`
}

// ParseLayout reads the one-line text form of a layout, as printed by
// Layout.String: space-separated key=value items
//
//	bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24
//
// where a field is start:length and a parity item is kind@position=mask.
// The result is syntactically complete; NewFormat validates its geometry.
func ParseLayout(s string) (Layout, error) {
	var l Layout
	for _, tok := range strings.Fields(s) {
		key, val, ok := strings.Cut(tok, "=")
		if !ok {
			return Layout{}, fmt.Errorf("wiegand: layout: item %q is not key=value: %w", tok, ErrLayout)
		}
		if err := l.parseItem(key, val); err != nil {
			return Layout{}, fmt.Errorf("wiegand: layout: item %q: %w", tok, err)
		}
	}
	if l.Bits == 0 {
		return Layout{}, fmt.Errorf("wiegand: layout: missing bits=N: %w", ErrLayout)
	}
	return l, nil
}

func (l *Layout) parseItem(key, val string) error {
	switch {
	case key == "bits":
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("bits is not a number: %w", ErrLayout)
		}
		if l.Bits != 0 {
			return fmt.Errorf("bits given twice: %w", ErrLayout)
		}
		l.Bits = n
	case key == FieldFacility || key == FieldCard:
		a, b, ok := strings.Cut(val, ":")
		start, err1 := strconv.Atoi(a)
		length, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("field wants start:length: %w", ErrLayout)
		}
		l.Fields = append(l.Fields, Field{Name: key, Start: start, Length: length})
	default:
		kind, pos, ok := strings.Cut(key, "@")
		p, err := strconv.Atoi(pos)
		if !ok || err != nil || (kind != Even && kind != Odd) {
			return fmt.Errorf("unknown key (want bits, facility, card, even@N or odd@N): %w", ErrLayout)
		}
		l.Parity = append(l.Parity, Parity{Position: p, Kind: kind, Mask: val})
	}
	return nil
}

// String returns the one-line text form ParseLayout reads.
func (l Layout) String() string {
	parts := []string{"bits=" + strconv.Itoa(l.Bits)}
	for _, f := range l.Fields {
		parts = append(parts, fmt.Sprintf("%s=%d:%d", f.Name, f.Start, f.Length))
	}
	for _, p := range l.Parity {
		mask := p.Mask
		if cover, err := parseMask(p.Mask, l.Bits); err == nil {
			mask = formatRanges(cover)
		}
		parts = append(parts, fmt.Sprintf("%s@%d=%s", p.Kind, p.Position, mask))
	}
	return strings.Join(parts, " ")
}

// parseMask returns the sorted positions a mask covers.
func parseMask(mask string, bits int) ([]int, error) {
	if strings.ContainsAny(mask, ".xX") {
		if len(mask) != bits {
			return nil, fmt.Errorf("mask pattern has %d characters, frame has %d bits: %w", len(mask), bits, ErrLayout)
		}
		var cover []int
		for i, c := range mask {
			switch c {
			case 'x', 'X':
				cover = append(cover, i)
			case '.':
			default:
				return nil, fmt.Errorf("mask pattern character %q is not 'x' or '.': %w", c, ErrLayout)
			}
		}
		return cover, nil
	}
	seen := map[int]bool{}
	for _, part := range strings.Split(mask, ",") {
		a, b, isRange := strings.Cut(part, "-")
		lo, err1 := strconv.Atoi(a)
		hi, err2 := lo, error(nil)
		if isRange {
			hi, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || hi < lo {
			return nil, fmt.Errorf("mask item %q is not N or N-M: %w", part, ErrLayout)
		}
		if lo < 0 || hi >= bits {
			return nil, fmt.Errorf("mask item %q reaches outside the %d-bit frame: %w", part, bits, ErrLayout)
		}
		for i := lo; i <= hi; i++ {
			seen[i] = true
		}
	}
	cover := make([]int, 0, len(seen))
	for i := range seen {
		cover = append(cover, i)
	}
	sort.Ints(cover)
	return cover, nil
}

// formatRanges writes sorted positions as "1-12,14".
func formatRanges(pos []int) string {
	var parts []string
	for i := 0; i < len(pos); {
		j := i
		for j+1 < len(pos) && pos[j+1] == pos[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(pos[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", pos[i], pos[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
