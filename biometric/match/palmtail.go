package match

// PalmTail is the impostor tail readers set their threshold from
// (PalmTail.Threshold(rate)): the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at every rate both show (at 1e-5, 0.2367
// against 0.2723): similar hands are likelier to match each other, so
// no one population's tail bounds the others.
var PalmTail = Strictest(WideTail, NarrowTail)

// The tails of this pipeline's codes (template version 4, a probe at
// three rotations on four cell grids, features.Extractor.Probe, against
// two enrolled captures, shifts of ±2 cells).
// They change whenever the template version or the comparison does: run
// the commands again and copy the literals palmctl eval --tail prints.
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
		{FMR: 5e-02, Distance: 0.3840},
		{FMR: 2e-02, Distance: 0.3693},
		{FMR: 1e-02, Distance: 0.3588},
		{FMR: 5e-03, Distance: 0.3486},
		{FMR: 2e-03, Distance: 0.3356},
		{FMR: 1e-03, Distance: 0.3261},
		{FMR: 5e-04, Distance: 0.3169},
		{FMR: 2e-04, Distance: 0.3065},
		{FMR: 1e-04, Distance: 0.2985},
		{FMR: 5e-05, Distance: 0.2893},
		{FMR: 2e-05, Distance: 0.2801},
		{FMR: 1e-05, Distance: 0.2723},
		{FMR: 5e-06, Distance: 0.2652},
	},
	Line: Calibration{Distance: 0.2622, Z: -4.500, Slope: 21.64},
}

// NarrowTail: 2,155,801 impostor comparisons of the narrow population
// (one hand model, modest pose changes), measured down to 1e-5:
//
//	palmctl synth --out caln --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl eval --impostors 0 --tail caln
var NarrowTail = Tail{
	Comparisons: 2155801,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3553},
		{FMR: 2e-02, Distance: 0.3386},
		{FMR: 1e-02, Distance: 0.3268},
		{FMR: 5e-03, Distance: 0.3155},
		{FMR: 2e-03, Distance: 0.3017},
		{FMR: 1e-03, Distance: 0.2921},
		{FMR: 5e-04, Distance: 0.2829},
		{FMR: 2e-04, Distance: 0.2717},
		{FMR: 1e-04, Distance: 0.2648},
		{FMR: 5e-05, Distance: 0.2565},
		{FMR: 2e-05, Distance: 0.2450},
		{FMR: 1e-05, Distance: 0.2367},
	},
	Line: Calibration{Distance: 0.2360, Z: -4.282, Slope: 20.99},
}
