package match

import (
	"math"
	"math/bits"

	"github.com/palmd/palmd/biometric/template"
)

// MinOverlap is the fewest cells valid in both templates for a comparison
// to count; with less, the distance is 1 (no evidence).
const MinOverlap = 96

// refOverlap is the overlap at which distances are taken as they are;
// comparisons on fewer cells are pulled towards 0.5 (see normalise).
const refOverlap = 400

// Fine returns the distance between two templates: the smallest fraction
// of disagreeing code bits over all shifts of b by up to maxShift cells in
// each direction, counting only cells valid in both. Searching shifts is
// what absorbs the residual misalignment the palm frame leaves.
//
// Two ways of absorbing more were tried and left out, although each
// lowered the equal error rate on the wide synthetic population (from
// 5.6 % to 3.1 % together): letting blocks of 8×8 cells move one cell
// beyond the global shift (for tilted and stretched palms), and pooling
// the filter responses over a cell before coding. Both pull impostors
// together faster than mated pairs: in units of the mated distances'
// spread the impostor tail got heavier, and at the rates a door is set
// for (1e-6 and below) more mated searches failed, not fewer.
func Fine(a, b *template.Template, maxShift int) float64 {
	best := 1.0
	for dy := -maxShift; dy <= maxShift; dy++ {
		for dx := -maxShift; dx <= maxShift; dx++ {
			if d := shifted(a, b, dx, dy); d < best {
				best = d
			}
		}
	}
	return best
}

// shifted compares cell (r, c) of a with cell (r+dy, c+dx) of b.
func shifted(a, b *template.Template, dx, dy int) float64 {
	return codeDistance(counts(a, b, dx, dy))
}

// counts compares cell (r, c) of a with cell (r+dy, c+dx) of b: the
// disagreeing code bits, and the cells valid in both.
func counts(a, b *template.Template, dx, dy int) (diff, valid int) {
	for r := max(0, -dy); r < min(template.Rows, template.Rows-dy); r++ {
		rb := r + dy
		m := a.Mask[r] & shift(b.Mask[rb], dx)
		if m == 0 {
			continue
		}
		valid += bits.OnesCount32(m)
		for p := range template.Planes {
			diff += bits.OnesCount32((a.Code[p][r] ^ shift(b.Code[p][rb], dx)) & m)
		}
	}
	return diff, valid
}

// codeDistance is the distance of diff disagreeing code bits over valid
// cells in common: 1 (no evidence) below MinOverlap, else normalised.
func codeDistance(diff, valid int) float64 {
	if valid < MinOverlap {
		return 1
	}
	return normalise(float64(diff)/float64(template.Planes*valid), valid)
}

// normalise rescales a distance measured on n cells after Daugman's
// rule for iris codes ("How iris recognition works", 2004): few cells
// agree by chance more easily, so their distance is pulled towards the
// impostor mean 0.5 in proportion to (n / refOverlap)^normPower (never
// pushed past it).
func normalise(hd float64, n int) float64 {
	return 0.5 - (0.5-hd)*math.Min(1, math.Pow(float64(n)/refOverlap, normPower))
}

// normPower is gentler than Daugman's square root. A palm code's cells
// are not independent bits (a crease runs through many), so fewer cells
// carry more evidence than the root credits: the captures a reader
// turned away were mostly those with few cells above the noise floor
// (README, "Normalising few cells more gently").
const normPower = 0.25

// shift moves bit c+dx of row to bit c; bits from outside the row are 0.
func shift(row uint32, dx int) uint32 {
	if dx >= 0 {
		return row >> uint(dx)
	}
	return row << uint(-dx)
}

// Coarse compares the block summaries: the fraction of disagreeing bits
// over blocks valid in both, 1 when fewer than an eighth are.
func Coarse(a, b *template.Template) float64 {
	diff, valid := coarseDiff(&a.Coarse, &b.Coarse)
	if valid < minCoarse {
		return 1
	}
	return float64(diff) / float64(template.Planes*valid)
}

// minCoarse is the fewest blocks valid in both that Coarse compares.
const minCoarse = template.CoarseBlocks * template.CoarseBlocks / 8

// CoarseNearest is the smallest Coarse distance from any of probes to t.
// A search's coarse pass calls it for every template with every shift
// of the probe, so it compares fractions without dividing.
func CoarseNearest(probes []template.Summary, t *template.Summary) float64 {
	bestDiff, bestBits := 1, 1 // distance 1: nothing compared
	for i := range probes {
		diff, valid := coarseDiff(&probes[i], t)
		if valid >= minCoarse && diff*bestBits < bestDiff*template.Planes*valid {
			bestDiff, bestBits = diff, template.Planes*valid
		}
	}
	return float64(bestDiff) / float64(bestBits)
}

// coarseDiff counts the disagreeing bits of summaries a and b over the
// blocks valid in both, and those blocks. (Counting the three planes'
// disagreements with two popcounts, their parity's and their majority's,
// was slower on amd64: BenchmarkShortlist10k 1.08 times.)
func coarseDiff(a, b *template.Summary) (diff, valid int) {
	const mask = template.Planes
	for w := range a[mask] {
		m := a[mask][w] & b[mask][w]
		valid += bits.OnesCount64(m)
		diff += bits.OnesCount64((a[0][w]^b[0][w])&m) + bits.OnesCount64((a[1][w]^b[1][w])&m) + bits.OnesCount64((a[2][w]^b[2][w])&m)
	}
	return diff, valid
}
