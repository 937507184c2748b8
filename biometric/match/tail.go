package match

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Tail is a measured impostor tail: the distance below which each
// false-match rate was observed on a sample of impostor comparisons, and
// the line (on normal-probability axes) that carries it below the
// deepest rate the sample could show.
//
// Rates the sample shows are read off it, so they hold for the population
// it was measured on without a model; only the rates below it rest on
// the line, which is fitted over the sample's two deepest decades.
// CheckLine measures how far such a line lands from what a larger sample
// measured (Calibration has the figures).
type Tail struct {
	Comparisons int         // impostor comparisons measured
	Points      []TailPoint // by falling rate
	Line        Calibration // below the last point
}

// TailPoint is one measured rate: at most FMR of the impostor distances
// lay below Distance.
type TailPoint struct {
	FMR, Distance float64
}

// tailRates are the rates a tail table holds per decade.
var tailRates = []float64{5, 2, 1}

// MeasureTail tabulates the tail of a sample of impostor distances (each
// the best over shifts, rotations and enrolled captures, as a search
// compares): every rate of 5, 2 and 1 per decade that rests on at least
// tailSamples distances, and the extrapolation line.
func MeasureTail(impostors []float64) (Tail, error) {
	n := len(impostors)
	if n < tailSamples*tailSpan*10 {
		return Tail{}, errors.New("match: need at least 2,000 impostor distances to measure a tail")
	}
	s := slices.Sorted(slices.Values(impostors))
	t := Tail{Comparisons: n}
	for decade := 1e-2; ; decade /= 10 {
		for _, m := range tailRates {
			rate := m * decade
			k := int(rate * float64(n))
			if k < tailSamples {
				line, err := fitLine(s)
				t.Line = line
				return t, err
			}
			t.Points = append(t.Points, TailPoint{FMR: rate, Distance: s[k]})
		}
	}
}

// fitLine fits z = probit(rate) against distance by least squares over
// the two deepest decades of sorted s (tailSamples to 100·tailSamples
// distances below), anchored at the deepest quantile.
func fitLine(s []float64) (Calibration, error) {
	n := float64(len(s))
	var sx, sy, sxx, sxy, m float64
	for k := float64(tailSamples); k <= 100*tailSamples && int(k) < len(s); k *= 1.25 {
		x, y := s[int(k)], probit(k/n)
		sx, sy, sxx, sxy, m = sx+x, sy+y, sxx+x*x, sxy+x*y, m+1
	}
	den := m*sxx - sx*sx
	if den <= 0 {
		return Calibration{}, errors.New("match: impostor distances have no spread in their tail")
	}
	slope := (m*sxy - sx*sy) / den
	if slope <= 0 {
		return Calibration{}, errors.New("match: impostor tail does not rise")
	}
	return Calibration{Distance: s[tailSamples], Z: probit(tailSamples / n), Slope: slope}, nil
}

// Threshold is the distance below which a comparison is accepted for a
// false-match rate per comparison: read off the table between measured
// rates (log-linear, never above the higher rate's distance band), and
// from the line below them.
func (t Tail) Threshold(fmr float64) float64 {
	p := t.Points
	if len(p) == 0 || fmr < p[len(p)-1].FMR {
		th := t.Line.Threshold(fmr)
		if len(p) > 0 {
			th = min(th, p[len(p)-1].Distance)
		}
		return th
	}
	if fmr >= p[0].FMR {
		return p[0].Distance
	}
	i := 1
	for p[i].FMR > fmr {
		i++
	}
	hi, lo := p[i-1], p[i] // hi.FMR > fmr ≥ lo.FMR
	f := math.Log(fmr/lo.FMR) / math.Log(hi.FMR/lo.FMR)
	return lo.Distance + f*(hi.Distance-lo.Distance)
}

// ForSearch is the per-comparison rate that keeps a 1:N search of hands
// enrolled hands, decided from frames frames, under fpir false positive
// identifications: each hand and each frame is a chance to match, so
// the union bound divides the rate among them whatever their correlation.
func ForSearch(fpir float64, hands, frames int) float64 {
	return fpir / float64(max(1, hands)*max(1, frames))
}

// GoString prints the tail as the Go literal palmtail.go ships.
func (t Tail) GoString() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tail{\n\tComparisons: %d,\n\tPoints: []TailPoint{\n", t.Comparisons)
	for _, p := range t.Points {
		fmt.Fprintf(&b, "\t\t{FMR: %.0e, Distance: %.4f},\n", p.FMR, p.Distance)
	}
	fmt.Fprintf(&b, "\t},\n\tLine: Calibration{Distance: %.4f, Z: %.3f, Slope: %.2f},\n}", t.Line.Distance, t.Line.Z, t.Line.Slope)
	return b.String()
}

// Strictest combines tails measured on different populations into the
// one a reader can trust on any of them: at every rate any of them
// measured, the lowest threshold any of them gives (its measured
// distance, or its line's below the rates it measured), and below all
// of their measured rates the line that gives the lowest thresholds. A
// population of similar hands (one hand model, say) has a heavier tail
// than a varied one, so no single population's tail bounds them all;
// and a tail measured less deep than another still bounds it where its
// line lies lower.
func Strictest(tails ...Tail) Tail {
	if len(tails) == 0 {
		return Tail{}
	}
	out := Tail{Line: tails[0].Line}
	var rates []float64
	for i, t := range tails {
		out.Comparisons += t.Comparisons
		for _, p := range t.Points {
			if !slices.Contains(rates, p.FMR) {
				rates = append(rates, p.FMR)
			}
		}
		if i > 0 && t.Line.Threshold(1e-9) < out.Line.Threshold(1e-9) {
			out.Line = t.Line
		}
	}
	slices.SortFunc(rates, func(a, b float64) int { return cmp.Compare(b, a) })
	for _, r := range rates {
		d := math.Inf(1)
		for _, t := range tails {
			d = min(d, t.Threshold(r))
		}
		out.Points = append(out.Points, TailPoint{FMR: r, Distance: d})
	}
	return out
}
