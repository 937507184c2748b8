// Package template defines the palm template: a competitive code over a
// grid of cells in the palm's own coordinate frame, with a validity mask
// and a coarse summary for fast 1:N shortlisting.
//
// Each cell holds the index of the dominant of six line orientations
// (0°, 30°, … 150°), the competitive code of Kong and Zhang ("Competitive
// coding scheme for palmprint verification", ICPR 2004), written as a
// 3-bit reflected code so that neighbouring orientations differ in one bit
// and the Hamming distance between two cells grows with their angle (0°,
// 30° and 60° apart cost 0, 1 and 2 bits; 90° costs 3). Each row of cells is
// one uint32 per bit-plane, so matching is XOR, AND and popcount.
package template

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Grid and code sizes. Version changes whenever the same palm would be
// coded differently (the ROI's geometry, the filters), because templates
// of two versions do not compare. Version 2: the ROI is placed by the
// palm radius and the valleys between the four fingers. Version 3: the
// ROI's rotation and level survive hidden and closed-up valleys.
// Version 4: the filters are tuned finer (features: ω 0.65, was 0.45).
// A template stored with the enrolment's outline after it (Outline)
// carries WithOutline in the version's place: the code is version 4's,
// so both are read, and a reader too old to know the outline refuses it
// as another version instead of misreading it.
const (
	Version      = 4
	WithOutline  = 5
	Cols, Rows   = 32, 32
	Planes       = 3
	Orientations = 6
	// CoarseBlocks is the coarse grid: 8×8 blocks of 4×4 cells.
	CoarseBlocks = 8
	// Size is the encoded size of the code in bytes (an outline adds
	// its own after it).
	Size = 4 + Planes*Rows*4 + Rows*4 + 4*8
)

// gray maps an orientation index to its 3-bit code: a cycle in which
// neighbours differ in one bit (0→000, 1→001, 2→011, 3→111, 4→110, 5→100),
// so opposite orientations (90° apart) differ in all three.
var gray = [Orientations]uint8{0b000, 0b001, 0b011, 0b111, 0b110, 0b100}

// Template is one capture's code.
type Template struct {
	Code   [Planes][Rows]uint32 // bit c of Code[p][r]: plane p of cell (r, c)
	Mask   [Rows]uint32         // bit set: the cell is valid (skin, in frame, enough texture)
	Coarse [4]uint64            // CoarseBlocks² dominant orientations (3 bits) and a block mask
	// Outline is an enrolment's hand outline (palm.Outline.MarshalBinary),
	// which a later capture is registered onto; nil for a probe, or an
	// enrolment stored before outlines were. Biometric data, like the
	// code.
	Outline []byte
}

// Equal says whether t and u hold the same code and outline.
func (t *Template) Equal(u *Template) bool {
	return t.Code == u.Code && t.Mask == u.Mask && t.Coarse == u.Coarse && string(t.Outline) == string(u.Outline)
}

// ErrFormat is returned for bytes that are not a palm template, and
// ErrVersion for a template coded by another version of the pipeline.
var (
	ErrFormat  = errors.New("template: not a palm template")
	ErrVersion = errors.New("template: coded by another version")
)

// Set writes orientation o (0..5) at cell (r, c) and marks it valid.
func (t *Template) Set(r, c, o int) {
	g := gray[o%Orientations]
	for p := range Planes {
		if g&(1<<p) != 0 {
			t.Code[p][r] |= 1 << c
		} else {
			t.Code[p][r] &^= 1 << c
		}
	}
	t.Mask[r] |= 1 << c
}

// Orientation returns the orientation at (r, c) and whether it is valid.
func (t *Template) Orientation(r, c int) (int, bool) {
	var g uint8
	for p := range Planes {
		if t.Code[p][r]&(1<<c) != 0 {
			g |= 1 << p
		}
	}
	for o, v := range gray {
		if v == g {
			return o, t.Mask[r]&(1<<c) != 0
		}
	}
	return 0, false
}

// Valid counts the valid cells.
func (t *Template) Valid() int {
	n := 0
	for _, m := range t.Mask {
		n += popcount32(m)
	}
	return n
}

// Summarise computes the coarse code: each block's most frequent valid
// orientation, and a block mask for blocks with at least half their cells
// valid. Call it once the cells are set.
func (t *Template) Summarise() {
	const side = Cols / CoarseBlocks
	t.Coarse = [4]uint64{}
	for br := range CoarseBlocks {
		for bc := range CoarseBlocks {
			var hist [Orientations]int
			valid := 0
			for r := br * side; r < (br+1)*side; r++ {
				for c := bc * side; c < (bc+1)*side; c++ {
					if o, ok := t.Orientation(r, c); ok {
						hist[o]++
						valid++
					}
				}
			}
			if 2*valid < side*side {
				continue
			}
			best := 0
			for o := range hist {
				if hist[o] > hist[best] {
					best = o
				}
			}
			b := br*CoarseBlocks + bc
			g := uint64(gray[best])
			for p := range Planes {
				if g&(1<<p) != 0 {
					t.Coarse[p] |= 1 << b
				}
			}
			t.Coarse[3] |= 1 << b
		}
	}
}

// MarshalBinary encodes the template: a 4-byte header ("PT", version,
// planes) then the planes, the mask and the coarse code, little-endian,
// and the outline after them where there is one (version WithOutline).
func (t *Template) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, Size+len(t.Outline))
	v := byte(Version)
	if len(t.Outline) > 0 {
		v = WithOutline
	}
	b = append(b, 'P', 'T', v, Planes)
	for p := range Planes {
		for _, row := range t.Code[p] {
			b = binary.LittleEndian.AppendUint32(b, row)
		}
	}
	for _, row := range t.Mask {
		b = binary.LittleEndian.AppendUint32(b, row)
	}
	for _, w := range t.Coarse {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return append(b, t.Outline...), nil
}

// UnmarshalBinary decodes a template, refusing other versions and sizes.
// The outline's bytes are taken as they are: palm reads them.
func (t *Template) UnmarshalBinary(b []byte) error {
	if len(b) < Size || b[0] != 'P' || b[1] != 'T' {
		return ErrFormat
	}
	switch {
	case b[2] == Version && len(b) != Size:
		return ErrFormat
	case b[2] == WithOutline && len(b) == Size:
		return fmt.Errorf("%w: no outline after the code", ErrFormat)
	case b[2] != Version && b[2] != WithOutline:
		return fmt.Errorf("%w: version %d, this reader codes version %d", ErrVersion, b[2], Version)
	}
	outline := b[Size:]
	if b[3] != Planes {
		return fmt.Errorf("%w: %d planes", ErrFormat, b[3])
	}
	b = b[4:]
	var v Template
	for p := range Planes {
		for r := range Rows {
			v.Code[p][r], b = binary.LittleEndian.Uint32(b), b[4:]
		}
	}
	for r := range Rows {
		v.Mask[r], b = binary.LittleEndian.Uint32(b), b[4:]
	}
	for i := range v.Coarse {
		v.Coarse[i], b = binary.LittleEndian.Uint64(b), b[8:]
	}
	if len(outline) > 0 {
		v.Outline = append([]byte(nil), outline...)
	}
	*t = v
	return nil
}

// Shifted returns t with every cell moved by (dx, dy); cells moved in from
// outside are invalid. The coarse pass compares a probe at a few shifts,
// since its blocks are coarser than the misalignment it must absorb.
func (t *Template) Shifted(dx, dy int) Template {
	var s Template
	for r := range Rows {
		src := r - dy
		if src < 0 || src >= Rows {
			continue
		}
		for p := range Planes {
			s.Code[p][r] = shiftRow(t.Code[p][src], dx)
		}
		s.Mask[r] = shiftRow(t.Mask[src], dx)
	}
	s.Summarise()
	return s
}

// shiftRow moves bit c to bit c+dx.
func shiftRow(row uint32, dx int) uint32 {
	if dx >= 0 {
		return row << uint(dx)
	}
	return row >> uint(-dx)
}
