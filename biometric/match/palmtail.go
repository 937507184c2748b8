package match

// PalmTail is the impostor tail of distances, as a search compares
// them before any cohort scales them (PalmTail.Threshold(rate)): the
// enrolment's duplicate check sets its threshold from it, and palmctl
// eval --cohort=false measures against it; the door's threshold comes
// from PalmCohortTail. It is the strictest of the tails measured on the
// wide and the narrow synthetic populations. The narrow one (one hand
// model) has the heavier tail at every rate both show (at 2e-5, 0.2120
// against 0.2513): similar hands are likelier to match each other, so
// no one population's tail bounds the others.
var PalmTail = Strictest(WideTail, NarrowTail)

// PalmStackedTail is the tail palmctl eval --stack decides a
// presentation's stacked frames by (palm.Stack: later frames averaged
// with the ones before): the strictest of PalmTail and StackedTail.
// Averaging takes noise out of impostor pairs too, and look-alike palms
// then come closer: on the narrow population the stacked frames'
// impostor quantiles lie below the same frames' alone, by more the
// deeper the rate (palmctl eval's "stacked impostors" lines), so the
// single frames' tables do not bound them. The reader does not stack:
// at this table's threshold stacking lost more presentations than it
// won (README, "Stacked frames, measured and not taken").
var PalmStackedTail = Strictest(PalmTail, StackedTail)

// The tails of this pipeline's codes (template version 5, the ROI
// denoised before the filters, features.Extractor.Denoise; a probe at
// five rotations on four cell grids, features.Extractor.Probe, against
// two enrolled captures, shifts of ±2 cells, refined on the one-pixel
// grids around the alignment), and within SecondLook of an enrolled
// capture the closer of that and the frame's second look: the frame cut
// through its outline registered onto that capture's
// (recognize.Registered, coded at recognize.RegisteredRotations).
// Every comparison within SecondLook is measured with the second look,
// though a reader takes it only for a frame that matched no one: the
// tails err on the heavy side.
// They change whenever the template version or the comparison does: run
// the commands again and copy the literals palmctl tail prints. The wide
// and narrow tables come from the same evaluations as PalmCohortTail's
// (cohorttail.go has them): palmctl tail --unscaled reads from their
// --pairs-out files the distances a run without the cohort counts.
//
// WideTail: 1,493,500 impostor comparisons of the wide population (hand
// models, size in frame, finger spread, tilt, flexion, stretch, looks of
// lines, light and sensor), each probe against 250 of the other 999
// hands drawn at random, measured down to 2e-5. It lies above NarrowTail
// at every rate it measures (2e-5: 0.2513 against 0.2120), so it does not
// set the threshold; the sample is a quarter of the pairs because the
// second look now codes a denoised cut (5,860,366 pairs, to 5e-6, for
// version 4):
//
//	palmctl tail --unscaled cal.pairs
var WideTail = Tail{
	Comparisons: 1493500,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3598},
		{FMR: 2e-02, Distance: 0.3440},
		{FMR: 1e-02, Distance: 0.3333},
		{FMR: 5e-03, Distance: 0.3228},
		{FMR: 2e-03, Distance: 0.3094},
		{FMR: 1e-03, Distance: 0.3002},
		{FMR: 5e-04, Distance: 0.2908},
		{FMR: 2e-04, Distance: 0.2795},
		{FMR: 1e-04, Distance: 0.2704},
		{FMR: 5e-05, Distance: 0.2621},
		{FMR: 2e-05, Distance: 0.2513},
	},
	Line: Calibration{Distance: 0.2488, Z: -4.199, Slope: 21.03},
}

// NarrowTail: 4,672,201 impostor comparisons of the narrow population
// (one hand model, modest pose changes), pooled from four sets of
// different people, measured down to 5e-6. The sets' own tails spread
// (at 1e-5 from 0.1982 to 0.2098, at 1e-9 from 0.1101 to 0.1352) though
// each is measured on over half a million comparisons: the spread is
// between the sets' people, so one set's table is no bound for another.
// Pooling them measures the population rather than one draw of it.
// caln600's probes are compared with 600 of the other 1,199 hands each,
// drawn at random (a sample of its pairs, at half the time; the second
// look codes the cut again, denoised); caln's with every other hand.
// The sets and their evaluations are NarrowCohortTail's (cohorttail.go),
// then:
//
//	palmctl tail --unscaled caln600.pairs n4010.pairs n4011.pairs caln.pairs
var NarrowTail = Tail{
	Comparisons: 4672201,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3293},
		{FMR: 2e-02, Distance: 0.3094},
		{FMR: 1e-02, Distance: 0.2963},
		{FMR: 5e-03, Distance: 0.2840},
		{FMR: 2e-03, Distance: 0.2691},
		{FMR: 1e-03, Distance: 0.2584},
		{FMR: 5e-04, Distance: 0.2482},
		{FMR: 2e-04, Distance: 0.2364},
		{FMR: 1e-04, Distance: 0.2281},
		{FMR: 5e-05, Distance: 0.2204},
		{FMR: 2e-05, Distance: 0.2120},
		{FMR: 1e-05, Distance: 0.2050},
		{FMR: 5e-06, Distance: 0.2000},
	},
	Line: Calibration{Distance: 0.1987, Z: -4.451, Slope: 23.44},
}

// StackedTail: the stacked frames (palm.Stack, the second and third of
// presentations of three) of the narrow population, 537,901 impostor
// comparisons, measured down to 5e-5. Its evaluation takes over two
// hours on one core: run without the cohort, the second look's gate
// meets distances, and 99.5 % of the non-mated searches came within it
// of someone (p95 85 templates near one), each looked at:
//
//	palmctl synth --out presn --people 150 --hands 2 --captures 5 --frames 3 --negatives 0 --seed 4008 --population narrow
//	palmctl eval --cohort=false --impostors 1 --stack --stacked-tail presn
var StackedTail = Tail{
	Comparisons: 537901,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3213},
		{FMR: 2e-02, Distance: 0.3015},
		{FMR: 1e-02, Distance: 0.2882},
		{FMR: 5e-03, Distance: 0.2759},
		{FMR: 2e-03, Distance: 0.2617},
		{FMR: 1e-03, Distance: 0.2509},
		{FMR: 5e-04, Distance: 0.2411},
		{FMR: 2e-04, Distance: 0.2312},
		{FMR: 1e-04, Distance: 0.2217},
		{FMR: 5e-05, Distance: 0.2098},
	},
	Line: Calibration{Distance: 0.2074, Z: -3.962, Slope: 20.29},
}
