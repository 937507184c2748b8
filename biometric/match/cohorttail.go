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
// tails lie above the distances' (narrow 1e-5 0.2305 against 0.2168,
// 1e-9 0.1540 against 0.1357): a capture near everyone, whose impostors
// came close, is scaled up, and the impostors that set a threshold were
// mostly such captures' (README, "The probe's cohort").
var PalmCohortTail = Strictest(WideCohortTail, NarrowCohortTail)

// WideCohortTail: the scores of WideTail's comparisons, 1,469,500 of the
// wide population (each probe against 250 of the other 999 hands, drawn
// at random), measured down to 2e-5:
//
//	palmctl synth --out cal --people 500 --hands 2 --captures 8 --negatives 0 --seed 1001 --population wide
//	palmctl eval --self-calibrate --impostors 250 --tail-out cal.co.imp cal
//	palmctl tail cal.co.imp
var WideCohortTail = Tail{
	Comparisons: 1469500,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3752},
		{FMR: 2e-02, Distance: 0.3611},
		{FMR: 1e-02, Distance: 0.3511},
		{FMR: 5e-03, Distance: 0.3413},
		{FMR: 2e-03, Distance: 0.3286},
		{FMR: 1e-03, Distance: 0.3194},
		{FMR: 5e-04, Distance: 0.3109},
		{FMR: 2e-04, Distance: 0.2998},
		{FMR: 1e-04, Distance: 0.2912},
		{FMR: 5e-05, Distance: 0.2837},
		{FMR: 2e-05, Distance: 0.2757},
	},
	Line: Calibration{Distance: 0.2735, Z: -4.196, Slope: 23.03},
}

// NarrowCohortTail: the scores of 4,672,201 impostor comparisons of the
// narrow population, pooled from NarrowTail's four sets, measured down
// to 5e-6. The sets' own lines for 1e-9 lie at 0.1568 (n4010), 0.1523
// (n4011), 0.1421 (caln600) and 0.1595 (caln); pooling caln, the
// lightest, still lowered the pooled line for 1e-9 from 0.1554 (the
// first three) to 0.1540, since the larger sample reaches deeper:
//
//	palmctl synth --out caln    --people 300 --hands 2 --captures 8 --negatives 0 --seed 1002 --population narrow
//	palmctl synth --out caln600 --people 600 --hands 2 --captures 4 --negatives 0 --seed 1003 --population narrow
//	palmctl synth --out n4010   --people 150 --hands 2 --captures 8 --negatives 0 --seed 4010 --population narrow
//	palmctl synth --out n4011   --people 150 --hands 2 --captures 8 --negatives 0 --seed 4011 --population narrow
//	palmctl eval --self-calibrate --impostors 0 --tail-out S.co.imp S     (S: n4010, n4011, caln)
//	palmctl eval --self-calibrate --impostors 600 --tail-out caln600.co.imp caln600
//	palmctl tail n4010.co.imp n4011.co.imp caln600.co.imp caln.co.imp
var NarrowCohortTail = Tail{
	Comparisons: 4672201,
	Points: []TailPoint{
		{FMR: 5e-02, Distance: 0.3487},
		{FMR: 2e-02, Distance: 0.3315},
		{FMR: 1e-02, Distance: 0.3186},
		{FMR: 5e-03, Distance: 0.3069},
		{FMR: 2e-03, Distance: 0.2924},
		{FMR: 1e-03, Distance: 0.2824},
		{FMR: 5e-04, Distance: 0.2733},
		{FMR: 2e-04, Distance: 0.2620},
		{FMR: 1e-04, Distance: 0.2541},
		{FMR: 5e-05, Distance: 0.2466},
		{FMR: 2e-05, Distance: 0.2382},
		{FMR: 1e-05, Distance: 0.2305},
		{FMR: 5e-06, Distance: 0.2231},
	},
	Line: Calibration{Distance: 0.2213, Z: -4.451, Slope: 22.99},
}
