package match

// PalmTail is the impostor tail of this pipeline's codes (template
// version 3, a probe at three rotations against two enrolled captures,
// shifts of ±2 cells and blocks of 8×8 cells moving one more), measured
// on 5,882,212 impostor comparisons of the wide synthetic population
// (500 people × 2 hands × 8 captures: hand models, size in frame, finger
// spread, tilt, flexion, stretch, looks of lines, light and sensor):
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --impostors 0 --tail cal
//
// Rates down to 5e-6 are measured; below, the line fitted over the two
// deepest decades carries them (1e-9 is 3.7 decades further). Readers set
// their threshold from it (PalmTail.Threshold(rate)). It changes whenever
// the template version or the comparison does: run the two commands
// again and copy the printed literal.
var PalmTail = Tail{
	Comparisons: 5882212,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.2651},
		{FMR: 2e-02, Distance: 0.2402},
		{FMR: 1e-02, Distance: 0.2238},
		{FMR: 5e-03, Distance: 0.2090},
		{FMR: 2e-03, Distance: 0.1921},
		{FMR: 1e-03, Distance: 0.1806},
		{FMR: 5e-04, Distance: 0.1700},
		{FMR: 2e-04, Distance: 0.1573},
		{FMR: 1e-04, Distance: 0.1481},
		{FMR: 5e-05, Distance: 0.1400},
		{FMR: 2e-05, Distance: 0.1324},
		{FMR: 1e-05, Distance: 0.1249},
		{FMR: 5e-06, Distance: 0.1195},
	},
	Line: Calibration{Distance: 0.1180, Z: -4.500, Slope: 23.49},
}
