package match

// PalmCohortTail is the tail the reader sets its threshold from: it
// scales each frame's search by the frame's cohort (Cohort, against the
// shipped cohort of biometric/cohort), so its threshold meets scores,
// and this is their tail, as PalmTail is of distances: the strictest of
// the wide and the narrow populations' (Strictest). A threshold from one
// of the two never meets the other's kind. Both were measured with
// biometric/cohort's cohort.bin as it is; they change whenever it, the
// template version or the comparison does (TestShippedCohortIsGenerated
// says when the cohort must be made again): run the commands again and
// copy the literals palmctl tail prints.
//
// At every rate both measured, and on their lines for 1e-9, the scores'
// tails lie above the distances' (narrow 1e-5 0.2215 against 0.2050,
// 1e-9 0.1422 against 0.1327): a capture near everyone, whose impostors
// came close, is scaled up, and the impostors that set a threshold were
// mostly such captures' (README, "The probe's cohort").
var PalmCohortTail = Strictest(WideCohortTail, NarrowCohortTail)

// WideCohortTail: the scores of WideTail's comparisons, 1,493,500 of the
// wide population (each probe against 250 of the other 999 hands, drawn
// at random), measured down to 2e-5:
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --self-calibrate --impostors 250 --tail-out cal.co.imp --pairs-out cal.pairs cal
//	palmctl tail cal.co.imp
var WideCohortTail = Tail{
	Comparisons: 1493500,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3723},
		{FMR: 2e-02, Distance: 0.3579},
		{FMR: 1e-02, Distance: 0.3478},
		{FMR: 5e-03, Distance: 0.3382},
		{FMR: 2e-03, Distance: 0.3255},
		{FMR: 1e-03, Distance: 0.3164},
		{FMR: 5e-04, Distance: 0.3079},
		{FMR: 2e-04, Distance: 0.2970},
		{FMR: 1e-04, Distance: 0.2892},
		{FMR: 5e-05, Distance: 0.2804},
		{FMR: 2e-05, Distance: 0.2651},
	},
	Line: Calibration{Distance: 0.2600, Z: -4.199, Slope: 20.14},
}

// NarrowCohortTail: the scores of 4,672,201 impostor comparisons of the
// narrow population, pooled from NarrowTail's four sets, measured down
// to 5e-6. The sets' own lines for 1e-9 lie at 0.1437 (n4010), 0.1484
// (n4011), 0.1374 (caln600) and 0.1359 (caln, 300 people, every pair),
// the pooled one at 0.1422: each line is carried four decades below the
// deepest rate its sample shows, and the pooled sample's starts deeper
// (fitLine). caln, measured again for the fourth root in session 46
// (two hours on two cores), took the pooled line for 1e-9 from 0.1520
// (the other three alone) to 0.1422 and 1e-5 from 0.2252 to 0.2215:
// under the square root its tail was the lightest of the four, under
// the fourth root it is the heaviest.
//
//	palmctl synth --out caln    --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl synth --out caln600 --people 600 --hands 2 --captures 4 --negatives 0 --seed 1003 --population narrow
//	palmctl synth --out n4010   --people 150 --hands 2 --captures 8 --negatives 0 --seed 4010 --population narrow
//	palmctl synth --out n4011   --people 150 --hands 2 --captures 8 --negatives 0 --seed 4011 --population narrow
//	palmctl eval --self-calibrate --impostors 0 --tail-out S.co.imp --pairs-out S.pairs S     (S: n4010, n4011, caln)
//	palmctl eval --self-calibrate --impostors 600 --tail-out caln600.co.imp --pairs-out caln600.pairs caln600
//	palmctl tail n4010.co.imp n4011.co.imp caln600.co.imp caln.co.imp
var NarrowCohortTail = Tail{
	Comparisons: 4672201,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3456},
		{FMR: 2e-02, Distance: 0.3256},
		{FMR: 1e-02, Distance: 0.3121},
		{FMR: 5e-03, Distance: 0.3002},
		{FMR: 2e-03, Distance: 0.2852},
		{FMR: 1e-03, Distance: 0.2751},
		{FMR: 5e-04, Distance: 0.2655},
		{FMR: 2e-04, Distance: 0.2538},
		{FMR: 1e-04, Distance: 0.2456},
		{FMR: 5e-05, Distance: 0.2380},
		{FMR: 2e-05, Distance: 0.2282},
		{FMR: 1e-05, Distance: 0.2215},
		{FMR: 5e-06, Distance: 0.2128},
	},
	Line: Calibration{Distance: 0.2119, Z: -4.451, Slope: 22.17},
}
