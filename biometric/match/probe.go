package match

import "github.com/palmd/palmd/biometric/template"

// Probe is one capture coded for comparison (features.Extractor.Probe):
// the capture at a few small rotations, each on the cell grid as cut
// and moved by half a cell. Codes[len/2] is the capture as cut, which a
// search shortlists by.
type Probe struct {
	Codes []template.Template
}

// AsCut is the capture's code as the palm frame cut it.
func (p *Probe) AsCut() *template.Template { return &p.Codes[len(p.Codes)/2] }

// Distance is the smallest distance of any of the probe's codes to t
// over shifts up to maxShift: the capture's distance to t once
// registered as well as the rotations, grids and shifts allow.
func (p *Probe) Distance(t *template.Template, maxShift int) float64 {
	d := 1.0
	for i := range p.Codes {
		d = min(d, Fine(&p.Codes[i], t, maxShift))
	}
	return d
}
