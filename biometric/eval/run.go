package eval

import (
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
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/drivers/camera"
)

// Options configure a run.
type Options struct {
	Enroll    int     // captures per hand enrolled; the rest probe
	Threshold float64 // decision threshold; 0 calibrates for FMR
	FMR       float64 // per-comparison false-match rate for calibration
	Rotations []float64
	MaxShift  int
	// Impostors is how many other hands each probe is compared with for
	// the impostor distribution (drawn at random, the same for every
	// run); 0 compares with all of them.
	Impostors int
}

// Report holds the figures, as palmctl eval prints them.
type Report struct {
	Images, Acquired       int
	FTA                    float64
	Hands, FailedToEnroll  int
	Probes                 int
	Genuine, Impostor      int
	EER, EERThreshold      float64
	FNMR                   map[string]*float64 // at FMR 1e-3, 1e-4, 1e-5; nil: too few impostor comparisons
	Threshold              float64
	Tail                   *match.Calibration // the impostor tail line, when calibrated
	FNIR, FPIR             float64
	MedianMS, P95MS        float64
	Negatives, NegAcquired int
	NegMatched             int
	NegKinds               map[string]*KindFigures // by the kind _negatives/manifest.csv gives
}

// hand is one identity's hand: what it enrolled, what probes it.
type hand struct {
	key      string
	enrolled []template.Template
	probes   [][]template.Template // one entry per probe: its rotations
}

// coder runs the pipeline on one frame.
type coder struct {
	ext *features.Extractor
	rot []float64
}

// code returns the probe templates of a frame, or false when the frame is
// not acquired (no good observation). Each frame is judged alone: the
// images of a set are not a video, so there is no motion to track.
func (c *coder) code(img *image.Gray) ([]template.Template, bool) {
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(img)
	if err != nil || !obs.Good() {
		return nil, false
	}
	ts, err := c.ext.Rotations(obs.ROI, c.rot)
	return ts, err == nil
}

// Run evaluates the set in dir. Unreadable or missing images are failures
// to acquire and are named on warn.
func Run(dir string, o Options, warn io.Writer) (*Report, error) {
	samples, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, err
	}
	defer ext.Close()
	c := &coder{ext: ext, rot: o.Rotations}
	rep := &Report{}
	hands, times := collect(dir, samples, o.Enroll, o.Rotations, rep, warn)
	scores := compare(hands, o.MaxShift, o.Impostors)
	if err := rep.finish(scores, hands, o); err != nil {
		return nil, err
	}
	rep.timing(times, hands, o)
	rep.negatives(dir, c, hands, o, warn)
	return rep, nil
}

// collect codes every image, hand by hand in capture order, one worker
// (with its own filter bank) per CPU.
func collect(dir string, samples []Sample, enroll int, rot []float64, rep *Report, warn io.Writer) ([]*hand, []time.Duration) {
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
	parallel(len(keys), func() (func(int), func()) {
		ext, err := features.NewExtractor()
		if err != nil {
			return func(i int) { out[i].failed = []string{"eval: " + err.Error()} }, func() {}
		}
		c := &coder{ext: ext, rot: rot}
		return func(i int) {
			out[i].h, out[i].images, out[i].acquired, out[i].times, out[i].failed = codeHand(dir, keys[i], groups[keys[i]], enroll, c)
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
		if o.h == nil || len(o.h.enrolled) == 0 {
			rep.FailedToEnroll++
			continue
		}
		hands = append(hands, o.h)
		times = append(times, o.times...)
	}
	return hands, times
}

// codeHand codes one hand's images: the first enroll captures enrol.
func codeHand(dir, key string, g []Sample, enroll int, c *coder) (h *hand, images, acquired int, times []time.Duration, failed []string) {
	sort.Slice(g, func(i, j int) bool { return g[i].Capture < g[j].Capture })
	h = &hand{key: key}
	for i, s := range g {
		images++
		img, err := camera.ReadGray(filepath.Join(dir, s.Path))
		if err != nil {
			failed = append(failed, fmt.Sprintf("eval: %s: %v", s.Path, err))
			continue
		}
		start := time.Now()
		ts, ok := c.code(img)
		if !ok {
			continue
		}
		acquired++
		if i < enroll {
			h.enrolled = append(h.enrolled, ts[len(ts)/2]) // the unrotated one
		} else {
			h.probes = append(h.probes, ts)
			times = append(times, time.Since(start))
		}
	}
	return h, images, acquired, times, failed
}

// distance is a probe's best distance to a hand's enrolled templates.
func distance(probe, enrolled []template.Template, shift int) float64 {
	d := 1.0
	for i := range probe {
		for j := range enrolled {
			d = min(d, match.Fine(&probe[i], &enrolled[j], shift))
		}
	}
	return d
}

// parallel runs work(i) for every i in [0, n) on one goroutine per CPU;
// each goroutine makes its own worker (and releases it with done).
func parallel(n int, newWorker func() (work func(i int), done func())) {
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
		next <- i
	}
	close(next)
	wg.Wait()
}

// compare scores every probe against its own hand and against others
// (all of them, or a fixed random sample of impostors per probe), with
// one goroutine per CPU.
func compare(hands []*hand, shift, impostors int) Scores {
	parts := make([]Scores, len(hands))
	parallel(len(hands), func() (func(int), func()) {
		return func(pi int) { parts[pi] = compareHand(hands, pi, shift, impostors) }, func() {}
	})
	var s Scores
	for _, p := range parts {
		s.Genuine = append(s.Genuine, p.Genuine...)
		s.Impostor = append(s.Impostor, p.Impostor...)
	}
	s.Sort()
	return s
}

// compareHand scores the probes of hands[pi].
func compareHand(hands []*hand, pi, shift, impostors int) Scores {
	var s Scores
	ph := hands[pi]
	rng := rand.New(rand.NewPCG(uint64(pi), 42))
	for _, probe := range ph.probes {
		s.Genuine = append(s.Genuine, distance(probe, ph.enrolled, shift))
		others := rng.Perm(len(hands))
		if impostors > 0 && impostors < len(others) {
			others = others[:impostors+1]
		}
		n := 0
		for _, ei := range others {
			if ei == pi || (impostors > 0 && n == impostors) {
				continue
			}
			s.Impostor = append(s.Impostor, distance(probe, hands[ei].enrolled, shift))
			n++
		}
	}
	return s
}

func (r *Report) finish(s Scores, hands []*hand, o Options) error {
	if r.Images > 0 {
		r.FTA = 1 - float64(r.Acquired)/float64(r.Images)
	}
	r.Genuine, r.Impostor = len(s.Genuine), len(s.Impostor)
	r.EER, r.EERThreshold = s.EER()
	r.FNMR = map[string]*float64{}
	for _, t := range []float64{1e-3, 1e-4, 1e-5} {
		if v, _, ok := s.FNMRAt(t); ok {
			r.FNMR[fmt.Sprintf("%.0e", t)] = &v
		} else {
			r.FNMR[fmt.Sprintf("%.0e", t)] = nil
		}
	}
	r.Threshold = o.Threshold
	if r.Threshold == 0 {
		var err error
		if r.Threshold, err = match.Threshold(s.Impostor, o.FMR); err != nil {
			return fmt.Errorf("eval: calibrating the threshold for FMR %g on %d impostor comparisons: %w (a larger set, or a fixed threshold)", o.FMR, len(s.Impostor), err)
		}
		tail, _ := match.Calibrate(s.Impostor)
		r.Tail = &tail
	}
	r.identification(hands, o)
	return nil
}

// identification runs every probe as the reader would, through the
// gallery of all enrolled hands: a mated search (FNIR: not found, or
// someone else found) and a non-mated one with its own hand left out
// (FPIR: anyone found).
func (r *Report) identification(hands []*hand, o Options) {
	g := newGallery(hands)
	miss, falsePos := 0, 0
	for _, h := range hands {
		for _, p := range h.probes {
			r.Probes++
			opts := gallery.Options{Threshold: r.Threshold, Shortlist: gallery.DefaultShortlist, MaxShift: o.MaxShift}
			if m := g.Identify(p, opts); !m.Matched || m.ID != h.key {
				miss++
			}
			opts.Exclude = h.key
			if g.Identify(p, opts).Matched {
				falsePos++
			}
		}
	}
	if r.Probes > 0 {
		r.FNIR, r.FPIR = float64(miss)/float64(r.Probes), float64(falsePos)/float64(r.Probes)
	}
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
func (r *Report) timing(coding []time.Duration, hands []*hand, o Options) {
	g := newGallery(hands)
	var total []time.Duration
	i := 0
	for _, h := range hands {
		for _, p := range h.probes {
			start := time.Now()
			g.Identify(p, gallery.Options{Threshold: r.Threshold, Shortlist: gallery.DefaultShortlist, MaxShift: o.MaxShift, Workers: 1})
			total = append(total, coding[i]+time.Since(start))
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
		ts, ok := c.code(img)
		if !ok {
			continue
		}
		r.NegAcquired++
		k.Acquired++
		for _, h := range hands {
			if distance(ts, h.enrolled, o.MaxShift) < r.Threshold {
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

// KindFigures are the outcomes of one kind of negative.
type KindFigures struct {
	Count, Acquired, Matched int
	APCER                    float64 // Acquired / Count
}
