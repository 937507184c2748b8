package qr

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// recovered decodes with gozxing's own finder, grid sampler and decoder,
// but more patiently than its QRCodeReader, which gives up after one
// guess. It tries every plausible triple of finder patterns, with the
// symbol size gozxing would compute and its neighbours (under steep
// perspective the module size measured at the finders and the distance
// between them disagree), and, when only two finders are visible (a
// finger or a glare over the third), each place the third one can be.
// Error correction rejects the wrong guesses; a wrong guess that decodes
// would have to pass Reed-Solomon with a valid format word.
func recovered(b gozxing.Binarizer) (payload string, err error) {
	defer func() {
		if r := recover(); r != nil {
			payload, err = "", fmt.Errorf("%w: gozxing panicked: %v", ErrNotFound, r)
		}
	}()
	bits, err := b.GetBlackMatrix()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	f := detector.NewFinderPatternFinder(bits, nil)
	var ts []triple
	if info, err := f.Find(zxHints()); err == nil {
		// gozxing's own choice first, with other symbol sizes this time
		ts = append(ts, triple{tl: centre(info.GetTopLeft()), tr: centre(info.GetTopRight()),
			bl: centre(info.GetBottomLeft()), module: meanModule(info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft())})
	}
	cands := strongest(f.GetPossibleCenters(), maxCandidates)
	r := recoverer{bits: bits, dec: decoder.NewDecoder(), budget: maxGuesses}
	for i, t := range append(ts, triples(cands)...) {
		r.own = i < len(ts)
		if s, ok := r.try(t); ok {
			return s, nil
		}
	}
	r.own = false
	for _, t := range guessedTriples(cands) {
		if s, ok := r.try(t); ok {
			return s, nil
		}
	}
	if r.unreadable {
		return "", fmt.Errorf("%w: %w", ErrNotFound, ErrUnreadable)
	}
	return "", ErrNotFound
}

const (
	maxCandidates = 5  // finder candidates considered, most often confirmed first
	maxGuesses    = 60 // grid samplings per frame: bounds the time a hopeless frame costs
)

// triple is a finder-pattern hypothesis: the centres of the top-left,
// top-right and bottom-left finders and a module size.
type triple struct {
	tl, tr, bl point
	module     float64
}

type point struct{ x, y float64 }

func (p point) add(q point) point       { return point{p.x + q.x, p.y + q.y} }
func (p point) sub(q point) point       { return point{p.x - q.x, p.y - q.y} }
func (p point) scale(k float64) point   { return point{p.x * k, p.y * k} }
func (p point) perp() point             { return point{-p.y, p.x} } // +90° with y down
func (p point) dist(q point) float64    { return math.Hypot(p.x-q.x, p.y-q.y) }
func (p point) rp() gozxing.ResultPoint { return gozxing.NewResultPoint(p.x, p.y) }

// strongest keeps the n candidates seen on the most scan lines.
func strongest(c []*detector.FinderPattern, n int) []*detector.FinderPattern {
	c = append([]*detector.FinderPattern(nil), c...)
	sort.SliceStable(c, func(i, j int) bool { return c[i].GetCount() > c[j].GetCount() })
	if len(c) > n {
		c = c[:n]
	}
	return c
}

func centre(f *detector.FinderPattern) point { return point{f.GetX(), f.GetY()} }

func meanModule(f ...*detector.FinderPattern) float64 {
	sum := 0.0
	for _, p := range f {
		sum += p.GetEstimatedModuleSize()
	}
	return sum / float64(len(f))
}

// similar reports whether two finders could belong to one symbol.
func similar(a, b *detector.FinderPattern) bool {
	ma, mb := a.GetEstimatedModuleSize(), b.GetEstimatedModuleSize()
	return ma > 0 && mb > 0 && math.Max(ma, mb)/math.Min(ma, mb) < 1.6 &&
		centre(a).dist(centre(b)) > 10*math.Min(ma, mb)
}

// triples puts every three compatible candidates in each arrangement
// that is not mirrored: under steep perspective the top-left finder is not
// always the one nearest the other two, which is gozxing's only guess.
func triples(c []*detector.FinderPattern) []triple {
	var out []triple
	for i := 0; i < len(c); i++ {
		for j := i + 1; j < len(c); j++ {
			for k := j + 1; k < len(c); k++ {
				a, b, d := c[i], c[j], c[k]
				if !similar(a, b) || !similar(a, d) || !similar(b, d) {
					continue
				}
				m := meanModule(a, b, d)
				p := [3]point{centre(a), centre(b), centre(d)}
				for corner := range 3 {
					t := triple{tl: p[corner], tr: p[(corner+1)%3], bl: p[(corner+2)%3], module: m}
					if t.cross() < 0 {
						t.tr, t.bl = t.bl, t.tr
					}
					if t.plausible() {
						out = append(out, t)
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].squareness() > out[j].squareness() })
	return out
}

// guessedTriples completes each compatible pair of candidates with a third
// finder in each of the six places it can be: the pair may be top-left and
// top-right, top-left and bottom-left (either way round), or the diagonal.
func guessedTriples(c []*detector.FinderPattern) []triple {
	var out []triple
	for i := 0; i < len(c); i++ {
		for j := i + 1; j < len(c); j++ {
			if !similar(c[i], c[j]) {
				continue
			}
			m := meanModule(c[i], c[j])
			for _, ab := range [][2]point{{centre(c[i]), centre(c[j])}, {centre(c[j]), centre(c[i])}} {
				a, b := ab[0], ab[1]
				mid := a.add(b).scale(0.5)
				for _, t := range []triple{
					{tl: a, tr: b, bl: a.add(b.sub(a).perp())},     // a top-left, b top-right
					{tl: a, bl: b, tr: a.sub(b.sub(a).perp())},     // a top-left, b bottom-left
					{tr: a, bl: b, tl: mid.sub(a.sub(mid).perp())}, // a top-right, b bottom-left
				} {
					t.module = m
					if t.plausible() {
						out = append(out, t)
					}
				}
			}
		}
	}
	return out
}

// cross is the sine of the corner at the top-left finder: positive when
// the symbol is not mirrored (y down).
func (t triple) cross() float64 {
	u, v := t.tr.sub(t.tl), t.bl.sub(t.tl)
	return (u.x*v.y - u.y*v.x) / (math.Hypot(u.x, u.y) * math.Hypot(v.x, v.y))
}

// squareness ranks triples: a right corner between equal arms first.
func (t triple) squareness() float64 {
	lu, lv := t.tl.dist(t.tr), t.tl.dist(t.bl)
	return t.cross() * math.Min(lu, lv) / math.Max(lu, lv)
}

// plausible rejects triples that no tilt of a square symbol explains.
func (t triple) plausible() bool {
	u, v := t.tr.sub(t.tl), t.bl.sub(t.tl)
	lu, lv := math.Hypot(u.x, u.y), math.Hypot(v.x, v.y)
	if lu < 10*t.module || lv < 10*t.module || math.Max(lu, lv)/math.Min(lu, lv) > 2.5 {
		return false
	}
	return t.cross() > 0.5 // the corner is 30°..150° and not mirrored
}

// dimensions is the symbol size the finders suggest, then its neighbours.
// The module is measured along each axis through the finders themselves
// (a finder is 7 modules across in every direction through its centre),
// because a finder's own estimate comes from horizontal runs and is √2
// too large on a symbol turned 45°.
func (t triple) dimensions(bits *gozxing.BitMatrix) []int {
	span := 0.0
	for _, arm := range [][2]point{{t.tl, t.tr}, {t.tl, t.bl}} {
		m := axisModule(bits, arm[0], arm[1], arm[1], arm[0])
		if math.IsNaN(m) {
			m = t.module
		}
		span += arm[0].dist(arm[1]) / m / 2
	}
	d := int(math.Round((span+7-17)/4))*4 + 17
	var out []int
	for _, k := range []int{d, d + 4, d - 4} {
		if k >= 21 && k <= 177 {
			out = append(out, k)
		}
	}
	return out
}

// axisModule is the mean module size of the finders at a and b measured
// along the line towards each other's centre; NaN when neither measures
// (a guessed finder has nothing to measure).
func axisModule(bits *gozxing.BitMatrix, a, towardA, b, towardB point) float64 {
	sum, n := 0.0, 0
	for _, m := range []float64{finderWidth(bits, a, towardA), finderWidth(bits, b, towardB)} {
		if !math.IsNaN(m) {
			sum, n = sum+m/7, n+1
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// finderWidth measures the finder centred at c across, along the line to
// toward: from the dark centre out each way, past the light ring and the
// dark ring, to the light separator (3.5 modules each way).
func finderWidth(bits *gozxing.BitMatrix, c, toward point) float64 {
	d := toward.sub(c)
	l := math.Hypot(d.x, d.y)
	if l == 0 {
		return math.NaN()
	}
	d = d.scale(1 / l)
	total := 0.0
	for _, dir := range []point{d, d.scale(-1)} {
		r := edgeOut(bits, c, dir, l/2)
		if math.IsNaN(r) {
			return math.NaN()
		}
		total += r
	}
	return total
}

// edgeOut walks from c along dir until dark→light→dark→light has been
// crossed, and returns the distance; NaN if the walk leaves the image,
// passes limit, or c is not dark.
func edgeOut(bits *gozxing.BitMatrix, c, dir point, limit float64) float64 {
	w, h := bits.GetWidth(), bits.GetHeight()
	dark, changes := true, 0
	for t := 0.0; t < limit; t += 0.5 {
		x, y := int(c.x+dir.x*t), int(c.y+dir.y*t)
		if x < 0 || y < 0 || x >= w || y >= h {
			return math.NaN()
		}
		if v := bits.Get(x, y); t == 0 && !v {
			return math.NaN()
		} else if v != dark {
			dark, changes = v, changes+1
			if changes == 3 {
				return t
			}
		}
	}
	return math.NaN()
}

// recoverer samples and decodes hypotheses until one decodes or its budget
// of samplings is spent.
type recoverer struct {
	bits   *gozxing.BitMatrix
	dec    *decoder.Decoder
	budget int
	// own: the triple is gozxing's own choice; unreadable: its symbol's
	// format information decoded and its data failed error correction,
	// the evidence of a code that zxDecode takes too (failed).
	own, unreadable bool
}

func (r *recoverer) try(t triple) (string, bool) {
	for _, dim := range t.dimensions(r.bits) {
		if r.budget <= 0 {
			return "", false
		}
		r.budget--
		if s, ok := r.decodeAt(t, dim); ok {
			return s, true
		}
	}
	return "", false
}

// decodeAt samples the grid of a dim×dim symbol on the triple, with the
// bottom-right alignment pattern when one is found, and decodes it.
func (r *recoverer) decodeAt(t triple, dim int) (string, bool) {
	var align *detector.AlignmentPattern
	if dim > 21 {
		align = r.alignment(t, dim)
	}
	tf := detector.Detector_createTransform(t.tl.rp(), t.tr.rp(), t.bl.rp(), align, dim)
	grid, err := detector.Detector_sampleGrid(r.bits, tf, dim)
	if err != nil {
		return "", false
	}
	res, err := r.dec.Decode(grid, zxHints())
	if err != nil {
		var ce gozxing.ChecksumException
		r.unreadable = r.unreadable || r.own && errors.As(err, &ce)
		return "", false
	}
	return res.GetText(), true
}

// alignment looks for the bottom-right alignment pattern three modules in
// from where a fourth finder would sit, as gozxing's detector does.
func (r *recoverer) alignment(t triple, dim int) *detector.AlignmentPattern {
	br := t.tr.sub(t.tl).add(t.bl)
	k := 1 - 3/float64(dim-7)
	est := t.tl.add(br.sub(t.tl).scale(k))
	w, h := r.bits.GetWidth(), r.bits.GetHeight()
	for _, reach := range []float64{4, 8, 16} {
		a := int(reach * t.module)
		x0, x1 := max(0, int(est.x)-a), min(w-1, int(est.x)+a)
		y0, y1 := max(0, int(est.y)-a), min(h-1, int(est.y)+a)
		if float64(x1-x0) < 3*t.module || float64(y1-y0) < 3*t.module {
			return nil
		}
		ap, err := detector.NewAlignmentPatternFinder(r.bits, x0, y0, x1-x0, y1-y0, t.module, nil).Find()
		if err == nil {
			return ap
		}
	}
	return nil
}
