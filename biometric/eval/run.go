package eval

import (
	"fmt"
	"image"
	"io"
	"math"
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
	FNIR, FPIR             float64
	MedianMS, P95MS        float64
	Negatives, NegAcquired int
	NegMatched             int
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
	hands, times := collect(dir, samples, o.Enroll, c, rep, warn)
	scores, best := compare(hands, o.MaxShift)
	rep.finish(scores, best, o)
	rep.timing(times, hands, o)
	rep.negatives(dir, c, hands, o, warn)
	return rep, nil
}

// collect codes every image, hand by hand, in capture order.
func collect(dir string, samples []Sample, enroll int, c *coder, rep *Report, warn io.Writer) ([]*hand, []time.Duration) {
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
	var hands []*hand
	var times []time.Duration
	for _, k := range keys {
		g := groups[k]
		sort.Slice(g, func(i, j int) bool { return g[i].Capture < g[j].Capture })
		h := &hand{key: k}
		for i, s := range g {
			rep.Images++
			img, err := camera.ReadGray(filepath.Join(dir, s.Path))
			if err != nil {
				fmt.Fprintf(warn, "eval: %s: %v\n", s.Path, err)
				continue
			}
			start := time.Now()
			ts, ok := c.code(img)
			if !ok {
				continue
			}
			rep.Acquired++
			if i < enroll {
				h.enrolled = append(h.enrolled, ts[len(ts)/2]) // the unrotated one
			} else {
				h.probes = append(h.probes, ts)
				times = append(times, time.Since(start))
			}
		}
		rep.Hands++
		if len(h.enrolled) == 0 {
			rep.FailedToEnroll++
			continue
		}
		hands = append(hands, h)
	}
	return hands, times
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

// bestNonMated records, per probe, the best distance to any other hand:
// the outcome of a search that must find nobody.
type probeResult struct {
	genuine, nonMated float64
}

// compare scores every probe against its own hand and every other, with
// one goroutine per CPU.
func compare(hands []*hand, shift int) (Scores, []probeResult) {
	type part struct {
		s   Scores
		res []probeResult
	}
	parts := make([]part, len(hands))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pi := range next {
				parts[pi].s, parts[pi].res = compareHand(hands, pi, shift)
			}
		}()
	}
	for pi := range hands {
		next <- pi
	}
	close(next)
	wg.Wait()
	var s Scores
	var res []probeResult
	for _, p := range parts {
		s.Genuine = append(s.Genuine, p.s.Genuine...)
		s.Impostor = append(s.Impostor, p.s.Impostor...)
		res = append(res, p.res...)
	}
	s.Sort()
	return s, res
}

// compareHand scores the probes of hands[pi].
func compareHand(hands []*hand, pi, shift int) (Scores, []probeResult) {
	var s Scores
	var res []probeResult
	ph := hands[pi]
	for _, probe := range ph.probes {
		r := probeResult{genuine: distance(probe, ph.enrolled, shift), nonMated: 1}
		s.Genuine = append(s.Genuine, r.genuine)
		for ei, eh := range hands {
			if ei == pi {
				continue
			}
			d := distance(probe, eh.enrolled, shift)
			s.Impostor = append(s.Impostor, d)
			r.nonMated = min(r.nonMated, d)
		}
		res = append(res, r)
	}
	return s, res
}

func (r *Report) finish(s Scores, res []probeResult, o Options) {
	if r.Images > 0 {
		r.FTA = 1 - float64(r.Acquired)/float64(r.Images)
	}
	r.Probes, r.Genuine, r.Impostor = len(res), len(s.Genuine), len(s.Impostor)
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
		r.Threshold, _ = match.Threshold(s.Impostor, o.FMR)
	}
	miss, falsePos := 0, 0
	for _, p := range res {
		// A mated search fails when the own hand is not below threshold
		// or another hand scores better.
		if p.genuine >= r.Threshold || p.nonMated < p.genuine {
			miss++
		}
		if p.nonMated < r.Threshold {
			falsePos++
		}
	}
	if len(res) > 0 {
		r.FNIR, r.FPIR = float64(miss)/float64(len(res)), float64(falsePos)/float64(len(res))
	}
}

// timing replays each probe's search through a gallery of every enrolled
// hand and adds it to the time its frame took to code.
func (r *Report) timing(coding []time.Duration, hands []*hand, o Options) {
	g := gallery.New()
	for _, h := range hands {
		_ = g.Put(gallery.Person{ID: h.key, Templates: h.enrolled})
	}
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

// negatives probes DIR/_negatives/*: nothing there should match anyone.
func (r *Report) negatives(dir string, c *coder, hands []*hand, o Options, warn io.Writer) {
	files, _ := filepath.Glob(filepath.Join(dir, "_negatives", "*"))
	for _, f := range files {
		r.Negatives++
		img, err := camera.ReadGray(f)
		if err != nil {
			fmt.Fprintf(warn, "eval: %s: %v\n", f, err)
			continue
		}
		ts, ok := c.code(img)
		if !ok {
			continue
		}
		r.NegAcquired++
		for _, h := range hands {
			if distance(ts, h.enrolled, o.MaxShift) < r.Threshold {
				r.NegMatched++
				break
			}
		}
	}
}
