package eval

import (
	"context"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// RegistrationRow is how far the ROI of captures under one condition
// lands from the ROI of the same hand's enrolment capture, measured on
// the hand itself through the generator's ground truth: the shift of
// the ROI's centre in ROI pixels, its rotation in degrees and its scale
// in percent (median and 95th percentile of the absolute errors).
//
// It also gives what the error costs: the mated distance of each capture
// to the enrolment template as the reader computes it (its own ROI, the
// probe's rotations and the comparison's shifts), and the same with the
// capture's ROI cut by the ground truth on the enrolment ROI's patch of
// hand. The last is what perfect registration would give; the gap
// between the two is what better alignment can win. Between them, with
// the tilts' second look (match.Probe.Tilted, the reader's before), and
// with the ROI cut through the capture's outline registered onto the
// enrolment's (palm.Outline.Register): the reader's second look, which
// it takes on a frame that comes near someone without matching.
type RegistrationRow struct {
	Condition                 string
	Hands, Located            int
	ShiftMedian, ShiftP95     float64 // ROI pixels (of palm.ROISize)
	AngleMedian, AngleP95     float64 // degrees
	ScaleMedian, ScaleP95     float64 // percent
	MatedMedian, MatedP95     float64 // mated distance, the located ROI
	LookedMedian, LookedP95   float64 // mated distance, with the second look
	OutlineMedian, OutlineP95 float64 // mated distance, the outline-registered ROI
	TruthMedian, TruthP95     float64 // mated distance, the ground truth's ROI
	shift, ang, scl           []float64
	mated, looked, outline    []float64
	truth                     []float64
	decided                   []decided
}

// decided is one capture's mated distances: as located, with the
// outline's second look, and with the ground truth's cut where there is
// one.
type decided struct {
	located, outline, truth float64
	hasTruth                bool
}

// readerDistance is the distance a reader decides a capture by against
// its own enrolment: the ROI as located, and where that came within
// match.SecondLook the closer of it and the outline's second look.
func readerDistance(located, outline float64) float64 {
	if located < match.SecondLook {
		return min(located, outline)
	}
	return located
}

// Misses counts the row's captures a reader would turn away at
// threshold: those whose distance as the reader decides it (the located
// ROI, or the outline's second look where the first came within
// match.SecondLook) is not below it. Of those, truthWould is how many
// the ground truth's cut brings below it: what registration could still
// win. The rest are lost to the capture itself (light, noise, blur), to
// the code, or to what no cut on the enrolment's patch recovers. gated
// is how many the outline's look would have matched had the reader
// taken it: those the located ROI left beyond match.SecondLook.
func (r RegistrationRow) Misses(threshold float64) (missed, truthWould, gated int) {
	for _, d := range r.decided {
		if readerDistance(d.located, d.outline) < threshold {
			continue
		}
		missed++
		if d.hasTruth && d.truth < threshold {
			truthWould++
		}
		if d.located >= match.SecondLook && d.outline < threshold {
			gated++
		}
	}
	return missed, truthWould, gated
}

type registrationCondition struct {
	name   string
	change func(c *synth.Conditions, w synth.WideVariation, rng *rand.Rand)
}

// registrationConditions change one thing of a careful capture each
// ("any" draws everything at once; the four after it take dim-noisy
// apart).
var registrationConditions = []registrationCondition{
	{"careful", func(*synth.Conditions, synth.WideVariation, *rand.Rand) {}},
	{"rotated", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) {
		c.Rotation = sign(rng) * (15 + rng.Float64()*10)
	}},
	{"small", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Scale = 0.62 + rng.Float64()*0.1 }},
	{"large", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Scale = 1.15 + rng.Float64()*0.13 }},
	{"closed", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Spread = -0.2 + rng.Float64()*0.5 }},
	{"spread", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Spread = 1.4 + rng.Float64()*0.4 }},
	{"tilted", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) {
		c.Pitch, c.Yaw = sign(rng)*(8+rng.Float64()*7), sign(rng)*(8+rng.Float64()*7)
	}},
	{"flexed", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Curl = 0.3 + rng.Float64()*0.15 }},
	{"stretched", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) {
		c.Stretch, c.StretchX, c.StretchY = 0.02, sign(rng)*0.03, sign(rng)*0.03
	}},
	{"dim-noisy", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) {
		c.Gain, c.Noise, c.Blur = 0.6+rng.Float64()*0.1, 8, 1.5
	}},
	{"any", func(c *synth.Conditions, w synth.WideVariation, rng *rand.Rand) { *c = w.Draw(rng) }},
	// dim-noisy's three parts apart, and two together (after "any", so
	// that the rows above draw what they drew before these were added).
	{"dim-only", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) { c.Gain = 0.6 + rng.Float64()*0.1 }},
	{"noise-only", func(c *synth.Conditions, _ synth.WideVariation, _ *rand.Rand) { c.Noise = 8 }},
	{"blur-only", func(c *synth.Conditions, _ synth.WideVariation, _ *rand.Rand) { c.Blur = 1.5 }},
	{"dim+noise", func(c *synth.Conditions, _ synth.WideVariation, rng *rand.Rand) {
		c.Gain, c.Noise = 0.6+rng.Float64()*0.1, 8
	}},
}

func sign(rng *rand.Rand) float64 {
	if rng.IntN(2) == 0 {
		return -1
	}
	return 1
}

// RegistrationReport is what Registration measured: a row per capture
// condition, and how many enrolment ROIs lie off their hand's axes.
// The rows measure each capture against its own hand's enrolment, so an
// enrolment placed wrongly, the same way every time, shows only there.
type RegistrationReport struct {
	Rows    []RegistrationRow
	OffAxis int // enrolment ROIs whose rows lie over OffAxisDegrees off the hand's
}

// Enrolled is the number of hands whose enrolment capture was located:
// every condition's row is measured on those.
func (r RegistrationReport) Enrolled() int { return r.Rows[0].Hands }

// TurnedDegrees is how far a capture's ROI may turn on the hand from
// its enrolment ROI before it counts as turned: past what the probe's
// rotations (features.ProbeRotations, ±4°) absorb, with a margin.
const TurnedDegrees = 6

// Turned is how many of the captures located, over every condition, have
// an ROI turned TurnedDegrees or more on the hand from their enrolment's.
func (r RegistrationReport) Turned() (turned, located int) {
	for _, row := range r.Rows {
		located += row.Located
		for _, a := range row.ang {
			if a >= TurnedDegrees {
				turned++
			}
		}
	}
	return turned, located
}

// OffAxisDegrees is how far an enrolment ROI's rows may turn from the
// hand's across axis (in the renderer's hand space) before it counts as
// placed off the hand: a hand's finger bases slope by some degrees of
// their own, but not by this much.
const OffAxisDegrees = 25

// offAxis says whether an ROI placed at p on the hand is turned more than
// OffAxisDegrees from the hand's across axis, either way along it.
func offAxis(p handROI) bool {
	return math.Abs(math.Remainder(p.angle, math.Pi))*180/math.Pi > OffAxisDegrees
}

// Registration renders hands of pop, one careful enrolment capture each
// and one capture per condition, locates the palm in all of them, and
// measures each condition's ROI against the enrolment ROI on the hand,
// and what it costs the comparison. When ctx ends it stops after the
// hand it is measuring and returns ctx's error.
func Registration(ctx context.Context, hands int, seed uint64, pop synth.Population) (RegistrationReport, error) {
	ext, err := features.NewExtractor()
	if err != nil {
		return RegistrationReport{}, fmt.Errorf("registration: %w", err)
	}
	defer ext.Close()
	rep := RegistrationReport{Rows: make([]RegistrationRow, len(registrationConditions))}
	rows := rep.Rows
	for i, c := range registrationConditions {
		rows[i].Condition = c.name
	}
	for k := range hands {
		if err := ctx.Err(); err != nil {
			return RegistrationReport{}, fmt.Errorf("registration: %w", err)
		}
		person := synth.NewPersonIn(seed*7919+uint64(k), pop)
		side := k % 2
		h := person.Hands[side]
		enrol := synth.CaptureConditions(person, side, 0)
		ref, ok := locateOn(h, enrol)
		if !ok {
			continue // a failed enrolment is FTE, not a registration error
		}
		enrolled, err := ext.Template(ref.obs.ROI)
		if err != nil {
			continue
		}
		if offAxis(ref.place) {
			rep.OffAxis++
		}
		refOutline, err := palm.OutlineOf(ref.frame, ref.obs)
		if err != nil {
			return RegistrationReport{}, fmt.Errorf("registration: enrolment: %w", err)
		}
		for i, rc := range registrationConditions {
			rng := rand.New(rand.NewPCG(seed, uint64(k*100+i)))
			c := enrol
			c.Seed = rng.Uint64()
			rc.change(&c, synth.WideVariation{Pop: pop, Habit: synth.CaptureConditions(person, side, 1).Spread}, rng)
			rows[i].Hands++
			if p, ok := locateOn(h, c); ok {
				rows[i].add(ref.place, p.place)
				mated, looked := lookedDistance(ext, p, &enrolled)
				rows[i].mated = append(rows[i].mated, mated)
				rows[i].looked = append(rows[i].looked, looked)
				outline := outlineDistance(ext, p, refOutline, &enrolled)
				rows[i].outline = append(rows[i].outline, outline)
				d := decided{located: mated, outline: outline}
				if truth, ok := truthROI(h, ref, p); ok {
					d.truth, d.hasTruth = matedDistance(ext.Probe, truth, &enrolled), true
					rows[i].truth = append(rows[i].truth, d.truth)
				}
				rows[i].decided = append(rows[i].decided, d)
			}
		}
	}
	for i := range rows {
		rows[i].finish()
	}
	return rep, nil
}

// located is a capture's frame, what Locate made of it, and its ROI's
// placement on the hand.
type located struct {
	c     synth.Conditions
	frame *image.Gray
	obs   palm.Observation
	place handROI
}

// locateOn renders a capture of h under c and locates the palm in it.
func locateOn(h *synth.Hand, c synth.Conditions) (located, bool) {
	l := located{c: c, frame: h.Capture(c)}
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(l.frame)
	if err != nil || !obs.Good() {
		return l, false
	}
	l.obs, l.place = obs, handPlace(h, c, obs.Place)
	return l, true
}

// truthROI cuts from capture p the patch of hand the enrolment ROI of ref
// shows, through the generator's own mapping: each ROI pixel's hand
// point in the enrolment capture, found again in p's frame. Pixels off
// the hand in the enrolment ROI, or that p does not show, stay masked.
func truthROI(h *synth.Hand, ref, p located) (*image.Gray, bool) {
	n := palm.ROISize
	at := make([][2]float64, n*n)
	mask := image.NewGray(image.Rect(0, 0, n, n))
	for j := range n {
		for i := range n {
			x, y := ref.obs.Place.Frame(float64(i), float64(j))
			u, v := h.HandPoint(ref.c, x, y)
			gx, gy := p.obs.Place.Frame(float64(i), float64(j)) // near the answer
			x, y, ok := h.FramePoint(p.c, u, v, gx, gy)
			at[j*n+i] = [2]float64{x, y}
			if ok && ref.obs.ROI.Pix[j*ref.obs.ROI.Stride+i] != 0 {
				mask.Pix[j*mask.Stride+i] = 255
			}
		}
	}
	roi, err := palm.CutAt(p.frame, mask, func(i, j int) (float64, float64) { return at[j*n+i][0], at[j*n+i][1] })
	return roi, err == nil
}

// matedDistance compares roi to enrolled as a search does: the probe
// coded by code (the reader's features.Probe, or WholeCell for the
// whole-cell grid) at eval's default rotations, the comparison's default
// shifts.
func matedDistance(code func(*image.Gray, []float64) (match.Probe, error), roi *image.Gray, enrolled *template.Template) float64 {
	p, err := code(roi, registrationRotations)
	if err != nil {
		return 1
	}
	return p.Distance(enrolled, registrationShift)
}

// lookedDistance is matedDistance of p's ROI as the reader probes it,
// and the same with the second look (the frame rectified for
// palm.Tilts), as a reader compares a frame whose search came near the
// enrolment without matching: one coding of the ROI serves both.
func lookedDistance(ext *features.Extractor, p located, enrolled *template.Template) (mated, looked float64) {
	probe, err := ext.Probe(p.obs.ROI, registrationRotations)
	if err != nil {
		return 1, 1
	}
	mated = probe.Distance(enrolled, registrationShift)
	if err := recognize.SecondLook(ext, p.frame, p.obs, &probe, registrationRotations); err != nil {
		return mated, mated
	}
	return mated, probe.Distance(enrolled, registrationShift)
}

// outlineDistance is matedDistance of p's ROI cut through p's outline
// registered onto the enrolment's (ref), with the reader's comparison;
// 1 where the outlines do not register or the cut fails.
func outlineDistance(ext *features.Extractor, p located, ref palm.Outline, enrolled *template.Template) float64 {
	o, err := palm.OutlineOf(p.frame, p.obs)
	if err != nil {
		return 1
	}
	probe, ok, err := recognize.Registered(ext, &o, ref, registrationRotations)
	if !ok || err != nil {
		return 1
	}
	return probe.Distance(enrolled, registrationShift)
}

// The comparison registration's distances are measured with: palmctl
// eval's defaults.
var registrationRotations = features.ProbeRotations

const registrationShift = 2

// handROI is an ROI's placement on the hand: centre, row direction
// (radians) and side, in hand space.
type handROI struct{ u, v, angle, side float64 }

// handPlace maps an ROI's placement p in a capture under c onto the hand
// through the generator's own frame-to-hand mapping.
func handPlace(h *synth.Hand, c synth.Conditions, p palm.Placement) handROI {
	du, dv := math.Cos(p.Angle)*p.Side/2, math.Sin(p.Angle)*p.Side/2
	u0, v0 := h.HandPoint(c, p.X, p.Y)
	u1, v1 := h.HandPoint(c, p.X+du, p.Y+dv)
	u2, v2 := h.HandPoint(c, p.X-dv, p.Y+du) // a quarter turn on: the columns
	// The side is the mean of the two half-axes, so a tilt that
	// foreshortens one shows as half its change.
	side := math.Hypot(u1-u0, v1-v0) + math.Hypot(u2-u0, v2-v0)
	return handROI{u: u0, v: v0, angle: math.Atan2(v1-v0, u1-u0), side: side}
}

func (r *RegistrationRow) add(ref, p handROI) {
	r.Located++
	px := palm.ROISize / ref.side
	shift := math.Hypot(p.u-ref.u, p.v-ref.v) * px
	r.shift = append(r.shift, shift)
	d := math.Remainder(p.angle-ref.angle, 2*math.Pi) * 180 / math.Pi
	r.ang = append(r.ang, math.Abs(d))
	r.scl = append(r.scl, math.Abs(p.side/ref.side-1)*100)
}

func (r *RegistrationRow) finish() {
	q := func(v []float64, p float64) float64 {
		slices.Sort(v)
		return quantile(v, p)
	}
	r.ShiftMedian, r.ShiftP95 = q(r.shift, 0.5), q(r.shift, 0.95)
	r.AngleMedian, r.AngleP95 = q(r.ang, 0.5), q(r.ang, 0.95)
	r.ScaleMedian, r.ScaleP95 = q(r.scl, 0.5), q(r.scl, 0.95)
	r.MatedMedian, r.MatedP95 = q(r.mated, 0.5), q(r.mated, 0.95)
	r.LookedMedian, r.LookedP95 = q(r.looked, 0.5), q(r.looked, 0.95)
	r.OutlineMedian, r.OutlineP95 = q(r.outline, 0.5), q(r.outline, 0.95)
	r.TruthMedian, r.TruthP95 = q(r.truth, 0.5), q(r.truth, 0.95)
}
