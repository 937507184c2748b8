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

import "errors"

// Grid and code sizes. Version changes whenever the same palm would be
// coded differently (the ROI's geometry, the filters), because templates
// of two versions do not compare. Version 2: the ROI is placed by the
// palm radius and the valleys between the four fingers. Version 3: the
// ROI's rotation and level survive hidden and closed-up valleys.
// Version 4: the filters are tuned finer (features: ω 0.65, was 0.45).
// Version 5: the ROI is denoised before the filters (features: non-local
// means at twice the ROI's own noise). The stored form (Compact) is in
// bytes.go.
const (
	Version      = 5
	Cols, Rows   = 32, 32
	Planes       = 3
	Orientations = 6
	// CoarseBlocks is the coarse grid: 16×16 blocks of 2×2 cells.
	CoarseBlocks = 16
	coarseSide   = Cols / CoarseBlocks
	coarseWords  = CoarseBlocks * CoarseBlocks / 64
)

// gray maps an orientation index to its 3-bit code: a cycle in which
// neighbours differ in one bit (0→000, 1→001, 2→011, 3→111, 4→110, 5→100),
// so opposite orientations (90° apart) differ in all three.
var gray = [Orientations]uint8{0b000, 0b001, 0b011, 0b111, 0b110, 0b100}

// Summary is a template's block summary (Template.Summarise): each
// block's majority orientation, coded as a cell's, in the first Planes
// planes, and a block mask in the last; block (br, bc) is bit
// br*CoarseBlocks+bc of each plane. A search holds its probe's shifted
// summaries apart from their codes, so that the 75 it compares with
// every template stay in the CPU's first cache.
type Summary [Planes + 1][coarseWords]uint64

// Template is one capture's code.
type Template struct {
	Code [Planes][Rows]uint32 // bit c of Code[p][r]: plane p of cell (r, c)
	Mask [Rows]uint32         // bit set: the cell is valid (skin, in frame, enough texture)
	// Coarse is the block summary a search shortlists by (Summarise).
	Coarse Summary
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
// orientation (the first of the most frequent), and a block mask for
// blocks with any cell valid. Call it once the cells are set. About half
// of a capture's cells carry no code (too little texture), so a block of
// 2×2 cells valid on one cell still counts: requiring two lost a third of
// the shortlist's mates. A reader rebuilds the summary for every
// template it loads and every shift a search tries, so it counts a row's
// cells of one orientation at once, as bits.
func (t *Template) Summarise() {
	t.Coarse = Summary{}
	for br := range CoarseBlocks {
		// hist[o][bc]: the cells of orientation o in block (br, bc).
		var hist [Orientations][CoarseBlocks]uint8
		for r := br * coarseSide; r < (br+1)*coarseSide; r++ {
			for o, g := range gray {
				cells := t.cellsOf(r, g)
				for bc := 0; cells != 0; bc++ {
					hist[o][bc] += uint8(popcount32(cells & (1<<coarseSide - 1)))
					cells >>= coarseSide
				}
			}
		}
		for bc := range CoarseBlocks {
			valid, best := 0, 0
			for o := range Orientations {
				valid += int(hist[o][bc])
				if hist[o][bc] > hist[best][bc] {
					best = o
				}
			}
			if valid == 0 {
				continue
			}
			b := br*CoarseBlocks + bc
			w, bit := b/64, uint64(1)<<(b%64)
			for p := range Planes {
				if gray[best]&(1<<p) != 0 {
					t.Coarse[p][w] |= bit
				}
			}
			t.Coarse[Planes][w] |= bit
		}
	}
}

// cellsOf returns row r's valid cells coded g, as bits.
func (t *Template) cellsOf(r int, g uint8) uint32 {
	cells := t.Mask[r]
	for p := range Planes {
		if g&(1<<p) != 0 {
			cells &= t.Code[p][r]
		} else {
			cells &^= t.Code[p][r]
		}
	}
	return cells
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
