package synth

import (
	"image"
	"math"
	"math/rand/v2"
)

// Attack kinds: photos of an enrolled palm held up to the reader.
const (
	// AttackPrintSheet is a near-infrared photo of the palm printed on a
	// sheet of paper: the paper's margin shows around the photo.
	AttackPrintSheet = "print-sheet"
	// AttackPrintCutout is the same print cut out along the hand.
	AttackPrintCutout = "print-cutout"
	// AttackScreen is the photo on a phone's screen, which emits almost
	// no near-infrared: a faint image behind glass, on the screen's grid.
	AttackScreen = "screen"
)

// AttackKinds are the kinds WriteSet renders, in turn.
var AttackKinds = []string{AttackPrintSheet, AttackPrintCutout, AttackScreen}

// Attack renders a presentation attack of kind against the hand: a photo
// of it under photo conditions, reproduced as the kind does, held flat in
// front of the reader.
func (h *Hand) Attack(kind string, photo Conditions, rng *rand.Rand) *image.Gray {
	src := h.Capture(photo)
	out := image.NewGray(src.Rect)
	switch kind {
	case AttackScreen:
		screen(src, out, rng)
	default:
		printed(src, out, kind == AttackPrintSheet, rng)
	}
	return out
}

// printed reproduces src as a halftone print lit by the reader: paper
// white where the photo is light, toner dots in a screen of 2–4 pixels
// (as the camera sees an office print at 10 cm) where it is dark. A
// sheet keeps the paper's margin around the photo; a cut-out only the
// hand (the photo's dark background cut away).
func printed(src, out *image.Gray, sheet bool, rng *rand.Rand) {
	period := 2.2 + rng.Float64()*1.8
	angle := rng.Float64() * math.Pi / 2
	sin, cos := math.Sincos(angle)
	paper := 150 + rng.Float64()*60
	margin := 40 + rng.IntN(40)
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			v := float64(src.Pix[y*src.Stride+x])
			inHand := v > 45
			inSheet := sheet && x > margin && x < src.Rect.Dx()-margin && y > margin/2
			if !inHand && !inSheet {
				out.Pix[y*out.Stride+x] = uint8(8 + rng.NormFloat64()*2)
				continue
			}
			// Toner covers the fraction of each screen cell the photo's
			// darkness asks for: a dot grows from the cell's centre.
			ink := 1 - v/255
			u := (float64(x)*cos + float64(y)*sin) / period
			w := (-float64(x)*sin + float64(y)*cos) / period
			du, dw := u-math.Floor(u)-0.5, w-math.Floor(w)-0.5
			dot := 0.0
			if du*du+dw*dw < ink/math.Pi {
				dot = 1
			}
			val := paper * (1 - 0.85*dot)
			out.Pix[y*out.Stride+x] = uint8(max(0, min(255, val+rng.NormFloat64()*3)))
		}
	}
}

// screen reproduces src as a phone's screen does in near-infrared: the
// glass reflects the illuminator faintly, the image shows at a fraction
// of its contrast, on a grid of pixels with dark gaps.
func screen(src, out *image.Gray, rng *rand.Rand) {
	pitch := 2 + rng.IntN(2)
	contrast := 0.15 + rng.Float64()*0.2
	x0, x1 := 140+rng.IntN(40), 460+rng.IntN(40)
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			val := 8.0
			if x > x0 && x < x1 && y > 20 {
				val = 30 + contrast*float64(src.Pix[y*src.Stride+x])
				if x%pitch == 0 || y%pitch == 0 {
					val *= 0.6
				}
			}
			out.Pix[y*out.Stride+x] = uint8(max(0, min(255, val+rng.NormFloat64()*3)))
		}
	}
}
