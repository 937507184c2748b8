package match

import "github.com/palmd/palmd/biometric/template"

// Probe is one capture coded for comparison (features.Extractor.Probe):
// the capture at a few small rotations, each on the cell grid as cut
// and moved by half a cell. Codes[len/2] is the capture as cut, which a
// search shortlists by.
//
// Near refines a comparison below half a cell: Near[k] holds code k's
// grid moved one pixel (a quarter cell) each way. A probe without Near
// (features.Extractor.WholeCell, or codes made by hand) is compared on
// its codes alone.
//
// Tilted is the tilts' second look (palm.Rectified), which palmctl eval
// --look tilts measures (the reader registers outlines instead): the
// capture coded again with the frame rectified for a few tilts. A
// comparison that comes within SecondLook of a template on the codes as
// located compares the tilted probes too and keeps the closest; one that
// does not is too far for a tilt to explain.
type Probe struct {
	Codes  []template.Template
	Near   [][]Nearby
	Tilted []Probe
	// Turned are the indexes in Codes of the codes, besides the one as
	// cut, that a search shortlists by too: the capture turned a little
	// each way on the whole-cell grid (features.ShortlistRotations).
	Turned []int
}

// SecondLook is the distance below which a comparison looks again with
// the probe's tilted codes. It bounds the cost: most impostor comparisons
// lie above it, and a reader codes the tilts only when a search's best
// lies below it and above its threshold. Mated comparisons of tilted
// palms as located lie up to about 0.4 (p95 0.39 on the wide
// population's tilted captures): those above it stay unmatched.
const SecondLook = 0.33

// Nearby is a code on a grid one pixel from one of the probe's codes,
// with the cell shift to add to that code's so that it covers the same
// patch of the template: a grid moved a pixel beyond the cell's edge is
// coded as the neighbouring cell's grid, one cell over. Code has no
// coarse summary: only the fine comparison sees it.
type Nearby struct {
	Code   *template.Template
	DX, DY int
}

// Alignment is where a probe lies closest to a template: which code, at
// which shift, and the distance there.
type Alignment struct {
	Code, DX, DY int
	Distance     float64
}

// AsCut is the capture's code as the palm frame cut it.
func (p *Probe) AsCut() *template.Template { return &p.Codes[len(p.Codes)/2] }

// Shortlisting is the codes a search's coarse pass compares: the one as
// cut, then the Turned ones.
func (p *Probe) Shortlisting() []*template.Template {
	out := []*template.Template{p.AsCut()}
	for _, k := range p.Turned {
		out = append(out, &p.Codes[k])
	}
	return out
}

// Align finds the code and the shift (up to maxShift cells each way)
// at which the probe lies closest to t: the capture registered to t as
// well as the rotations, half-cell grids and shifts allow. A search over
// many templates aligns through one Aligner instead.
func (p *Probe) Align(t *template.Template, maxShift int) Alignment {
	return p.Aligner().Align(t, maxShift)
}

// Aligner is a probe ready to be aligned with many templates: its codes
// paired (pairs.go) once, not again for every template a search compares.
// It reads the probe; it is not for concurrent use while the probe changes.
type Aligner struct {
	p      *Probe
	codes  []evenPairs
	tilted []*Aligner // p.Tilted's, paired when a comparison first needs them
}

// Aligner pairs p's codes for aligning them with many templates.
func (p *Probe) Aligner() *Aligner {
	a := &Aligner{p: p, codes: make([]evenPairs, len(p.Codes))}
	for k := range p.Codes {
		a.codes[k] = pairEven(&p.Codes[k])
	}
	return a
}

// Align is Probe.Align with the probe's codes already paired.
func (a *Aligner) Align(t *template.Template, maxShift int) Alignment {
	best := Alignment{Code: -1, Distance: 1}
	all := pairAll(t)
	for dx := -maxShift; dx <= maxShift; dx++ {
		b := shiftAll(&all, dx)
		for k := range a.codes {
			for dy := -maxShift; dy <= maxShift; dy++ {
				d := pairedShifted(&a.codes[k], &b, dy)
				if al := (Alignment{Code: k, DX: dx, DY: dy, Distance: d}); before(al, best) {
					best = al
				}
			}
		}
	}
	return best
}

// Distance is Probe.Distance with the probe's codes already paired.
// Within SecondLook it compares the tilted probes as well (Probe.Tilted).
func (a *Aligner) Distance(t *template.Template, maxShift int) float64 {
	d, _ := a.Compare(t, maxShift)
	return d
}

// Compare is Distance, and the alignment of the capture's own codes it
// was refined from (before the quarter-cell refinement and any tilted
// probe), which Overlap reads.
func (a *Aligner) Compare(t *template.Template, maxShift int) (float64, Alignment) {
	al := a.Align(t, maxShift)
	d := a.p.Refine(t, al)
	if d >= SecondLook || len(a.p.Tilted) == 0 {
		return d, al
	}
	if a.tilted == nil {
		a.tilted = make([]*Aligner, len(a.p.Tilted))
		for i := range a.p.Tilted {
			a.tilted[i] = a.p.Tilted[i].Aligner()
		}
	}
	for _, ta := range a.tilted {
		d = min(d, ta.Distance(t, maxShift))
	}
	return d, al
}

// Overlap is how many cells the comparison at al rests on: those valid
// both in the probe's code al.Code and in t shifted by al's cells (0
// for the empty alignment). Distances on fewer cells are pulled towards
// 0.5 (normalise), and below MinOverlap count as 1.
func (a *Aligner) Overlap(t *template.Template, al Alignment) int {
	if al.Code < 0 || al.Code >= len(a.p.Codes) {
		return 0
	}
	_, valid := counts(&a.p.Codes[al.Code], t, al.DX, al.DY)
	return valid
}

// before says whether a is the better alignment: the closer, and of two
// as close the first in the order code, dy, dx, so that ties resolve as
// they do row by row whatever order the shifts are tried in.
func before(a, b Alignment) bool {
	switch {
	case a.Distance != b.Distance:
		return a.Distance < b.Distance
	case b.Code < 0:
		return false // b is the start: nothing closer found yet
	case a.Code != b.Code:
		return a.Code < b.Code
	case a.DY != b.DY:
		return a.DY < b.DY
	}
	return a.DX < b.DX
}

// Refine compares the aligned code's one-pixel neighbours at the
// alignment's shift: the distance once registered to a quarter of a
// cell. It never exceeds a.Distance.
//
// Only the neighbours of the one best alignment are tried, at its
// shift: searching them within a cell of it as well measured no better
// at the depth of the narrow population's impostor tail, which sets the
// door's threshold (PalmTail), at nine times the comparisons (README,
// "The filter's scale").
func (p *Probe) Refine(t *template.Template, a Alignment) float64 {
	d := a.Distance
	if a.Code < 0 || a.Code >= len(p.Near) {
		return d
	}
	for _, n := range p.Near[a.Code] {
		d = min(d, shifted(n.Code, t, a.DX+n.DX, a.DY+n.DY))
	}
	return d
}

// Distance is the probe's distance to t, aligned over shifts up to
// maxShift and refined, and within SecondLook the closest of its tilted
// probes' too: what a search scores each template it compares finely,
// and what the impostor tails (PalmTail) were measured with.
func (p *Probe) Distance(t *template.Template, maxShift int) float64 {
	return p.Aligner().Distance(t, maxShift)
}
