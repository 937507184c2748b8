package eval

import (
	"context"
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// TestRegistration: a second careful capture lands where the first did,
// to a pixel, and its ROI cut by the ground truth matches the enrolment
// as closely as its own; a tilted capture's ROI lands off the patch and
// the ground truth's cut recovers the distance it loses. Every condition
// is measured on the hands that enrolled.
func TestRegistration(t *testing.T) {
	rep, err := Registration(context.Background(), 6, 3, synth.Wide)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Enrolled() != 6 || rep.OffAxis != 0 {
		t.Errorf("%d of %d enrolments off the hand's axes, want none of 6", rep.OffAxis, rep.Enrolled())
	}
	rows := rep.Rows
	if len(rows) != len(registrationConditions) {
		t.Fatalf("%d rows", len(rows))
	}
	byName := map[string]RegistrationRow{}
	for _, r := range rows {
		if r.Hands == 0 || r.Located > r.Hands || len(r.truth) > r.Located || len(r.looked) != r.Located || len(r.outline) != r.Located || len(r.decided) != r.Located {
			t.Errorf("%s: located %d of %d, %d cut by the ground truth, %d looked at again, %d registered by outline, %d decided", r.Condition, r.Located, r.Hands, len(r.truth), len(r.looked), len(r.outline), len(r.decided))
		}
		for i := range r.looked {
			if r.looked[i] > r.mated[i] {
				t.Errorf("%s: the second look raised a mated distance from %.3f to %.3f", r.Condition, r.mated[i], r.looked[i])
			}
		}
		byName[r.Condition] = r
	}
	c := byName["careful"]
	if c.Located == 0 || c.ShiftMedian > 1 || c.AngleMedian > 1 || c.ScaleMedian > 1 {
		t.Errorf("careful: %+v", c)
	}
	if c.TruthMedian > 0.06 || c.TruthMedian > c.MatedMedian+0.02 {
		t.Errorf("careful: mated distance %.3f as located, %.3f cut by the ground truth: the cut is not on the enrolment's patch", c.MatedMedian, c.TruthMedian)
	}
	tilt := byName["tilted"]
	if tilt.ShiftMedian < 3 || tilt.TruthMedian > tilt.MatedMedian-0.05 {
		t.Errorf("tilted: shift %.1f px, mated distance %.3f as located, %.3f cut by the ground truth", tilt.ShiftMedian, tilt.MatedMedian, tilt.TruthMedian)
	}
	// The outline registered onto the enrolment's recovers most of what
	// the tilt costs the landmarks' cut, and costs a careful capture
	// nothing.
	if tilt.OutlineMedian > tilt.MatedMedian-0.05 || c.OutlineMedian > c.MatedMedian+0.02 {
		t.Errorf("outline registration: tilted %.3f as located, %.3f registered; careful %.3f and %.3f", tilt.MatedMedian, tilt.OutlineMedian, c.MatedMedian, c.OutlineMedian)
	}
}

// TestMisses: a capture is missed where the reader's distance is not
// below the threshold, and counted for registration where the ground
// truth's cut (if there is one) is.
func TestMisses(t *testing.T) {
	row := RegistrationRow{decided: []decided{
		{located: 0.10, outline: 0.12, truth: 0.08, hasTruth: true},
		{located: 0.20, outline: 0.25, truth: 0.12, hasTruth: true},
		{located: 0.25, outline: 0.30, truth: 0.22, hasTruth: true},
		{located: 0.30, outline: 1},
		{located: 0.40, outline: 0.14, truth: 0.13, hasTruth: true}, // beyond the gate
	}}
	for _, c := range []struct {
		threshold                 float64
		missed, truthWould, gated int
	}{
		{0.05, 5, 0, 0},
		{0.10, 5, 1, 0},
		{0.15, 4, 2, 1},
		{0.21, 3, 1, 1},
		{0.5, 0, 0, 0},
	} {
		if m, tw, g := row.Misses(c.threshold); m != c.missed || tw != c.truthWould || g != c.gated {
			t.Errorf("at %.2f: missed %d, the truth would match %d, the outline beyond the gate %d; want %d, %d and %d", c.threshold, m, tw, g, c.missed, c.truthWould, c.gated)
		}
	}
}

// TestReaderDistance: the outline's look counts only where the located
// ROI came within match.SecondLook.
func TestReaderDistance(t *testing.T) {
	for _, c := range []struct{ located, outline, want float64 }{
		{0.20, 0.10, 0.10},
		{0.20, 0.30, 0.20},
		{0.20, 1, 0.20}, // the outlines did not register
		{0.35, 0.10, 0.35},
	} {
		if got := readerDistance(c.located, c.outline); got != c.want {
			t.Errorf("readerDistance(%.2f, %.2f) = %.2f, want %.2f", c.located, c.outline, got, c.want)
		}
	}
}

// TestRegistrationStops: a measurement whose context has ended renders no
// more hands and says why (palmctl synth --registration on SIGTERM).
func TestRegistrationStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rep, err := Registration(ctx, 6, 3, synth.Wide); !errors.Is(err, context.Canceled) || rep.Rows != nil {
		t.Fatalf("Registration after cancel: %+v, %v", rep, err)
	}
}

// TestTurned: captures count as turned from TurnedDegrees on, over every
// condition's row.
func TestTurned(t *testing.T) {
	rep := RegistrationReport{Rows: []RegistrationRow{
		{Located: 3, ang: []float64{0.5, TurnedDegrees - 0.01, TurnedDegrees}},
		{Located: 2, ang: []float64{12, 1}},
		{},
	}}
	if turned, located := rep.Turned(); turned != 2 || located != 5 {
		t.Errorf("%d of %d turned, want 2 of 5", turned, located)
	}
}

// TestOffAxis: an ROI counts as off its hand when its rows turn more
// than OffAxisDegrees from the hand's across axis, either way along it.
func TestOffAxis(t *testing.T) {
	for _, c := range []struct {
		degrees float64
		want    bool
	}{{0, false}, {180, false}, {-180, false}, {20, false}, {-24, false}, {160, false}, {26, true}, {-30, true}, {90, true}, {150, true}, {-120, true}} {
		if got := offAxis(handROI{angle: c.degrees * math.Pi / 180}); got != c.want {
			t.Errorf("%v°: off axis %v, want %v", c.degrees, got, c.want)
		}
	}
}

// TestSubCellOffsets: the code's sensitivity to offsets below its cell.
// Captures rotated in the frame, cut by the ground truth and then moved
// by 1 and 2 pixels, lose far more on the whole-cell grid than when
// moved by a whole cell (4 pixels), which the comparison's shifts
// absorb; the reader's probe (features.Extractor.Probe) absorbs both:
// 2 on its half-cell grids, 1 by refining on their one-pixel neighbours.
// -v prints the medians the README quotes.
func TestSubCellOffsets(t *testing.T) {
	hands := 40
	if testing.Short() {
		hands = 8
	}
	ext, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Close()
	offsets := []int{0, 1, 2, 4}
	whole, half := make([][]float64, len(offsets)), make([][]float64, len(offsets))
	const rotated = 1
	for k := range hands {
		h, ref, enrolled, ok := enrolledWide(t, ext, 5*7919+uint64(k), k%2)
		if !ok {
			continue
		}
		rng := rand.New(rand.NewPCG(5, uint64(k*100+rotated)))
		c := ref.c
		c.Seed = rng.Uint64()
		registrationConditions[rotated].change(&c, synth.WideVariation{Pop: synth.Wide}, rng)
		p, ok := locateOn(h, c)
		if !ok {
			continue
		}
		truth, ok := truthROI(h, ref, p)
		if !ok {
			continue
		}
		for i, o := range offsets {
			moved := shiftROI(truth, o, 0)
			whole[i] = append(whole[i], matedDistance(ext.WholeCell, moved, &enrolled))
			half[i] = append(half[i], matedDistance(ext.Probe, moved, &enrolled))
		}
	}
	mw, mh := make([]float64, len(offsets)), make([]float64, len(offsets))
	for i := range offsets {
		slices.Sort(whole[i])
		slices.Sort(half[i])
		mw[i], mh[i] = quantile(whole[i], 0.5), quantile(half[i], 0.5)
		t.Logf("ground truth moved %d px: mated distance median %.3f on the whole-cell grid, %.3f as the reader probes, over %d hands", offsets[i], mw[i], mh[i], len(whole[i]))
	}
	if !(mw[0] < mw[1] && mw[1] < mw[2] && mw[3] < mw[2]-0.05) {
		t.Errorf("whole-cell grid: medians %.3f for offsets %v: want growth to half a cell and a whole cell absorbed", mw, offsets)
	}
	if mh[2] > mh[0]+0.03 || mh[2] > mw[2]-0.05 {
		t.Errorf("the reader's probe: medians %.3f for offsets %v: half a cell is not absorbed", mh, offsets)
	}
	if mh[1] > mh[0]+0.03 || mh[1] > mw[1]-0.05 {
		t.Errorf("the reader's probe: medians %.3f for offsets %v: a quarter of a cell is not absorbed", mh, offsets)
	}
}

// shiftROI moves roi's pixels by (dx, dy) ≥ 0; what comes in is off the
// hand.
func shiftROI(roi *image.Gray, dx, dy int) *image.Gray {
	b := roi.Bounds()
	out := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y-dy; y++ {
		copy(out.Pix[(y+dy-b.Min.Y)*out.Stride+dx:(y+dy-b.Min.Y+1)*out.Stride], roi.Pix[(y-b.Min.Y)*roi.Stride:(y-b.Min.Y)*roi.Stride+b.Dx()-dx])
	}
	return out
}

// enrolledWide renders a careful enrolment capture of hand side of the
// wide population's person seed, locates it and codes its template;
// false if the palm was not located.
func enrolledWide(t *testing.T, ext *features.Extractor, seed uint64, side int) (*synth.Hand, located, template.Template, bool) {
	t.Helper()
	person := synth.NewPersonIn(seed, synth.Wide)
	h := person.Hands[side]
	ref, ok := locateOn(h, synth.CaptureConditions(person, side, 0))
	if !ok {
		return h, ref, template.Template{}, false
	}
	enrolled, err := ext.Template(ref.obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	return h, ref, enrolled, true
}
