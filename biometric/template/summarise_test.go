package template

import (
	"math/rand/v2"
	"testing"
)

// TestSummarise: the bitwise coarse code is the cell-by-cell one, on
// random cells with random masks, from empty to full.
func TestSummarise(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for k := range 300 {
		var tm Template
		keep := float64(k%11) / 10
		for r := range Rows {
			for c := range Cols {
				if rng.Float64() < keep {
					tm.Set(r, c, rng.IntN(Orientations))
				}
			}
		}
		want := tm
		want.summariseCells()
		tm.Summarise()
		if tm.Coarse != want.Coarse {
			t.Fatalf("template %d (%.0f %% of cells set): coarse %x, cell by cell %x", k, 100*keep, tm.Coarse, want.Coarse)
		}
	}
}

// summariseCells is Summarise cell by cell: the reference TestSummarise
// holds the bitwise one to.
func (t *Template) summariseCells() {
	t.Coarse = [Planes + 1][coarseWords]uint64{}
	for br := range CoarseBlocks {
		for bc := range CoarseBlocks {
			var hist [Orientations]int
			valid := 0
			for r := br * coarseSide; r < (br+1)*coarseSide; r++ {
				for c := bc * coarseSide; c < (bc+1)*coarseSide; c++ {
					if o, ok := t.Orientation(r, c); ok {
						hist[o]++
						valid++
					}
				}
			}
			if valid == 0 {
				continue
			}
			best := 0
			for o := range hist {
				if hist[o] > hist[best] {
					best = o
				}
			}
			b := br*CoarseBlocks + bc
			for p := range Planes {
				if gray[best]&(1<<p) != 0 {
					t.Coarse[p][b/64] |= 1 << (b % 64)
				}
			}
			t.Coarse[Planes][b/64] |= 1 << (b % 64)
		}
	}
}
