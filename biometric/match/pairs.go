package match

import (
	"math/bits"

	"github.com/palmd/palmd/biometric/template"
)

// The alignment compares a probe's twenty codes with a template at 25
// shifts each, 500 comparisons for every shortlisted template: most of a
// search's time. Holding two rows in each 64-bit word halves the words
// each comparison reads and counts; the distances are exactly shifted's
// (TestPairedAsShifted).

// halfRows is the number of row pairs.
const halfRows = template.Rows / 2

// evenPairs is a template's rows two to a word: word k holds row 2k in
// its low half and row 2k+1 in its high half.
type evenPairs struct {
	mask [halfRows]uint64
	code [template.Planes][halfRows]uint64
}

// allPairs is a template's rows two to a word starting at every row:
// word r+template.Rows holds row r low and row r+1 high, for r from
// -Rows to 2·Rows-1; rows outside the template are zero (masked), so a
// shift of up to Rows rows either way reads zeros rather than past the
// end.
type allPairs struct {
	mask [3 * template.Rows]uint64
	code [template.Planes][3 * template.Rows]uint64
}

func pair(lo, hi uint32) uint64 { return uint64(lo) | uint64(hi)<<32 }

func pairEven(t *template.Template) (e evenPairs) {
	for k := range halfRows {
		e.mask[k] = pair(t.Mask[2*k], t.Mask[2*k+1])
		for p := range template.Planes {
			e.code[p][k] = pair(t.Code[p][2*k], t.Code[p][2*k+1])
		}
	}
	return e
}

func pairAll(t *template.Template) (a allPairs) {
	row := func(v *[template.Rows]uint32, r int) uint32 {
		if r < 0 || r >= template.Rows {
			return 0
		}
		return v[r]
	}
	for r := -template.Rows; r < 2*template.Rows; r++ {
		i := r + template.Rows
		a.mask[i] = pair(row(&t.Mask, r), row(&t.Mask, r+1))
		for p := range template.Planes {
			a.code[p][i] = pair(row(&t.Code[p], r), row(&t.Code[p], r+1))
		}
	}
	return a
}

// lanes is a 32-bit value in both halves of a word.
func lanes(v uint32) uint64 { return uint64(v) * (1<<32 | 1) }

// shiftPair is shift on both rows of a pair: bits moved out of one row
// never reach the other.
func shiftPair(w uint64, dx int) uint64 {
	if dx >= 0 {
		return (w >> uint(dx)) & lanes(^uint32(0)>>uint(dx))
	}
	return (w << uint(-dx)) & lanes(^uint32(0)<<uint(-dx))
}

// shiftAll is b with every row moved as shift moves it.
func shiftAll(b *allPairs, dx int) (s allPairs) {
	for i := range b.mask {
		s.mask[i] = shiftPair(b.mask[i], dx)
		for p := range template.Planes {
			s.code[p][i] = shiftPair(b.code[p][i], dx)
		}
	}
	return s
}

// pairedShifted is shifted(a, b', dx, dy) on paired rows, where b is
// b' already moved by dx (shiftAll): an alignment moves the template
// once for each dx rather than once for each comparison.
func pairedShifted(a *evenPairs, b *allPairs, dy int) float64 {
	if dy <= -template.Rows || dy >= template.Rows {
		return 1 // no row in common
	}
	diff, valid := 0, 0
	for k := range halfRows {
		j := 2*k + dy + template.Rows
		m := a.mask[k] & b.mask[j]
		if m == 0 {
			continue
		}
		valid += bits.OnesCount64(m)
		for p := range template.Planes {
			diff += bits.OnesCount64((a.code[p][k] ^ b.code[p][j]) & m)
		}
	}
	return codeDistance(diff, valid)
}
