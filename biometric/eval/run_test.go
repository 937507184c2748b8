package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/biometric/template"
)

// writeSet renders a small evaluation set: people × captures of one hand,
// a missing file, and two negatives.
func writeSet(t *testing.T, people, captures int) string {
	t.Helper()
	dir := t.TempDir()
	var manifest strings.Builder
	manifest.WriteString("path,identity,hand,capture\n")
	poses := []palmtest.Pose{
		palmtest.Centred,
		{Deg: 12, Scale: 160, CX: 330, CY: 295},
		{Deg: -10, Scale: 140, CX: 310, CY: 305},
		{Deg: 5, Scale: 150, CX: 325, CY: 300},
	}
	for p := range people {
		h := palmtest.NewHand(uint64(100 + p))
		for c := range captures {
			name := fmt.Sprintf("p%d_c%d.png", p, c)
			writePNG(t, filepath.Join(dir, name), h.Render(poses[c%len(poses)], uint64(p*10+c)))
			fmt.Fprintf(&manifest, "%s,person%d,right,%d\n", name, p, c)
		}
	}
	manifest.WriteString("gone.png,person0,right,99\n")
	if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(manifest.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	neg := filepath.Join(dir, "_negatives")
	if err := os.MkdirAll(neg, 0o755); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(neg, "empty.png"), image.NewGray(image.Rect(0, 0, 640, 480)))
	writePNG(t, filepath.Join(neg, "stranger.png"), palmtest.NewHand(999).Render(palmtest.Centred, 1))
	return dir
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunStops: an evaluation whose context has ended codes nothing
// more and says why (palmctl eval on SIGTERM).
func TestRunStops(t *testing.T) {
	dir := writeSet(t, 2, 3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, dir, Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{0}, MaxShift: 2}, io.Discard)
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Fatalf("Run after cancel: %v, %v", rep, err)
	}
}

func TestRun(t *testing.T) {
	dir := writeSet(t, 5, 4)
	var warn bytes.Buffer
	rep, err := Run(context.Background(), dir, Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{-4, 0, 4}, MaxShift: 2}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(warn.String(), "gone.png") {
		t.Errorf("missing file not named: %q", warn.String())
	}
	if rep.Images != 21 || rep.Acquired != 20 || rep.Hands != 5 || rep.FailedToEnroll != 0 {
		t.Fatalf("images %d acquired %d hands %d FTE %d", rep.Images, rep.Acquired, rep.Hands, rep.FailedToEnroll)
	}
	if rep.Probes != 10 || rep.Genuine != 10 || rep.Impostor != 40 {
		t.Fatalf("probes %d genuine %d impostor %d", rep.Probes, rep.Genuine, rep.Impostor)
	}
	// Five simple test hands: the runner's bookkeeping is under test here,
	// not the pipeline's accuracy (that is palmctl eval on a generated set).
	if rep.EER > 0.1 {
		t.Errorf("EER %.3f", rep.EER)
	}
	if rep.Negatives != 2 || rep.NegAcquired != 1 || rep.NegMatched != 0 {
		t.Errorf("negatives %d acquired %d matched %d", rep.Negatives, rep.NegAcquired, rep.NegMatched)
	}
	if rep.FNMR["1e-03"] != nil {
		t.Error("FNMR at 1e-3 claimed from 40 impostor comparisons")
	}
	if !(rep.MedianMS > 0) {
		t.Error("no timing")
	}
	if rep.Looks != recognize.MaxLooks {
		t.Errorf("the outline look took %d templates, want the reader's %d", rep.Looks, recognize.MaxLooks)
	}
}

// TestLooks: Options.Looks bounds the outline look as palmctl eval
// --looks says: 0 the reader's bound, a negative number none.
func TestLooks(t *testing.T) {
	for _, tc := range []struct{ looks, want int }{{0, recognize.MaxLooks}, {-1, math.MaxInt}, {2, 2}} {
		if got := (Options{Looks: tc.looks}).looks(); got != tc.want {
			t.Errorf("Looks %d: %d, want %d", tc.looks, got, tc.want)
		}
	}
}

func TestManifestErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"file,id,hand,n\n", "header"},
		{"path,identity,hand,capture\na.png,p,right,first\n", "line 2"},
		{"path,identity,hand,capture\na.png,p\n", "line 2"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.body, err, tc.want)
		}
	}
}

// TestNegativesManifest: files that are not images are not probed, and
// a manifest's kinds are counted apart.
func TestNegativesManifest(t *testing.T) {
	dir := writeSet(t, 2, 3)
	neg := filepath.Join(dir, "_negatives")
	manifest := "path,kind\nempty.png,empty-scene\n_negatives/stranger.png,bona-fide-stranger\n"
	if err := os.WriteFile(filepath.Join(neg, "manifest.csv"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(neg, "README.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(neg, "extra.PNG"), image.NewGray(image.Rect(0, 0, 640, 480)))
	var warn bytes.Buffer
	rep, err := Run(context.Background(), dir, Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{0}, MaxShift: 2}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(warn.String(), "manifest.csv") || strings.Contains(warn.String(), "README") {
		t.Errorf("a non-image probed: %q", warn.String())
	}
	if rep.Negatives != 3 {
		t.Fatalf("negatives %d, want 3", rep.Negatives)
	}
	for kind, want := range map[string]KindFigures{
		"empty-scene":        {Count: 1},
		"bona-fide-stranger": {Count: 1, Acquired: 1, APCER: 1},
		KindUnlabelled:       {Count: 1},
	} {
		if got := rep.NegKinds[kind]; got == nil || *got != want {
			t.Errorf("kind %s: %+v, want %+v", kind, got, want)
		}
	}
}

func TestNegativesManifestErrors(t *testing.T) {
	for _, body := range []string{"a,b\nx.png,print\n", "path,kind\n\"unclosed\n", "path,kind\n,print\n"} {
		if _, err := parseKinds(strings.NewReader(body)); err == nil {
			t.Errorf("%q parsed", body)
		}
	}
	k, err := parseKinds(strings.NewReader("File, Type ,note\nsub/a.png,paper-print,x\nb.jpg,,\n"))
	if err != nil || k["a.png"] != "paper-print" || k["b.jpg"] != KindUnlabelled {
		t.Errorf("kinds %v, %v", k, err)
	}
}

func FuzzParseKinds(f *testing.F) {
	f.Add("path,kind\na.png,print\n")
	f.Add("file,type\n\"a,b.png\",screen\n")
	f.Fuzz(func(t *testing.T, body string) {
		k, err := parseKinds(strings.NewReader(body))
		if err == nil && k == nil {
			t.Fatal("no error and no kinds")
		}
	})
}

// TestPresentations: manifest rows sharing a capture number are one
// presentation, decided from its frames.
func TestPresentations(t *testing.T) {
	dir := t.TempDir()
	var manifest strings.Builder
	manifest.WriteString("path,identity,hand,capture\n")
	poses := []palmtest.Pose{palmtest.Centred, {Deg: 4, Scale: 152, CX: 322, CY: 300}, {Deg: 9, Scale: 158, CX: 330, CY: 296}, {Deg: 8, Scale: 156, CX: 328, CY: 298}}
	for p := range 3 {
		h := palmtest.NewHand(uint64(200 + p))
		for i, c := range []int{0, 1, 2, 2} { // capture 2: a presentation of two frames
			name := fmt.Sprintf("p%d_%d.png", p, i)
			writePNG(t, filepath.Join(dir, name), h.Render(poses[i], uint64(p*10+i)))
			fmt.Fprintf(&manifest, "%s,person%d,right,%d\n", name, p, c)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(manifest.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), dir, Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{0}, MaxShift: 2, Frames: 3}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Probes != 6 || rep.Presentations != 3 || rep.PresThreshold != 0.32 {
		t.Fatalf("probes %d presentations %d threshold %.3f", rep.Probes, rep.Presentations, rep.PresThreshold)
	}
	if rep.PresFNIR != 0 || rep.PresFPIR != 0 {
		t.Errorf("per presentation FNIR %.3f FPIR %.3f", rep.PresFNIR, rep.PresFPIR)
	}
	// Each presentation's second frame is decided alone, as the reader
	// does; stacked onto its first when told to.
	if rep.PresLater != 3 || rep.PresStacked != 0 {
		t.Errorf("later frames %d, stacked %d; want 3 and 0", rep.PresLater, rep.PresStacked)
	}
	stacked, err := Run(context.Background(), dir, Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{0}, MaxShift: 2, Frames: 3, Stack: true, StackedTail: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if stacked.PresLater != 3 || stacked.PresStacked != 3 || stacked.PresFNIR != 0 || stacked.PresFPIR != 0 {
		t.Errorf("stacked: later frames %d, stacked %d (want 3 and 3), FNIR %.3f, FPIR %.3f", stacked.PresLater, stacked.PresStacked, stacked.PresFNIR, stacked.PresFPIR)
	}
	if stacked.StackShift != nil || stacked.StackedTail != nil {
		t.Error("impostor quantiles or a tail claimed from 12 pairs")
	}
}

// TestShiftROI: a pixel moves by the offset; what comes in is off the hand.
func TestShiftROI(t *testing.T) {
	roi := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range roi.Pix {
		roi.Pix[i] = 200
	}
	roi.SetGray(3, 4, color.Gray{Y: 9})
	got := shiftROI(roi, 2, 1)
	if v := got.GrayAt(5, 5).Y; v != 9 {
		t.Errorf("(3, 4) moved by (2, 1) holds %d, want 9", v)
	}
	if got.GrayAt(1, 3).Y != 0 || got.GrayAt(4, 0).Y != 0 || got.GrayAt(7, 7).Y != 200 {
		t.Errorf("columns 0–1 and row 0 should be off the hand, the rest kept: %v", got.Pix)
	}
}

// TestCollectWholeCell: each worker codes as it is told: the reader's
// probe (here three rotations, each on four cell grids), or the old
// whole-cell one.
func TestCollectWholeCell(t *testing.T) {
	dir := writeSet(t, 3, 4)
	samples, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		wholeCell bool
		codes     int
	}{{false, 12}, {true, 3}} {
		hands, _ := collect(context.Background(), dir, samples, 2, coder{rot: []float64{-4, 0, 4}, wholeCell: tc.wholeCell}, &Report{}, io.Discard)
		if len(hands) == 0 || len(hands[0].probes) == 0 {
			t.Fatalf("whole-cell %v: nothing coded", tc.wholeCell)
		}
		if n := len(hands[0].probes[0].Codes); n != tc.codes {
			t.Errorf("whole-cell %v: %d codes a probe, want %d", tc.wholeCell, n, tc.codes)
		}
	}
}

// writeTiltedSet renders people wide-population hands: two captures to
// enrol, then two with the palm tilted 10–13° towards the camera.
func writeTiltedSet(t *testing.T, people int) string {
	t.Helper()
	dir := t.TempDir()
	var manifest strings.Builder
	manifest.WriteString("path,identity,hand,capture\n")
	for p := range people {
		person := synth.NewPersonIn(uint64(700+p), synth.Wide)
		for c := range 4 {
			cond := synth.CaptureConditions(person, 0, min(c, 1))
			if c >= 2 {
				cond.Pitch, cond.Yaw, cond.Seed = 10+float64(c), -13+float64(c), cond.Seed+uint64(c)
			}
			name := fmt.Sprintf("p%d_c%d.png", p, c)
			writePNG(t, filepath.Join(dir, name), person.Hands[0].Capture(cond))
			fmt.Fprintf(&manifest, "%s,person%d,left,%d\n", name, p, c)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.csv"), []byte(manifest.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestOutlineLook: a run that takes the outline look outlines every
// enrolment and probe and takes no tilts; the look only ever brings a
// comparison closer, does so for tilted palms, and touches no
// comparison beyond match.SecondLook.
func TestOutlineLook(t *testing.T) {
	dir := writeTiltedSet(t, 4)
	samples, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	how := coder{rot: []float64{-4, 0, 4}, look: LookOutline}
	hands, _ := collect(context.Background(), dir, samples, 2, how, &Report{}, io.Discard)
	for _, h := range hands {
		if len(h.refs) != len(h.enrolled) || len(h.outlines) != len(h.probes) {
			t.Fatalf("%s: %d outlines of %d enrolments, %d of %d probes", h.key, len(h.refs), len(h.enrolled), len(h.outlines), len(h.probes))
		}
		for i, p := range h.probes {
			if h.outlines[i] == nil || p.Tilted != nil || h.refs[0].Pix == nil {
				t.Fatalf("%s probe %d: outline %v, %d tilts", h.key, i, h.outlines[i] != nil, len(p.Tilted))
			}
		}
	}
	asLocated, _, err := compare(context.Background(), hands, 2, 0, coder{rot: how.rot, look: LookTilts}, false) // no tilts were coded: as located
	if err != nil {
		t.Fatal(err)
	}
	looked, _, err := compare(context.Background(), hands, 2, 0, how, false)
	if err != nil {
		t.Fatal(err)
	}
	closer := 0 // mates brought closer
	for k, pair := range []struct{ before, after []float64 }{{asLocated.Genuine, looked.Genuine}, {asLocated.Impostor, looked.Impostor}} {
		if len(pair.before) != len(pair.after) {
			t.Fatalf("%d comparisons as located, %d looked", len(pair.before), len(pair.after))
		}
		for i := range pair.before {
			switch b, a := pair.before[i], pair.after[i]; {
			case a > b:
				t.Errorf("the look took a comparison from %.3f to %.3f", b, a)
			case a < b && b >= match.SecondLook:
				t.Errorf("the look moved a comparison at %.3f, beyond the second look", b)
			case a < b && k == 0:
				closer++
			}
		}
	}
	if closer < len(looked.Genuine)/2 {
		t.Errorf("the outline look brought %d comparisons closer, of %d tilted mates", closer, len(looked.Genuine))
	}
	rep, err := Run(context.Background(), dir, Options{Enroll: 2, Threshold: 0.32, Rotations: how.rot, MaxShift: 2, Look: LookOutline, Pairs: true}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Probes != 8 || rep.FNIR > 0.25 || rep.FPIR != 0 || !(rep.MedianMS > 0) {
		t.Errorf("with the outline look: probes %d, FNIR %.3f, FPIR %.3f, %.1f ms", rep.Probes, rep.FNIR, rep.FPIR, rep.MedianMS)
	}
	if looked := checkPairs(t, rep); looked == 0 {
		t.Error("no pair records a look")
	}
}

// checkPairs: a run's pairs are its comparisons, one each, and each
// pair's score is made of its parts as the reader makes it. It returns
// how many pairs record a look.
func checkPairs(t *testing.T, rep *Report) (looked int) {
	t.Helper()
	if len(rep.Pairs) != rep.Genuine+rep.Impostor {
		t.Fatalf("%d pairs of %d genuine and %d impostor comparisons", len(rep.Pairs), rep.Genuine, rep.Impostor)
	}
	var impostors []float64
	mated := 0
	for _, p := range rep.Pairs {
		want := p.Scaled
		if p.Look < p.First {
			want = min(want, p.Look)
		}
		switch {
		case p.Score != want:
			t.Errorf("%s/%d against %s: score %.4f of first %.4f, scaled %.4f, look %.4f", p.Probe, p.Capture, p.Hand, p.Score, p.First, p.Scaled, p.Look)
		case !rep.Cohort && p.Scaled != p.First:
			t.Errorf("%s/%d against %s: first %.4f scaled to %.4f without a cohort", p.Probe, p.Capture, p.Hand, p.First, p.Scaled)
		case p.Look < 1 && p.First >= match.SecondLook:
			t.Errorf("%s/%d against %s: looked at a first distance of %.4f", p.Probe, p.Capture, p.Hand, p.First)
		case (p.First < 1) != (p.Cells >= match.MinOverlap) || p.Cells > template.Rows*template.Cols:
			t.Errorf("%s/%d against %s: first distance %.4f on %d cells", p.Probe, p.Capture, p.Hand, p.First, p.Cells)
		}
		if p.Look < 1 {
			looked++
		}
		if p.Mated() {
			mated++
		} else {
			impostors = append(impostors, p.Score)
		}
	}
	slices.Sort(impostors)
	if mated != rep.Genuine || !slices.Equal(impostors, rep.ImpostorDistances) {
		t.Errorf("%d mated pairs for %d genuine comparisons; impostor pairs' scores equal the impostor distances: %v", mated, rep.Genuine, slices.Equal(impostors, rep.ImpostorDistances))
	}
	return looked
}

// TestCheckStacking: stacking options that would measure nothing are
// refused before any image is read.
func TestCheckStacking(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
		ok   bool
	}{
		{"none", Options{}, true},
		{"stack", Options{Stack: true}, true},
		{"stack and its tail", Options{Stack: true, StackedTail: true}, true},
		{"tail without stacking", Options{StackedTail: true}, false},
		{"stack with the tilts' look", Options{Stack: true, Look: LookTilts}, false},
		{"stack on whole cells", Options{Stack: true, WholeCell: true}, false},
	} {
		if err := tc.o.checkStacking(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := Run(context.Background(), t.TempDir(), Options{StackedTail: true}, io.Discard); err == nil || !strings.Contains(err.Error(), "stacking") {
		t.Errorf("Run with a stacked tail but no stacking: %v", err)
	}
}

// TestRunCohort: a run with a cohort makes the same comparisons and
// searches, each probe's scores scaled by its own cohort: a different
// impostor sample, and the shipped rates and default threshold from the
// scores' tail (match.PalmCohortTail). A cohort run with a look or
// stacking it cannot scale as the reader does is refused.
func TestRunCohort(t *testing.T) {
	dir := writeSet(t, 5, 4)
	co, err := cohort.Templates()
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Enroll: 2, Threshold: 0.32, Rotations: []float64{0}, MaxShift: 2}
	plain, err := Run(context.Background(), dir, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Pairs != nil {
		t.Errorf("%d pairs kept without Options.Pairs", len(plain.Pairs))
	}
	o.Cohort, o.Pairs = co, true
	scaled, err := Run(context.Background(), dir, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	checkPairs(t, scaled)
	moved := 0
	for _, p := range scaled.Pairs {
		if p.Scaled != p.First {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no pair's first distance scaled by its cohort")
	}
	if scaled.Genuine != plain.Genuine || scaled.Impostor != plain.Impostor || scaled.Probes != plain.Probes {
		t.Fatalf("scaled run compared %d/%d over %d probes, plain %d/%d over %d", scaled.Genuine, scaled.Impostor, scaled.Probes, plain.Genuine, plain.Impostor, plain.Probes)
	}
	if slices.Equal(scaled.ImpostorDistances, plain.ImpostorDistances) {
		t.Error("the cohort changed no impostor score")
	}
	if got, want := scaled.ByRate["1e-09"].Threshold, match.PalmCohortTail.Threshold(1e-9); got != want {
		t.Errorf("scaled run's 1e-9 threshold %.4f, want the scores' tail's %.4f", got, want)
	}
	if got, want := plain.ByRate["1e-09"].Threshold, match.PalmTail.Threshold(1e-9); got != want {
		t.Errorf("plain run's 1e-9 threshold %.4f, want the distances' tail's %.4f", got, want)
	}
	for _, d := range scaled.ImpostorDistances {
		if d < 0 || d > 1 {
			t.Fatalf("impostor score %g outside [0, 1]", d)
		}
	}

	for _, tc := range []struct {
		name string
		o    Options
		ok   bool
	}{
		{"no cohort", Options{}, true},
		{"threshold", Options{Cohort: co, Threshold: 0.2}, true},
		{"self-calibrated", Options{Cohort: co, SelfCalibrate: true}, true},
		{"the shipped tail", Options{Cohort: co}, true},
		{"tilts", Options{Cohort: co, Threshold: 0.2, Look: LookTilts}, false},
		{"whole cells", Options{Cohort: co, Threshold: 0.2, WholeCell: true}, false},
		{"stacked", Options{Cohort: co, Threshold: 0.2, Stack: true}, false},
	} {
		if err := tc.o.checkCohort(); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	def, err := Run(context.Background(), dir, Options{Enroll: 2, Rotations: []float64{0}, MaxShift: 2, FPIR: 1e-5, Cohort: co}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := match.PalmCohortTail.Threshold(def.Rate); def.Threshold != want || def.Rate == 0 {
		t.Errorf("default threshold %.4f for %g, want the scores' tail's %.4f", def.Threshold, def.Rate, want)
	}
	if _, err := Run(context.Background(), dir, Options{Enroll: 2, Cohort: co, Look: LookTilts}, io.Discard); err == nil || !strings.Contains(err.Error(), "cohort") {
		t.Errorf("a cohort run with the tilts' look: %v", err)
	}
}

// TestCohortScoresAProbe: the score compareHand gives a pair is the
// first comparison's distance scaled by the probe's own cohort, computed
// here from the shipped cohort's templates one by one.
func TestCohortScoresAProbe(t *testing.T) {
	dir := writeSet(t, 3, 3)
	co, err := cohort.Templates()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	how := coder{rot: []float64{0}, look: LookOutline, cohort: co, maxShift: 2}
	hands, _ := collect(context.Background(), dir, samples, 2, how, &Report{}, io.Discard)
	h := hands[0]
	if len(h.cohorts) != len(h.probes) || len(h.probes) == 0 {
		t.Fatalf("%d cohorts for %d probes", len(h.cohorts), len(h.probes))
	}
	var d []float64
	for i := range co {
		d = append(d, h.probes[0].Distance(&co[i], 2))
	}
	want := match.NewCohort(d)
	if h.cohort(0) != want {
		t.Fatalf("probe's cohort %+v, want %+v", h.cohort(0), want)
	}
	raw := h.probes[0].Distance(&hands[1].enrolled[0], 2)
	raw = min(raw, h.probes[0].Distance(&hands[1].enrolled[1], 2))
	if got := distance(nil, h.probes[0].Aligner(), nil, hands[1], 2, want); got.Score != want.Scaled(raw) || got.First != raw {
		t.Errorf("impostor score %g of first distance %g, want %g scaled to %g", got.Score, got.First, raw, want.Scaled(raw))
	}
}
