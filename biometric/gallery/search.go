package gallery

import (
	"cmp"
	"container/heap"
	"runtime"
	"slices"
	"sync"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/template"
)

// Options tune a search.
type Options struct {
	// Threshold: a best distance below it is a match.
	Threshold float64
	// Shortlist is how many templates the coarse pass keeps for the fine
	// comparison; 0 compares every template finely (exhaustive search).
	Shortlist int
	// MaxShift is the fine comparison's shift search in cells; default 2.
	MaxShift int
	// Workers splits the coarse pass over goroutines; 0 or 1 uses one.
	Workers int
	// Exclude leaves one person out: a non-mated search for evaluation.
	Exclude string
	// Cohort is the probe's cohort (match.Aligner.Cohort): the search's
	// best distance is scaled by it before it meets Threshold. The zero
	// Cohort scales nothing.
	Cohort match.Cohort
}

// DefaultShortlist keeps 0.2 % of 100,000 templates.
const DefaultShortlist = 200

// Result is the outcome of an identification.
type Result struct {
	ID, Badge string
	Distance  float64 // best fine distance, the second look's included
	// Score is what the decision compares with the threshold: the first
	// search's best distance scaled by the probe's cohort
	// (Options.Cohort), or a second look's distance where the look
	// lowered the best distance below that. The look's distance is not
	// scaled: the cohort was measured on the capture as located, and says
	// nothing of a cut registered onto one enrolment. Without a cohort it
	// is Distance. ID and Badge are of the template that gave it.
	Score   float64
	Matched bool // Score < Threshold
}

// Identify finds the closest person to a probe: the same capture at a
// few rotations and cell grids (match.Probe). The smallest distance
// counts, which absorbs residual rotation and sub-cell offset; the
// shortlist comes from the capture as cut, since a rotated code would
// shortlist by a misaligned code and lose mates.
func (g *Gallery) Identify(p match.Probe, o Options) Result {
	return g.Search(p, o).Result
}

// Search is an identification that can look again: its Result, and the
// templates it came within match.SecondLook of, which a second look
// compares again (Again) without searching the gallery a second time.
// It holds copies of those templates, biometric data: keep it no longer
// than the frame's decision, and never print it.
type Search struct {
	Result Result
	o      Options
	near   []nearTemplate
}

type nearTemplate struct {
	id, badge string
	index     int
	d         float64 // the search's distance to it
	t         template.Template
}

// Near names a template a search came within match.SecondLook of: its
// person, its place among the person's Templates and its enrolment's
// outline (template.Template.Outline, nil where none was kept), so that
// a look made for that one template (the capture registered onto that
// outline) can be compared with it alone (AgainAt). The outline is the
// gallery's own copy: read it, do not change it.
type Near struct {
	ID       string
	Template int
	Outline  []byte
	Distance float64 // the search's distance to the template, before any look
}

// Search is Identify keeping what a second look needs.
func (g *Gallery) Search(p match.Probe, o Options) *Search {
	if o.MaxShift == 0 {
		o.MaxShift = 2
	}
	s := &Search{Result: Result{Distance: 1, Score: 1}, o: o}
	g.mu.RLock()
	defer g.mu.RUnlock()
	if len(p.Codes) == 0 || len(g.entries) == 0 {
		return s
	}
	skip := int32(-1)
	if slot, ok := g.byID[o.Exclude]; ok && o.Exclude != "" {
		skip = slot
	}
	al := p.Aligner()
	for _, i := range g.shortlist(p.Shortlisting(), o) {
		e := &g.entries[i]
		if e.person == skip {
			continue
		}
		d := al.Distance(&e.t, o.MaxShift)
		who := &g.people[e.person]
		if d < match.SecondLook {
			s.near = append(s.near, nearTemplate{id: who.id, badge: who.badge, index: int(e.index), d: d, t: e.t})
		}
		if d < s.Result.Distance {
			s.Result.Distance, s.Result.ID, s.Result.Badge = d, who.id, who.badge
		}
	}
	// The shortlist comes in no order; a reader's second look stops at
	// the first template that matches, and the frame's own person is
	// likeliest the nearest, so the looks go nearest first.
	slices.SortStableFunc(s.near, func(a, b nearTemplate) int { return cmp.Compare(a.d, b.d) })
	s.Result.Score = o.Cohort.Scaled(s.Result.Distance)
	s.Result.Matched = s.Result.Score < o.Threshold
	return s
}

// looked takes a second look's distance d to near template n: where it
// lowers the best distance, it is the score if lower than the score.
func (s *Search) looked(d float64, n *nearTemplate) {
	if d >= s.Result.Distance {
		return
	}
	s.Result.Distance = d
	if d < s.Result.Score {
		s.Result.Score, s.Result.ID, s.Result.Badge = d, n.id, n.badge
	}
	s.Result.Matched = s.Result.Score < s.o.Threshold
}

// Again compares another coding of the searched frame (a tilt of the
// tilts' second look, match.Probe.Tilted) with the templates the search came
// within match.SecondLook of, and keeps the closer: the Result is what
// searching with the probe's codes and this one's side by side would
// have found, without the gallery searched twice.
func (s *Search) Again(p match.Probe) Result {
	if len(s.near) == 0 || len(p.Codes) == 0 {
		return s.Result
	}
	al := p.Aligner()
	for i := range s.near {
		s.looked(al.Distance(&s.near[i].t, s.o.MaxShift), &s.near[i])
	}
	return s.Result
}

// Nearby lists the templates the search came within match.SecondLook
// of, nearest first, in the order AgainAt takes them.
func (s *Search) Nearby() []Near {
	out := make([]Near, len(s.near))
	for i, n := range s.near {
		out[i] = Near{ID: n.id, Template: n.index, Outline: n.t.Outline, Distance: n.d}
	}
	return out
}

// AgainAt compares a coding of the searched frame made for the k-th of
// Nearby's templates with that template alone, and keeps the closer.
func (s *Search) AgainAt(k int, p match.Probe) Result {
	if k < 0 || k >= len(s.near) || len(p.Codes) == 0 {
		return s.Result
	}
	n := &s.near[k]
	s.looked(p.Aligner().Distance(&n.t, s.o.MaxShift), n)
	return s.Result
}

// Near says whether the search came within match.SecondLook of anyone
// without matching: whether a second look may change its Result.
func (s *Search) Near() bool { return !s.Result.Matched && len(s.near) > 0 }

// coarseShifts are the probe offsets (in cells) of the coarse pass: every
// shift the fine comparison searches (MaxShift's default), cell by cell,
// since a block of 2 cells summarised one cell off is another block.
var coarseShifts = []int{-2, -1, 0, 1, 2}

// shortlist returns the indexes of the templates to compare finely: the
// closest by their summaries to any of codes at any of coarseShifts.
func (g *Gallery) shortlist(codes []*template.Template, o Options) []int {
	n := len(g.entries)
	if o.Shortlist <= 0 || o.Shortlist >= n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	// Shifted only once the gallery is larger than the shortlist: a small
	// site's reader compares everything and needs no summaries.
	variants := make([]template.Summary, 0, len(codes)*len(coarseShifts)*len(coarseShifts))
	for _, c := range codes {
		for _, dy := range coarseShifts {
			for _, dx := range coarseShifts {
				variants = append(variants, c.Shifted(dx, dy).Coarse)
			}
		}
	}
	workers := max(1, min(o.Workers, runtime.NumCPU(), n/1024+1))
	parts := make([]topK, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			parts[w] = g.coarse(variants, lo, hi, o.Shortlist)
		}()
	}
	wg.Wait()
	best := parts[0]
	for _, p := range parts[1:] {
		for _, c := range p {
			best.offer(c, o.Shortlist)
		}
	}
	out := make([]int, len(best))
	for i, c := range best {
		out[i] = c.index
	}
	return out
}

// coarse scores entries [lo, hi) by block summary, the best over the
// probe's variants, and keeps the k best.
func (g *Gallery) coarse(variants []template.Summary, lo, hi, k int) topK {
	top := make(topK, 0, k+1)
	for i := lo; i < hi; i++ {
		top.offer(candidate{index: i, dist: match.CoarseNearest(variants, &g.entries[i].t.Coarse)}, k)
	}
	return top
}

type candidate struct {
	index int
	dist  float64
}

// topK is a max-heap on distance holding the k smallest seen.
type topK []candidate

func (h topK) Len() int           { return len(h) }
func (h topK) Less(i, j int) bool { return h[i].dist > h[j].dist }
func (h topK) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topK) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *topK) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

func (h *topK) offer(c candidate, k int) {
	if len(*h) < k {
		heap.Push(h, c)
		return
	}
	if c.dist < (*h)[0].dist {
		(*h)[0] = c
		heap.Fix(h, 0)
	}
}
