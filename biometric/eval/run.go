package eval

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/drivers/camera"
)

// Options configure a run.
type Options struct {
	Enroll    int     // captures per hand enrolled; the rest probe
	Threshold float64 // decision threshold; 0: the shipped tail's for FMR or FPIR
	FMR       float64 // per-comparison false-match rate for the threshold
	// FPIR, when FMR is zero, is the reader's default operating point:
	// false positive identifications per search, divided among the
	// gallery's templates (and a presentation's frames) as palmd does.
	FPIR float64
	// SelfCalibrate takes the threshold from this set's own impostor
	// tail instead of the shipped one (Options.tail).
	SelfCalibrate bool
	Rotations     []float64
	MaxShift      int
	// WholeCell codes probes on the whole-cell grid only, as the reader
	// did before it searched half-cell offsets (features.Extractor.Probe):
	// for measuring what those bring.
	WholeCell bool
	// Frames is how many good frames of a presentation the per-presentation
	// decision may use (recognize.Reader's rule); default 3.
	Frames int
	// Stack identifies a presentation's later frames averaged with the
	// ones before them (palm.Stack), at the stacked frames' tail's
	// threshold (match.PalmStackedTail), as a reader that stacked them
	// would; the reader decides each frame alone (README, "Stacked
	// frames"). It needs the outline look.
	Stack bool
	// StackedTail measures the impostor tail of the presentations'
	// stacked frames (Report.StackedTail; with Stack), each against
	// every other hand, with the outline look within match.SecondLook as
	// the tables are measured: match.StackedTail.
	StackedTail bool
	// Impostors is how many other hands each probe is compared with for
	// the impostor distribution (drawn at random, the same for every
	// run); 0 compares with all of them.
	Impostors int
	// Look is what a frame whose search comes near someone without
	// matching looks at again; LookOutline (the reader's) by default.
	Look Look
	// Shortlist is how many templates a search's coarse pass keeps for
	// the fine comparison: 0 the reader's (gallery.DefaultShortlist), a
	// negative number every template (an exhaustive search).
	Shortlist int
	// Looks is how many of the templates a search came near its frame's
	// outline look takes, the nearest first: 0 the reader's
	// (recognize.MaxLooks), a negative number all of them. The impostor
	// tail (--tail) looks at every pair within match.SecondLook whatever
	// this says.
	Looks int
	// Cohort, when set, scales each probe's first-search distances by
	// its cohort (match.Cohort, against these templates: the reader's is
	// biometric/cohort's), as the reader does: every score, tail and rate
	// of the run is of the scores (gallery.Result.Score), and the shipped
	// tail is match.PalmCohortTail. Without it the run measures the
	// distances, at match.PalmTail. It needs the reader's look and grids.
	Cohort []template.Template
	// Pairs keeps every comparison's parts in Report.Pairs: the first
	// search's distance, scaled and not, and the look's, for replaying
	// decision rules offline (palmctl eval --pairs-out). A pair takes 72
	// bytes: a narrow set's 538,200 comparisons, about 39 MB.
	Pairs bool
}

// checkCohort refuses a cohort the run could not use as the reader does:
// the cohort is measured on the capture as located, so the tilts' look,
// which folds into that distance, and stacked frames are out.
func (o Options) checkCohort() error {
	if o.Cohort != nil && (o.Look != LookOutline || o.WholeCell || o.Stack) {
		return errors.New("eval: a cohort needs the reader's outline look and grids, and no stacking (measure those without the cohort)")
	}
	return nil
}

// tail is the shipped tail of what the run scores.
func (o Options) tail() match.Tail { return shippedTail(o.Cohort != nil) }

// ShippedTail is the shipped tail this report's scores compare with.
func (r *Report) ShippedTail() match.Tail { return shippedTail(r.Cohort) }

// shippedTail is match.PalmCohortTail for scores scaled by a cohort,
// match.PalmTail for distances.
func shippedTail(scaled bool) match.Tail {
	if scaled {
		return match.PalmCohortTail
	}
	return match.PalmTail
}

// looks is the outline look's bound of o.Looks.
func (o Options) looks() int {
	switch {
	case o.Looks == 0:
		return recognize.MaxLooks
	case o.Looks < 0:
		return math.MaxInt
	}
	return o.Looks
}

// shortlist is the gallery.Options.Shortlist of o.Shortlist.
func (o Options) shortlist() int {
	switch {
	case o.Shortlist == 0:
		return gallery.DefaultShortlist
	case o.Shortlist < 0:
		return 0
	}
	return o.Shortlist
}

// Look is a second look: what a frame whose first search came within
// match.SecondLook of someone without matching is compared again as.
type Look int

const (
	// LookOutline cuts the frame through its outline registered onto
	// each near template's enrolment (recognize.Registered) and compares
	// that cut with that template: the reader's.
	LookOutline Look = iota
	// LookTilts codes the frame rectified for palm.Tilts and compares
	// those with every template the search came near: the reader's
	// before the outline registration.
	LookTilts
	// LookBoth takes both looks.
	LookBoth
)

// Looks names the looks as palmctl eval's --look takes them.
var Looks = map[string]Look{"tilts": LookTilts, "outline": LookOutline, "both": LookBoth}

func (l Look) tilts() bool   { return l != LookOutline }
func (l Look) outline() bool { return l != LookTilts }

// Report holds the figures, as palmctl eval prints them.
type Report struct {
	Images, Acquired int
	FTA              float64
	// BonaFideRefused counts the set's own palms refused as presentation
	// attacks (the not-a-palm hint); BPCER is their fraction of Images.
	BonaFideRefused       int
	BPCER                 float64
	Hands, FailedToEnroll int
	Probes                int
	Genuine, Impostor     int
	EER, EERThreshold     float64
	FNMR                  map[string]*float64 // at FMR 1e-3, 1e-4, 1e-5; nil: too few impostor comparisons
	Threshold             float64
	ObservedFMR           float64     // this set's impostors below Threshold
	Rate                  float64     // the per-comparison rate Threshold was set for (0: given)
	Tail                  *match.Tail // this set's impostor tail; nil: too few comparisons
	// ImpostorDistances are the comparisons Tail is measured from, for
	// pooling with other sets' (palmctl tail).
	ImpostorDistances []float64 `json:"-"`
	// Pairs are every comparison's parts, with Options.Pairs (nil
	// without): hand by hand in manifest order, each probe's mated pair
	// before its impostors.
	Pairs []Pair `json:"-"`
	// StackedTail is the impostor tail of the stacked frames, with
	// Options.StackedTail (nil: not measured or too few comparisons).
	StackedTail *match.Tail
	// Genuine distance quantiles: where the threshold must lie to find
	// half, 95 % and 99 % of mated comparisons.
	Genuine50, Genuine95, Genuine99 float64
	FNIR, FPIR                      float64
	// ByRate is FNIR and FPIR at the shipped tail's threshold for each of
	// reportRates (per comparison).
	ByRate map[string]IdentificationAt
	// Cohort says the run's scores are scaled by each probe's cohort
	// (Options.Cohort): its tail and thresholds are of scores, and the
	// shipped tail they compare with is match.PalmCohortTail.
	Cohort bool
	// NearShare is the share of non-mated searches (a person not
	// enrolled) that came within match.SecondLook of some template, and
	// NearP95 and NearMax how many templates such a search came that near:
	// a reader registers the frame's outline onto each of them (at most
	// Looks, the nearest) before it turns the person away
	// (recognize.Reader's second look). Looks is negative where the
	// outline look took every one, 0 where the run took no outline look.
	NearShare        float64
	NearP95, NearMax int
	Looks            int
	// Per presentation (rows of the manifest sharing a capture number),
	// decided as recognize.Reader does: the first of up to Frames good
	// frames that matches, at the threshold for FMR shared among them.
	// Reported when some presentation has more than one frame.
	Presentations                     int
	PresThreshold, PresFNIR, PresFPIR float64
	// PresLater counts the presentations' frames after their first (up
	// to Frames), PresStacked those of them identified stacked with the
	// frames before them (palm.Stack; only with Options.Stack).
	PresLater, PresStacked int
	PresStackedThreshold   float64 // a stacked frame's threshold (match.PalmStackedTail's); 0 without Options.Stack
	// StackShift compares the stacked frames' distances to every other
	// hand's enrolled templates with the same frames' alone (the first
	// search's comparison, without second looks): at each rate the
	// pairs measure, the distance below which that share of each fell.
	// Averaging takes noise out of impostor pairs too; this says how far
	// it moves their tail.
	StackShift             []StackQuantile
	MedianMS, P95MS        float64
	Negatives, NegAcquired int
	NegMatched             int
	NegKinds               map[string]*KindFigures // by the kind _negatives/manifest.csv gives
}

// StackQuantile is one rate of Report.StackShift.
type StackQuantile struct {
	FMR, Alone, Stacked float64
	Pairs               int
}

// hand is one identity's hand: what it enrolled, what probes it.
type hand struct {
	key      string
	enrolled []template.Template
	refs     []palm.Outline  // the enrolments' outlines, with LookOutline
	probes   []match.Probe   // one entry per probe, with its second look
	outlines []*palm.Outline // the probes' outlines, with LookOutline (nil: none)
	looks    []look          // what each probe's second look took to code
	// presentations lists each probe capture's acquired frames (indexes
	// into probes); a capture none of whose frames was acquired is empty.
	presentations [][]int
	// stacked is, for each probe, the frames of its presentation up to
	// it averaged (palm.Stack), with Options.Stack; nil for a
	// presentation's first frame and a frame that did not join the stack.
	stacked []*stackedFrame
	// views, where set, are what the probes' outline looks register
	// instead of their outlines: a hand of stacked frames (stackedHands).
	views []palm.View
	// cohorts are the probes' cohorts (Options.Cohort; nil without one),
	// computed once per probe, as a reader computes one per frame.
	cohorts []match.Cohort
	refused int // frames refused as presentation attacks
}

// cohort is probe i's cohort: the zero Cohort in a run without one.
func (h *hand) cohort(i int) match.Cohort {
	if i < len(h.cohorts) {
		return h.cohorts[i]
	}
	return match.Cohort{}
}

// stackedFrame is a frame identified with its presentation's frames
// before it: their average's probe, and the stack for its second look.
type stackedFrame struct {
	probe match.Probe
	stack *palm.Stack
}

// coder runs the pipeline on one frame.
type coder struct {
	ext       *features.Extractor
	rot       []float64
	wholeCell bool
	stack     bool // stack a presentation's frames (Options.Stack)
	look      Look
	cohort    []template.Template // Options.Cohort
	maxShift  int
}

// look is what a probe's second look took to code: until each of its
// tilted probes (match.Probe.Tilted) was ready, and in all (a tilt that
// shows no palm costs its rectification too). A reader codes the tilts
// one by one, only when a search needs them, and stops at the first
// that matches (recognize.Reader.Offer).
type look struct {
	ready   []time.Duration
	all     time.Duration
	outline time.Duration // outlining the frame, with LookOutline
}

// took is what the second look cost a search that compared its first
// compared tilted probes and matched with the last of them (matched),
// or compared them all.
func (l look) took(compared int, matched bool) time.Duration {
	if matched && compared > 0 {
		return l.ready[compared-1]
	}
	return l.all
}

// code returns the probe templates of a frame, or nil and the frame's
// hints when it is not acquired. Each frame is judged alone: the images
// of a set are not a video, so there is no motion to track. With
// second, the probe carries its second look's tilts (match.Probe.Tilted)
// where c's look takes them, and took is what coding that took. Where
// c's look registers outlines, o is the frame's (nil where it has none).
func (c *coder) code(img *image.Gray, second bool) (p *match.Probe, o *palm.Outline, roi *image.Gray, hints []palm.Hint, took look) {
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(img)
	if err != nil {
		return nil, nil, nil, nil, took
	}
	if !obs.Good() {
		return nil, nil, nil, obs.Hints, took
	}
	code := c.ext.Probe
	if c.wholeCell {
		code = c.ext.WholeCell
	}
	probe, err := code(obs.ROI, c.rot)
	if err != nil {
		return nil, nil, nil, nil, took
	}
	if c.look.outline() && !c.wholeCell {
		start := time.Now()
		if out, err := palm.OutlineOf(img, obs); err == nil {
			o = &out
		}
		took.outline = time.Since(start)
	}
	if second && c.look.tilts() && !c.wholeCell {
		start := time.Now()
		for _, tilt := range palm.Tilts {
			t, ok, err := recognize.Tilted(c.ext, img, obs, tilt, c.rot)
			if err != nil {
				return nil, nil, nil, nil, look{}
			}
			if ok {
				probe.Tilted = append(probe.Tilted, t)
				took.ready = append(took.ready, time.Since(start))
			}
		}
		took.all = time.Since(start)
	}
	return &probe, o, obs.ROI, nil, took
}

// registered is recognize.Registered on c's filter bank at
// recognize.RegisteredRotations: o's frame cut through o registered onto
// ref, or false.
func (c *coder) registered(o palm.View, ref palm.Outline) (match.Probe, bool) {
	if o == nil || ref.Pix == nil {
		return match.Probe{}, false
	}
	p, ok, err := recognize.Registered(c.ext, o, ref, recognize.RegisteredRotations)
	return p, ok && err == nil
}

// Run evaluates the set in dir. Unreadable or missing images are failures
// to acquire and are named on warn. An evaluation of a large set takes an
// hour; when ctx ends it stops within an image's or a hand's work and
// returns ctx's error.
func Run(ctx context.Context, dir string, o Options, warn io.Writer) (*Report, error) {
	if err := o.checkStacking(); err != nil {
		return nil, err
	}
	if err := o.checkCohort(); err != nil {
		return nil, err
	}
	samples, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, err
	}
	defer ext.Close()
	how := coder{rot: o.Rotations, wholeCell: o.WholeCell, look: o.Look, stack: o.Stack, cohort: o.Cohort, maxShift: o.MaxShift}
	c := how
	c.ext = ext
	rep := &Report{Cohort: o.Cohort != nil}
	hands, times := collect(ctx, dir, samples, o.Enroll, how, rep, warn)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: coding the images: %w", err)
	}
	scores, pairs, err := compare(ctx, hands, o.MaxShift, o.Impostors, how, o.Pairs)
	if err != nil {
		return nil, err
	}
	rep.Pairs = pairs
	if o.StackedTail {
		stacked, _, err := compare(ctx, stackedHands(hands), o.MaxShift, 0, how, false)
		if err != nil {
			return nil, err
		}
		if t, err := match.MeasureTail(stacked.Impostor); err == nil {
			rep.StackedTail = &t
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: comparing: %w", err)
	}
	var outlines *outlineLook
	if o.Look.outline() && !o.WholeCell {
		outlines = &outlineLook{c: &c, refs: map[string][]palm.Outline{}, most: o.looks()}
		rep.Looks = -1 // every one
		if o.Looks >= 0 {
			rep.Looks = o.looks()
		}
		for _, h := range hands {
			outlines.refs[h.key] = h.refs
		}
	}
	if err := rep.finish(ctx, scores, hands, o, outlines.cached()); err != nil {
		return nil, err
	}
	rep.timing(times, hands, o, outlines)
	rep.negatives(dir, &c, hands, o, warn)
	return rep, nil
}

// collect codes every image, hand by hand in capture order, one worker
// per CPU, each coding as how says with its own filter bank.
func collect(ctx context.Context, dir string, samples []Sample, enroll int, how coder, rep *Report, warn io.Writer) ([]*hand, []time.Duration) {
	groups := map[string][]Sample{}
	var keys []string
	for _, s := range samples {
		k := s.Identity + "/" + s.Hand
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	sort.Strings(keys)
	type coded struct {
		h        *hand
		images   int
		acquired int
		times    []time.Duration
		failed   []string
	}
	out := make([]coded, len(keys))
	parallel(ctx, len(keys), func() (func(int), func()) {
		ext, err := features.NewExtractor()
		if err != nil {
			return func(i int) { out[i].failed = []string{"eval: " + err.Error()} }, func() {}
		}
		c := how
		c.ext = ext
		return func(i int) {
			out[i].h, out[i].images, out[i].acquired, out[i].times, out[i].failed = codeHand(dir, keys[i], groups[keys[i]], enroll, &c)
		}, func() { ext.Close() }
	})
	var hands []*hand
	var times []time.Duration
	for _, o := range out {
		for _, f := range o.failed {
			fmt.Fprintln(warn, f)
		}
		rep.Images += o.images
		rep.Acquired += o.acquired
		rep.Hands++
		if o.h != nil {
			rep.BonaFideRefused += o.h.refused
		}
		if o.h == nil || len(o.h.enrolled) == 0 {
			rep.FailedToEnroll++
			continue
		}
		hands = append(hands, o.h)
		times = append(times, o.times...)
	}
	return hands, times
}

// codeHand codes one hand's images: the first enroll captures enrol, the
// rest probe; rows sharing a capture number are the frames of one
// presentation.
func codeHand(dir, key string, g []Sample, enroll int, c *coder) (h *hand, images, acquired int, times []time.Duration, failed []string) {
	sort.SliceStable(g, func(i, j int) bool { return g[i].Capture < g[j].Capture })
	h = &hand{key: key}
	seen, last := 0, math.MinInt
	var st stacking
	for _, s := range g {
		if s.Capture != last {
			seen, last = seen+1, s.Capture
			if seen > enroll {
				h.presentations = append(h.presentations, nil)
			}
			st = stacking{}
		}
		images++
		img, err := camera.ReadGray(filepath.Join(dir, s.Path))
		if err != nil {
			failed = append(failed, fmt.Sprintf("eval: %s: %v", s.Path, err))
			continue
		}
		start := time.Now()
		probe, outline, roi, hints, look := c.code(img, seen > enroll)
		coding := time.Since(start) - look.all - look.outline
		if probe == nil {
			if slices.Contains(hints, palm.HintNotAPalm) {
				h.refused++
			}
			continue
		}
		acquired++
		if seen <= enroll {
			h.enrolled = append(h.enrolled, *probe.AsCut())
			if c.look.outline() {
				h.refs = append(h.refs, reference(outline))
			}
			continue
		}
		p := len(h.presentations) - 1
		h.presentations[p] = append(h.presentations[p], len(h.probes))
		h.probes = append(h.probes, *probe)
		h.outlines = append(h.outlines, outline)
		h.stacked = append(h.stacked, c.stacked(&st, outline, roi))
		h.looks = append(h.looks, look)
		if c.cohort != nil {
			start := time.Now()
			h.cohorts = append(h.cohorts, probe.Aligner().Cohort(c.cohort, c.maxShift))
			coding += time.Since(start)
		}
		times = append(times, coding)
	}
	return h, images, acquired, times, failed
}

// stacking is a presentation's stack as codeHand builds it: the first
// frame's outline and ROI wait until a second frame comes, so that sets
// of single captures copy no frames.
type stacking struct {
	first    *palm.Outline
	firstROI *image.Gray
	stack    *palm.Stack
}

// stacked adds a presentation's frame (outlined as o, located as roi) to
// its stack (palm.Stack.Add) and codes the frames stacked so far, seen
// from this one; nil for the presentation's first frame, a frame that
// does not join the stack, and where c does not stack.
func (c *coder) stacked(st *stacking, o *palm.Outline, roi *image.Gray) *stackedFrame {
	if !c.stack || o == nil {
		return nil
	}
	if st.first == nil && st.stack == nil {
		st.first, st.firstROI = o, roi
		return nil
	}
	if st.stack == nil {
		var err error
		if st.stack, err = palm.NewStack(*st.first, st.firstROI); err != nil {
			return nil
		}
		st.first, st.firstROI = nil, nil
	}
	if st.stack.Add(*o, roi) != nil {
		return nil
	}
	p, err := c.ext.Probe(st.stack.ROI(), c.rot)
	if err != nil {
		return nil
	}
	return &stackedFrame{probe: p, stack: st.stack.Snapshot()}
}

// reference is what an enrolment keeps of its outline: the samples, not
// the frame (a zero Outline where it has none).
func reference(o *palm.Outline) palm.Outline {
	if o == nil {
		return palm.Outline{}
	}
	return palm.Outline{Pix: o.Pix, Place: o.Place}
}

// distance is a probe's score against a hand's enrolled templates, as a
// search that found that hand would score it (gallery.Result.Score): the
// best distance, scaled by the probe's cohort co, and with the outline
// look where c is not nil: each template the probe comes within
// match.SecondLook of is compared again with the probe's frame (outlined
// as o) registered onto that template's enrolment (refs), as a reader's
// second look would, and a look that lowers the best distance scores
// unscaled. The parts the score was made of come with it.
func distance(c *coder, probe *match.Aligner, o palm.View, e *hand, shift int, co match.Cohort) Comparison {
	p := Comparison{First: 1, Look: 1}
	for j := range e.enrolled {
		dj, al := probe.Compare(&e.enrolled[j], shift)
		if dj < p.First {
			p.First, p.Cells = dj, probe.Overlap(&e.enrolled[j], al)
		}
		if c != nil && dj < match.SecondLook {
			if r, ok := c.registered(o, e.refs[j]); ok {
				p.Look = min(p.Look, r.Distance(&e.enrolled[j], shift))
			}
		}
	}
	p.Scaled = co.Scaled(p.First)
	p.Score = p.Scaled
	if p.Look < p.First {
		p.Score = min(p.Score, p.Look)
	}
	return p
}

// Comparison is what one comparison's score is made of (distance).
type Comparison struct {
	// First is the first search's best distance over the hand's
	// enrolments, Scaled that scaled by the probe's cohort (First where
	// the run has none), and Look the outline look's best distance (1
	// where no template came within match.SecondLook, or the run does not
	// look). Score is what the run counts: Scaled, or Look where Look is
	// below both.
	First, Scaled, Look, Score float64
	// Cells is how many cells First rests on: valid in both the probe's
	// aligned code and the enrolment it came from (match.Aligner.Overlap;
	// 0 where no enrolment came below 1).
	Cells int
}

// Pair is one comparison of a run's per-comparison scores (the ones its
// EER, FNMR and impostor tail are of), kept with Options.Pairs so that
// another way of deciding from the same searches (other shares between
// the first search and the look, another scaling) can be replayed
// offline without coding the set again.
type Pair struct {
	// Probe is the probe's hand (its manifest key) and Capture its place
	// among that hand's probes; Hand is the hand it was compared with,
	// Probe itself for a mated pair.
	Probe   string
	Capture int
	Hand    string
	Comparison
}

// Mated says whether the pair compares a hand's probe with its own
// enrolments.
func (p *Pair) Mated() bool { return p.Probe == p.Hand }

// parallel runs work(i) for every i in [0, n) on one goroutine per CPU;
// each goroutine makes its own worker (and releases it with done).
func parallel(ctx context.Context, n int, newWorker func() (work func(i int), done func())) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work, done := newWorker()
			defer done()
			for i := range next {
				work(i)
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}

// compare scores every probe against its own hand and against others
// (all of them, or a fixed random sample of impostors per probe), with
// one goroutine per CPU, each with its own filter bank where how's look
// registers outlines. With keep, it also returns every comparison's
// Pair, hand by hand in the order of hands.
func compare(ctx context.Context, hands []*hand, shift, impostors int, how coder, keep bool) (Scores, []Pair, error) {
	byHand := make([]handScores, len(hands))
	var failed error
	var mu sync.Mutex
	parallel(ctx, len(hands), func() (func(int), func()) {
		var c *coder
		if how.look.outline() && !how.wholeCell {
			ext, err := features.NewExtractor()
			if err != nil {
				mu.Lock()
				failed = err
				mu.Unlock()
				return func(int) {}, func() {}
			}
			own := how // each worker its own copy: the filter bank is not shared
			own.ext = ext
			c = &own
			return func(pi int) { byHand[pi] = compareHand(hands, pi, shift, impostors, c, keep) }, func() { _ = ext.Close() }
		}
		return func(pi int) { byHand[pi] = compareHand(hands, pi, shift, impostors, nil, keep) }, func() {}
	})
	if failed != nil {
		return Scores{}, nil, fmt.Errorf("eval: %w", failed)
	}
	var s Scores
	var pairs []Pair
	if keep {
		n := 0
		for _, h := range byHand {
			n += len(h.pairs)
		}
		pairs = make([]Pair, 0, n)
	}
	for i, h := range byHand {
		s.Genuine = append(s.Genuine, h.Genuine...)
		s.Impostor = append(s.Impostor, h.Impostor...)
		pairs = append(pairs, h.pairs...)
		byHand[i].pairs = nil // held once, in pairs
	}
	s.Sort()
	return s, pairs, nil
}

// handScores are one hand's probes' scores, and with compare's keep
// their pairs.
type handScores struct {
	Scores
	pairs []Pair
}

// compareHand scores the probes of hands[pi], with the outline look
// where c is not nil.
func compareHand(hands []*hand, pi, shift, impostors int, c *coder, keep bool) handScores {
	var s handScores
	ph := hands[pi]
	rng := rand.New(rand.NewPCG(uint64(pi), 42))
	add := func(i int, e *hand, cmp Comparison) {
		if e == ph {
			s.Genuine = append(s.Genuine, cmp.Score)
		} else {
			s.Impostor = append(s.Impostor, cmp.Score)
		}
		if keep {
			s.pairs = append(s.pairs, Pair{Probe: ph.key, Capture: i, Hand: e.key, Comparison: cmp})
		}
	}
	for i := range ph.probes {
		probe := ph.probes[i].Aligner()
		var o palm.View
		if c != nil {
			o = ph.outline(i)
		}
		add(i, ph, distance(c, probe, o, ph, shift, ph.cohort(i)))
		others := rng.Perm(len(hands))
		if impostors > 0 && impostors < len(others) {
			others = others[:impostors+1]
		}
		n := 0
		for _, ei := range others {
			if ei == pi || (impostors > 0 && n == impostors) {
				continue
			}
			add(i, hands[ei], distance(c, probe, o, hands[ei], shift, ph.cohort(i)))
			n++
		}
	}
	return s
}

func (r *Report) finish(ctx context.Context, s Scores, hands []*hand, o Options, ol *outlineLook) error {
	if r.Images > 0 {
		r.FTA = 1 - float64(r.Acquired)/float64(r.Images)
		r.BPCER = float64(r.BonaFideRefused) / float64(r.Images)
	}
	r.Genuine, r.Impostor = len(s.Genuine), len(s.Impostor)
	r.ImpostorDistances = s.Impostor
	r.EER, r.EERThreshold = s.EER()
	r.FNMR = map[string]*float64{}
	for _, t := range []float64{1e-3, 1e-4, 1e-5} {
		if v, _, ok := s.FNMRAt(t); ok {
			r.FNMR[fmt.Sprintf("%.0e", t)] = &v
		} else {
			r.FNMR[fmt.Sprintf("%.0e", t)] = nil
		}
	}
	r.Genuine50, r.Genuine95, r.Genuine99 = quantile(s.Genuine, 0.5), quantile(s.Genuine, 0.95), quantile(s.Genuine, 0.99)
	if tail, err := match.MeasureTail(s.Impostor); err == nil {
		r.Tail = &tail
	}
	r.Threshold = o.Threshold
	switch {
	case r.Threshold > 0:
	case o.SelfCalibrate && r.Tail == nil:
		return fmt.Errorf("eval: calibrating the threshold for FMR %g on %d impostor comparisons: too few (a larger set, or the shipped tail)", o.rate(hands, 1), len(s.Impostor))
	case o.SelfCalibrate:
		r.Threshold = r.Tail.Threshold(o.rate(hands, 1))
	default:
		r.Rate = o.rate(hands, 1)
		r.Threshold = o.tail().Threshold(r.Rate)
	}
	r.ObservedFMR = s.FMR(r.Threshold)
	if err := r.identification(ctx, hands, o, ol); err != nil {
		return err
	}
	r.presentations(hands, o, ol)
	r.StackShift = stackShift(ctx, hands, o.MaxShift)
	return nil
}

// checkStacking refuses stacking options that would measure nothing: a
// stack is registered by outlines, and its tail needs stacked frames.
func (o Options) checkStacking() error {
	switch {
	case o.Stack && (o.WholeCell || !o.Look.outline()):
		return errors.New("eval: stacking frames needs the outline look and the reader's grids")
	case o.StackedTail && !o.Stack:
		return errors.New("eval: the stacked frames' tail needs stacking (Options.Stack)")
	}
	return nil
}

// stackedHands are the hands with their stacked frames for probes (none
// for some) and the stacks for the outline look; every hand's
// enrolments stay, to be compared with.
func stackedHands(hands []*hand) []*hand {
	out := make([]*hand, len(hands))
	for i, h := range hands {
		s := &hand{key: h.key, enrolled: h.enrolled, refs: h.refs}
		for _, sf := range h.stacked {
			if sf != nil {
				s.probes = append(s.probes, sf.probe)
				s.views = append(s.views, sf.stack)
			}
		}
		out[i] = s
	}
	return out
}

// stackShift measures Report.StackShift; nil where no frame was stacked.
func stackShift(ctx context.Context, hands []*hand, shift int) []StackQuantile {
	var alone, stacked []float64
	for _, h := range hands {
		for i, sf := range h.stacked {
			if sf == nil || ctx.Err() != nil {
				continue
			}
			one, avg := h.probes[i].Aligner(), sf.probe.Aligner()
			for _, e := range hands {
				if e == h {
					continue
				}
				for k := range e.enrolled {
					alone = append(alone, one.Distance(&e.enrolled[k], shift))
					stacked = append(stacked, avg.Distance(&e.enrolled[k], shift))
				}
			}
		}
	}
	slices.Sort(alone)
	slices.Sort(stacked)
	var out []StackQuantile
	for _, rate := range []float64{1e-2, 1e-3, 1e-4, 1e-5} {
		k := int(rate * float64(len(alone)))
		if k < 10 {
			break // too few pairs below this rate to say
		}
		out = append(out, StackQuantile{FMR: rate, Alone: alone[k], Stacked: stacked[k], Pairs: len(alone)})
	}
	return out
}

// identification runs every probe as the reader would, through the
// gallery of all enrolled hands: a mated search (FNIR: not found, or
// someone else found) and a non-mated one with its own hand left out
// (FPIR: anyone found).
func (r *Report) identification(ctx context.Context, hands []*hand, o Options, ol *outlineLook) error {
	g := newGallery(hands)
	// A search's best candidate does not depend on the threshold, so one
	// mated and one non-mated search per probe give FNIR and FPIR at
	// every threshold.
	var mated []searchOutcome
	var nonMated []float64
	var near []int
	for _, h := range hands {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("eval: searching: %w", err)
		}
		for i, p := range h.probes {
			r.Probes++
			f := frame{probe: p, outline: h.outline(i)}
			opts := gallery.Options{Shortlist: o.shortlist(), MaxShift: o.MaxShift, Cohort: h.cohort(i)}
			mated = append(mated, searchBoth(g, f, opts, h.key, ol))
			opts.Exclude = h.key
			nm := searchBoth(g, f, opts, h.key, ol)
			nonMated, near = append(nonMated, nm.second), append(near, nm.near)
		}
	}
	if r.Probes == 0 {
		return nil
	}
	r.FNIR, r.FPIR = rates(mated, nonMated, r.Threshold)
	r.nearStats(near)
	r.ByRate = map[string]IdentificationAt{}
	for _, rate := range reportRates {
		th := o.tail().Threshold(rate)
		fnir, fpir := rates(mated, nonMated, th)
		r.ByRate[fmt.Sprintf("%.0e", rate)] = IdentificationAt{Threshold: th, FNIR: fnir, FPIR: fpir}
	}
	return nil
}

// nearStats sums up how many templates each non-mated search came near.
func (r *Report) nearStats(near []int) {
	slices.Sort(near)
	someone := len(near) - sort.SearchInts(near, 1)
	r.NearShare = float64(someone) / float64(len(near))
	r.NearP95, r.NearMax = near[(len(near)-1)*95/100], near[len(near)-1]
}

// reportRates are the per-comparison rates the shipped tail's thresholds
// are reported at, beside the one the run was set for.
var reportRates = []float64{1e-9, 1e-8, 1e-7, 1e-6, 1e-5}

// IdentificationAt is FNIR and FPIR at one threshold.
type IdentificationAt struct {
	Threshold, FNIR, FPIR float64
}

// searchOutcome is a search's best candidate, on the codes as located
// and with the second look's (match.Probe.Tilted) beside them: the
// scores (gallery.Result.Score: the distances, scaled where the run has
// a cohort) and whether the candidate was the probe's own hand. The
// second is the first where the first lies beyond match.SecondLook.
type searchOutcome struct {
	distance, second float64
	own, secondOwn   bool
	near             int // templates the first search came within match.SecondLook of
}

// frame is a probe frame's codes and, with the outline look, its
// outline.
type frame struct {
	probe   match.Probe
	outline palm.View
	stacked bool // the probe is of a stack (palm.Stack)
}

// outline is probe i's outline, nil where the run takes no outline look.
func (h *hand) outline(i int) palm.View {
	if i < len(h.views) {
		return h.views[i]
	}
	if i < len(h.outlines) && h.outlines[i] != nil {
		return h.outlines[i]
	}
	return nil
}

// presented is probe i as the reader identifies it in its presentation:
// stacked with the frames before it where it joined their stack.
func (h *hand) presented(i int) frame {
	if i < len(h.stacked) && h.stacked[i] != nil {
		return frame{probe: h.stacked[i].probe, outline: h.stacked[i].stack, stacked: true}
	}
	return frame{probe: h.probes[i], outline: h.outline(i)}
}

// outlineLook is the outline look of a run that takes it: the
// enrolments' outlines by hand, a filter bank, and optionally a cache of
// the looks made, since identification searches each frame twice and
// presentations again (timing measures without one).
type outlineLook struct {
	c     *coder
	refs  map[string][]palm.Outline
	most  int                      // templates looked at per search (Options.Looks)
	cache map[lookKey]*match.Probe // nil: none; a nil entry: no look
}

type lookKey struct {
	o        palm.View
	hand     string
	template int
}

// cached returns l with a cache (nil for nil).
func (l *outlineLook) cached() *outlineLook {
	if l == nil {
		return nil
	}
	return &outlineLook{c: l.c, refs: l.refs, most: l.most, cache: map[lookKey]*match.Probe{}}
}

// again compares o's frame registered onto the enrolment of each
// template s came near with that template (gallery.Search.AgainAt), the
// nearest l.most that kept an outline, stopping at the first match when
// stop is set.
func (l *outlineLook) again(s *gallery.Search, o palm.View, stop bool) {
	if l == nil || o == nil {
		return
	}
	looks := 0
	for k, n := range s.Nearby() {
		if looks == l.most {
			return
		}
		if l.refs[n.ID][n.Template].Pix == nil {
			continue // no outline kept: no look, and none counted, as the reader's
		}
		looks++
		if p := l.look(o, n); p != nil && s.AgainAt(k, *p).Matched && stop {
			return
		}
	}
}

func (l *outlineLook) look(o palm.View, n gallery.Near) *match.Probe {
	key := lookKey{o, n.ID, n.Template}
	if p, ok := l.cache[key]; ok {
		return p
	}
	var p *match.Probe
	if q, ok := l.c.registered(o, l.refs[n.ID][n.Template]); ok {
		p = &q
	}
	if l.cache != nil {
		l.cache[key] = p
	}
	return p
}

// searchBoth runs a search on f's codes as located and, where it came
// within match.SecondLook of someone, compares every one of its second
// look's tilts and outline looks too: the two searches a reader may run
// on a frame, whatever the threshold. The reader stops at the first
// look that matches, so where two people lie below the threshold on
// different looks it may find the other; the decision, matched or not,
// is the same.
func searchBoth(g *gallery.Gallery, f frame, o gallery.Options, key string, ol *outlineLook) searchOutcome {
	first := f.probe
	first.Tilted = nil
	s := g.Search(first, o)
	m := s.Result
	out := searchOutcome{distance: m.Score, second: m.Score, own: m.ID == key, secondOwn: m.ID == key, near: len(s.Nearby())}
	for _, t := range f.probe.Tilted {
		m = s.Again(t)
	}
	ol.again(s, f.outline, false)
	m = s.Result
	out.second, out.secondOwn = m.Score, m.ID == key
	return out
}

// found is the reader's decision at th (recognize.Reader.Offer): the
// first search's candidate if it matched, else the second look's.
func (s searchOutcome) found(th float64) (matched, own bool) {
	if s.distance < th {
		return true, s.own
	}
	return s.second < th, s.secondOwn
}

// rates counts the mated searches that did not find their own hand below
// th (FNIR) and the non-mated ones that found anyone (FPIR; nonMated
// holds their best distance with the second look).
func rates(mated []searchOutcome, nonMated []float64, th float64) (fnir, fpir float64) {
	miss, falsePos := 0, 0
	for _, m := range mated {
		if ok, own := m.found(th); !ok || !own {
			miss++
		}
	}
	for _, d := range nonMated {
		if d < th {
			falsePos++
		}
	}
	return float64(miss) / float64(len(mated)), float64(falsePos) / float64(len(nonMated))
}

// rate is the per-comparison rate the threshold is set for: FMR, or FPIR
// divided among the enrolled templates and the frames (match.ForSearch).
func (o Options) rate(hands []*hand, frames int) float64 {
	if o.FMR > 0 || o.FPIR <= 0 {
		return o.FMR / float64(max(1, frames))
	}
	templates := 0
	for _, h := range hands {
		templates += len(h.enrolled)
	}
	return match.ForSearch(o.FPIR, templates, frames)
}

func newGallery(hands []*hand) *gallery.Gallery {
	g := gallery.New()
	for _, h := range hands {
		_ = g.Put(gallery.Person{ID: h.key, Templates: h.enrolled})
	}
	return g
}

// timing replays each probe's search through a gallery of every enrolled
// hand and adds it to the time its frame took to code.
func (r *Report) timing(coding []time.Duration, hands []*hand, o Options, ol *outlineLook) {
	g := newGallery(hands)
	var total []time.Duration
	i := 0
	for _, h := range hands {
		for j, p := range h.probes {
			start := time.Now()
			opts := gallery.Options{Threshold: r.Threshold, Shortlist: o.shortlist(), MaxShift: o.MaxShift, Workers: 1, Cohort: h.cohort(j)}
			res, looked, compared := search(g, frame{probe: p, outline: h.outline(j)}, opts, ol)
			took := coding[i] + time.Since(start)
			if looked {
				took += h.looks[j].took(compared, res.Matched) + h.looks[j].outline
			}
			total = append(total, took)
			i++
		}
	}
	if len(total) == 0 {
		r.MedianMS, r.P95MS = math.NaN(), math.NaN()
		return
	}
	slices.Sort(total)
	r.MedianMS = float64(total[len(total)/2]) / 1e6
	r.P95MS = float64(total[(len(total)-1)*95/100]) / 1e6
}

// negatives probes the images of DIR/_negatives: nothing there should be
// acquired, let alone match anyone. Counts are kept per kind, so that a
// kind of presentation attack has its own APCER (ISO/IEC 30107-3: the
// fraction of attacks of that kind the reader took for a palm).
func (r *Report) negatives(dir string, c *coder, hands []*hand, o Options, warn io.Writer) {
	negs, err := ReadNegatives(dir)
	if err != nil {
		fmt.Fprintln(warn, err)
		return
	}
	r.NegKinds = map[string]*KindFigures{}
	for _, n := range negs {
		k := r.NegKinds[n.Kind]
		if k == nil {
			k = &KindFigures{}
			r.NegKinds[n.Kind] = k
		}
		r.Negatives++
		k.Count++
		img, err := camera.ReadGray(filepath.Join(dir, n.Path))
		if err != nil {
			fmt.Fprintf(warn, "eval: %s: %v\n", n.Path, err)
			continue
		}
		ts, _, _, _, _ := c.code(img, true)
		if ts == nil {
			continue
		}
		r.NegAcquired++
		k.Acquired++
		al := ts.Aligner()
		var co match.Cohort
		if c.cohort != nil {
			co = al.Cohort(c.cohort, o.MaxShift)
		}
		for _, h := range hands {
			if distance(nil, al, nil, h, o.MaxShift, co).Score < r.Threshold {
				r.NegMatched++
				k.Matched++
				break
			}
		}
	}
	for _, k := range r.NegKinds {
		k.APCER = float64(k.Acquired) / float64(k.Count)
	}
}

// quantile is the q-quantile of sorted v (nearest rank); NaN when empty.
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return v[int(q*float64(len(v)-1))]
}

// KindFigures are the outcomes of one kind of negative.
type KindFigures struct {
	Count, Acquired, Matched int
	APCER                    float64 // Acquired / Count
}

// presentations decides every probe presentation from its frames as the
// reader does and counts the mated ones not decided for their own hand
// (FNIR; a presentation without an acquired frame counts) and the
// non-mated ones decided for anyone (FPIR).
func (r *Report) presentations(hands []*hand, o Options, ol *outlineLook) {
	multi := false
	for _, h := range hands {
		for _, p := range h.presentations {
			multi = multi || len(p) > 1
		}
	}
	if !multi {
		return
	}
	frames := o.Frames
	if frames <= 0 {
		frames = 3
	}
	r.PresThreshold = r.Threshold
	if o.Stack {
		r.PresStackedThreshold = r.Threshold
	}
	if o.Threshold == 0 {
		tail, stacked := o.tail(), match.PalmStackedTail
		if o.SelfCalibrate && r.Tail != nil {
			tail, stacked = *r.Tail, *r.Tail
			if r.StackedTail != nil {
				stacked = match.Strictest(*r.Tail, *r.StackedTail)
			}
		}
		r.PresThreshold = tail.Threshold(o.rate(hands, frames))
		if o.Stack {
			r.PresStackedThreshold = stacked.Threshold(o.rate(hands, frames))
		}
	}
	g := newGallery(hands)
	miss, falsePos := 0, 0
	for _, h := range hands {
		for _, p := range h.presentations {
			r.Presentations++
			p = p[:min(len(p), frames)]
			for _, i := range p[min(1, len(p)):] {
				r.PresLater++
				if h.stacked[i] != nil {
					r.PresStacked++
				}
			}
			opts := gallery.Options{Threshold: r.PresThreshold, Shortlist: o.shortlist(), MaxShift: o.MaxShift}
			if m, ok := decide(g, h, p, opts, r.PresStackedThreshold, ol); !ok || m.ID != h.key {
				miss++
			}
			opts.Exclude = h.key
			if _, ok := decide(g, h, p, opts, r.PresStackedThreshold, ol); ok {
				falsePos++
			}
		}
	}
	r.PresFNIR, r.PresFPIR = float64(miss)/float64(r.Presentations), float64(falsePos)/float64(r.Presentations)
}

// decide is the first of h's frames (indexes into its probes) that
// matches anyone, a stacked frame (hand.presented) at stacked, the
// threshold of the stacked frames' tail, as the reader decides it.
func decide(g *gallery.Gallery, h *hand, frames []int, o gallery.Options, stacked float64, ol *outlineLook) (gallery.Result, bool) {
	for _, i := range frames {
		f, at := h.presented(i), o
		at.Cohort = h.cohort(i)
		if f.stacked {
			at.Threshold = stacked
		}
		if m, _, _ := search(g, f, at, ol); m.Matched {
			return m, true
		}
	}
	return gallery.Result{}, false
}

// search is a frame's search as the reader runs it at o's threshold
// (recognize.Reader.Offer): on f's codes as located, then, if that
// matched no one but came within match.SecondLook of someone (looked),
// with its second look's tilted probes in turn until one matches, then
// its outline looks; compared is how many tilts it compared.
func search(g *gallery.Gallery, f frame, o gallery.Options, ol *outlineLook) (res gallery.Result, looked bool, compared int) {
	first := f.probe
	first.Tilted = nil
	s := g.Search(first, o)
	if !s.Near() {
		return s.Result, false, 0
	}
	for k, t := range f.probe.Tilted {
		if s.Again(t).Matched {
			return s.Result, true, k + 1
		}
	}
	ol.again(s, f.outline, true)
	return s.Result, true, len(f.probe.Tilted)
}
