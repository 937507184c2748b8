package match

import (
	"math/bits"

	"github.com/palmd/palmd/biometric/template"
)

// Elastic blocks: the grid is cut into elasticBlocks² blocks, each of
// which may move elasticReach cells further than the global shift.
const (
	elasticBlocks = 4
	elasticSide   = template.Cols / elasticBlocks
	elasticReach  = 1
	// elasticMinCells is the fewest overlapping cells for a block to
	// choose its own offset; below it the block keeps the global one.
	elasticMinCells = 24
)

type blockCounts struct{ diff, valid int }

// Elastic returns the distance between two templates allowing the skin
// to stretch: the best global shift of b within maxShift, then every
// block of the grid moved by up to one more cell on its own (a block with
// too few cells in common keeps the global shift). A palm
// tilted towards the camera or stretched between captures is not moved
// by one shift everywhere; a block of 8×8 cells (a quarter of the ROI)
// nearly is.
func Elastic(a, b *template.Template, maxShift int) float64 {
	best, gx, gy := 2.0, 0, 0
	for dy := -maxShift; dy <= maxShift; dy++ {
		for dx := -maxShift; dx <= maxShift; dx++ {
			if d := shifted(a, b, dx, dy); d < best {
				best, gx, gy = d, dx, dy
			}
		}
	}
	if best >= 1 {
		return 1
	}
	var counts [elasticBlocks * elasticBlocks][(2*elasticReach + 1) * (2*elasticReach + 1)]blockCounts
	k := 0
	for oy := -elasticReach; oy <= elasticReach; oy++ {
		for ox := -elasticReach; ox <= elasticReach; ox++ {
			countBlocks(a, b, gx+ox, gy+oy, k, &counts)
			k++
		}
	}
	centre := len(counts[0]) / 2
	diff, valid := 0, 0
	for _, blk := range counts {
		pick := blk[centre]
		for _, c := range blk {
			if c.valid >= elasticMinCells && (pick.valid < elasticMinCells || c.diff*pick.valid < pick.diff*c.valid) {
				pick = c
			}
		}
		diff, valid = diff+pick.diff, valid+pick.valid
	}
	if valid < MinOverlap {
		return 1
	}
	return normalise(float64(diff)/float64(template.Planes*valid), valid)
}

// countBlocks adds the per-block disagreements of a with b shifted by
// (dx, dy) into column k of counts.
func countBlocks(a, b *template.Template, dx, dy, k int, counts *[elasticBlocks * elasticBlocks][(2*elasticReach + 1) * (2*elasticReach + 1)]blockCounts) {
	for r := max(0, -dy); r < min(template.Rows, template.Rows-dy); r++ {
		rb := r + dy
		m := a.Mask[r] & shift(b.Mask[rb], dx)
		if m == 0 {
			continue
		}
		var x [template.Planes]uint32
		for p := range template.Planes {
			x[p] = (a.Code[p][r] ^ shift(b.Code[p][rb], dx)) & m
		}
		row := (r / elasticSide) * elasticBlocks
		for bc := range elasticBlocks {
			cm := uint32(1<<elasticSide-1) << (bc * elasticSide)
			if m&cm == 0 {
				continue
			}
			c := &counts[row+bc][k]
			c.valid += bits.OnesCount32(m & cm)
			for p := range template.Planes {
				c.diff += bits.OnesCount32(x[p] & cm)
			}
		}
	}
}
