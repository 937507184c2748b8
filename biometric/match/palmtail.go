package match

// PalmTail is the impostor tail readers set their threshold from
// (PalmTail.Threshold(rate)): the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at every rate both show (at 1e-5, 0.2263
// against 0.2638): similar hands are likelier to match each other, so
// no one population's tail bounds the others.
var PalmTail = Strictest(WideTail, NarrowTail)

// The tails of this pipeline's codes (template version 4, a probe at
// five rotations on four cell grids, features.Extractor.Probe, against
// two enrolled captures, shifts of ±2 cells, refined on the one-pixel
// grids around the alignment: match.Probe.Distance).
// They change whenever the template version or the comparison does: run
// the commands again and copy the literals palmctl eval --tail prints.
//
// WideTail: 5,883,210 impostor comparisons of the wide population (hand
// models, size in frame, finger spread, tilt, flexion, stretch, looks of
// lines, light and sensor), measured down to 5e-6:
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --impostors 0 --tail cal
var WideTail = Tail{
	Comparisons: 5883210,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3768},
		{FMR: 2e-02, Distance: 0.3618},
		{FMR: 1e-02, Distance: 0.3510},
		{FMR: 5e-03, Distance: 0.3406},
		{FMR: 2e-03, Distance: 0.3272},
		{FMR: 1e-03, Distance: 0.3175},
		{FMR: 5e-04, Distance: 0.3085},
		{FMR: 2e-04, Distance: 0.2973},
		{FMR: 1e-04, Distance: 0.2893},
		{FMR: 5e-05, Distance: 0.2814},
		{FMR: 2e-05, Distance: 0.2700},
		{FMR: 1e-05, Distance: 0.2638},
		{FMR: 5e-06, Distance: 0.2548},
	},
	Line: Calibration{Distance: 0.2480, Z: -4.500, Slope: 20.49},
}

// NarrowTail: 2,155,801 impostor comparisons of the narrow population
// (one hand model, modest pose changes), measured down to 1e-5:
//
//	palmctl synth --out caln --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl eval --impostors 0 --tail caln
var NarrowTail = Tail{
	Comparisons: 2155801,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3450},
		{FMR: 2e-02, Distance: 0.3280},
		{FMR: 1e-02, Distance: 0.3159},
		{FMR: 5e-03, Distance: 0.3044},
		{FMR: 2e-03, Distance: 0.2903},
		{FMR: 1e-03, Distance: 0.2806},
		{FMR: 5e-04, Distance: 0.2715},
		{FMR: 2e-04, Distance: 0.2598},
		{FMR: 1e-04, Distance: 0.2518},
		{FMR: 5e-05, Distance: 0.2440},
		{FMR: 2e-05, Distance: 0.2335},
		{FMR: 1e-05, Distance: 0.2263},
	},
	Line: Calibration{Distance: 0.2259, Z: -4.282, Slope: 21.71},
}
