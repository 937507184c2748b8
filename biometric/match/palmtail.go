package match

// PalmTail is the impostor tail readers set their threshold from
// (PalmTail.Threshold(rate)): the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at every rate both show (at 1e-5, 0.2055
// against 0.2406): similar hands are likelier to match each other, so
// no one population's tail bounds the others.
var PalmTail = Strictest(WideTail, NarrowTail)

// The tails of this pipeline's codes (template version 3, a probe at
// three rotations against two enrolled captures, shifts of ±2 cells).
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
		{FMR: 5e-02, Distance: 0.3697},
		{FMR: 2e-02, Distance: 0.3514},
		{FMR: 1e-02, Distance: 0.3384},
		{FMR: 5e-03, Distance: 0.3260},
		{FMR: 2e-03, Distance: 0.3104},
		{FMR: 1e-03, Distance: 0.2995},
		{FMR: 5e-04, Distance: 0.2892},
		{FMR: 2e-04, Distance: 0.2761},
		{FMR: 1e-04, Distance: 0.2666},
		{FMR: 5e-05, Distance: 0.2586},
		{FMR: 2e-05, Distance: 0.2472},
		{FMR: 1e-05, Distance: 0.2406},
		{FMR: 5e-06, Distance: 0.2314},
	},
	Line: Calibration{Distance: 0.2295, Z: -4.500, Slope: 20.21},
}

// NarrowTail: 2,155,801 impostor comparisons of the narrow population
// (one hand model, modest pose changes), measured down to 1e-5:
//
//	palmctl synth --out caln --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl eval --impostors 0 --tail caln
var NarrowTail = Tail{
	Comparisons: 2155801,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3439},
		{FMR: 2e-02, Distance: 0.3224},
		{FMR: 1e-02, Distance: 0.3074},
		{FMR: 5e-03, Distance: 0.2933},
		{FMR: 2e-03, Distance: 0.2758},
		{FMR: 1e-03, Distance: 0.2638},
		{FMR: 5e-04, Distance: 0.2527},
		{FMR: 2e-04, Distance: 0.2392},
		{FMR: 1e-04, Distance: 0.2305},
		{FMR: 5e-05, Distance: 0.2213},
		{FMR: 2e-05, Distance: 0.2104},
		{FMR: 1e-05, Distance: 0.2055},
	},
	Line: Calibration{Distance: 0.2053, Z: -4.282, Slope: 19.81},
}
