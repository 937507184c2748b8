// Package templatetest makes synthetic palm codes for testing matching and
// search without images: each identity has a smooth orientation field of
// its own, and each capture of it is shifted, noisy and partly masked.
// It measures the search, not the feature extractor.
package templatetest

import (
	"math"
	"math/rand/v2"

	"github.com/palmd/palmd/biometric/template"
)

// pad is the field margin around the grid, so that shifted captures see
// real content at the edges.
const pad = 4

// Identity is one person's orientation field.
type Identity struct {
	field [template.Rows + 2*pad][template.Cols + 2*pad]uint8
}

// NewIdentity draws a field: a sum of four low-frequency waves for the
// principal-line flow, and a few straight creases across it.
func NewIdentity(rng *rand.Rand) *Identity {
	type wave struct{ a, u, v, phi float64 }
	var waves [4]wave
	for i := range waves {
		waves[i] = wave{rng.Float64() * 2, rng.NormFloat64() * 0.25, rng.NormFloat64() * 0.25, rng.Float64() * 2 * math.Pi}
	}
	id := &Identity{}
	for y := range id.field {
		for x := range id.field[y] {
			theta := 0.0
			for _, w := range waves {
				theta += w.a * math.Sin(w.u*float64(x)+w.v*float64(y)+w.phi)
			}
			id.field[y][x] = quantise(theta)
		}
	}
	for range 3 + rng.IntN(4) {
		id.crease(rng)
	}
	return id
}

// crease draws a straight line of constant orientation through the field.
func (id *Identity) crease(rng *rand.Rand) {
	angle := rng.Float64() * math.Pi
	o := quantise(angle)
	x, y := rng.Float64()*float64(len(id.field[0])), rng.Float64()*float64(len(id.field))
	dx, dy := math.Cos(angle), math.Sin(angle)
	for t := -40.0; t <= 40; t += 0.5 {
		cx, cy := int(x+t*dx), int(y+t*dy)
		if cy >= 0 && cy < len(id.field) && cx >= 0 && cx < len(id.field[0]) {
			id.field[cy][cx] = o
		}
	}
}

func quantise(theta float64) uint8 {
	t := math.Mod(theta, math.Pi)
	if t < 0 {
		t += math.Pi
	}
	return uint8(t/(math.Pi/template.Orientations)) % template.Orientations
}

// Capture makes one template of the identity: shifted by up to maxShift
// cells, with a fraction noise of cells off by one orientation (and a
// quarter of that at random), an invalid band along one edge and a few
// invalid cells.
func (id *Identity) Capture(rng *rand.Rand, noise float64, maxShift int) template.Template {
	sx, sy := rng.IntN(2*maxShift+1)-maxShift, rng.IntN(2*maxShift+1)-maxShift
	band := rng.IntN(4)
	var t template.Template
	for r := range template.Rows {
		for c := range template.Cols {
			if c < band || rng.Float64() < 0.03 {
				continue
			}
			o := int(id.field[r+pad+sy][c+pad+sx])
			switch p := rng.Float64(); {
			case p < noise/4:
				o = rng.IntN(template.Orientations)
			case p < noise:
				o += 1 + 4*rng.IntN(2) // ±1 step on the cycle of six
			}
			t.Set(r, c, o%template.Orientations)
		}
	}
	t.Summarise()
	return t
}
