package match

// PalmTail is the impostor tail readers set their threshold from
// (PalmTail.Threshold(rate)): the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at the rates both show: similar hands are
// likelier to match each other.
var PalmTail = Strictest(WideTail, NarrowTail)

// The tails of this pipeline's codes (template version 3, a probe at
// three rotations against two enrolled captures, shifts of ±2 cells and
// blocks of 8×8 cells moving one more). They change whenever the template
// version or the comparison does: run the commands again and copy the
// literals palmctl eval --tail prints.
//
// WideTail: 5,882,212 impostor comparisons of the wide population (hand
// models, size in frame, finger spread, tilt, flexion, stretch, looks of
// lines, light and sensor), measured down to 5e-6:
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --impostors 0 --tail cal
var WideTail = Tail{
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

// NarrowTail: 2,155,801 impostor comparisons of the narrow population
// (one hand model, modest pose changes), measured down to 1e-5:
//
//	palmctl synth --out caln --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl eval --impostors 0 --tail caln
var NarrowTail = Tail{
	Comparisons: 2155801,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.2498},
		{FMR: 2e-02, Distance: 0.2242},
		{FMR: 1e-02, Distance: 0.2073},
		{FMR: 5e-03, Distance: 0.1925},
		{FMR: 2e-03, Distance: 0.1751},
		{FMR: 1e-03, Distance: 0.1641},
		{FMR: 5e-04, Distance: 0.1531},
		{FMR: 2e-04, Distance: 0.1406},
		{FMR: 1e-04, Distance: 0.1335},
		{FMR: 5e-05, Distance: 0.1273},
		{FMR: 2e-05, Distance: 0.1200},
		{FMR: 1e-05, Distance: 0.1152},
	},
	Line: Calibration{Distance: 0.1150, Z: -4.282, Slope: 24.57},
}
