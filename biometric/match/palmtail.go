package match

// PalmTail is the impostor tail readers set their threshold from
// (PalmTail.Threshold(rate)): the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at every rate both show (at 1e-5, 0.2266
// against 0.2593): similar hands are likelier to match each other, so
// no one population's tail bounds the others.
var PalmTail = Strictest(WideTail, NarrowTail)

// The tails of this pipeline's codes (template version 4, a probe at
// five rotations on four cell grids, features.Extractor.Probe, against
// two enrolled captures, shifts of ±2 cells, refined on the one-pixel
// grids around the alignment: match.Probe.Distance).
// They change whenever the template version or the comparison does: run
// the commands again and copy the literals palmctl eval --tail prints.
//
// WideTail: 5,860,366 impostor comparisons of the wide population (hand
// models, size in frame, finger spread, tilt, flexion, stretch, looks of
// lines, light and sensor), measured down to 5e-6:
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --impostors 0 --tail cal
var WideTail = Tail{
	Comparisons: 5860366,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3753},
		{FMR: 2e-02, Distance: 0.3601},
		{FMR: 1e-02, Distance: 0.3494},
		{FMR: 5e-03, Distance: 0.3390},
		{FMR: 2e-03, Distance: 0.3258},
		{FMR: 1e-03, Distance: 0.3163},
		{FMR: 5e-04, Distance: 0.3072},
		{FMR: 2e-04, Distance: 0.2961},
		{FMR: 1e-04, Distance: 0.2881},
		{FMR: 5e-05, Distance: 0.2801},
		{FMR: 2e-05, Distance: 0.2683},
		{FMR: 1e-05, Distance: 0.2593},
		{FMR: 5e-06, Distance: 0.2522},
	},
	Line: Calibration{Distance: 0.2477, Z: -4.499, Slope: 19.80},
}

// NarrowTail: 2,155,801 impostor comparisons of the narrow population
// (one hand model, modest pose changes), measured down to 1e-5:
//
//	palmctl synth --out caln --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl eval --impostors 0 --tail caln
var NarrowTail = Tail{
	Comparisons: 2155801,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3452},
		{FMR: 2e-02, Distance: 0.3281},
		{FMR: 1e-02, Distance: 0.3160},
		{FMR: 5e-03, Distance: 0.3046},
		{FMR: 2e-03, Distance: 0.2906},
		{FMR: 1e-03, Distance: 0.2806},
		{FMR: 5e-04, Distance: 0.2714},
		{FMR: 2e-04, Distance: 0.2603},
		{FMR: 1e-04, Distance: 0.2526},
		{FMR: 5e-05, Distance: 0.2449},
		{FMR: 2e-05, Distance: 0.2323},
		{FMR: 1e-05, Distance: 0.2266},
	},
	Line: Calibration{Distance: 0.2265, Z: -4.282, Slope: 21.81},
}
