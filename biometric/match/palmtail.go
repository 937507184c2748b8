package match

// PalmTail is the impostor tail of this pipeline's codes (template
// version 2, a probe at three rotations against two enrolled captures,
// shifts of ±2 cells), measured on 1,198,200 impostor comparisons of 500
// synthetic people × 2 hands × 8 captures:
//
//	palmctl synth --out set500 --people 500 --hands 2 --captures 8 --negatives 60 --seed 1
//	palmctl eval set500
//
// Readers set their threshold from it (PalmTail.Threshold(rate)). It
// changes whenever the template version does: run the two commands again
// and copy the "impostor tail" line.
var PalmTail = Calibration{Distance: 0.2175, Z: -4.149, Slope: 25.48}
