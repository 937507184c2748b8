// Package recognize is the reader's palm recognition behind one small
// type: frames of a hand held over the camera go in, guidance for the
// screen or one decision per presentation come out.
//
// A presentation runs from a hand coming into view to its leaving. While
// the frames are not good enough the Reader returns their hints. Once
// they are, it identifies every good frame until one matches, or until
// Frames good frames have not: a user whose first frame was blurred gets
// another chance, and the threshold is set for the configured false-match
// rate divided among those frames (the union bound: an impostor's frames
// are not independent, so they are not trusted to be), so that a
// presentation is no likelier to match falsely than one frame was at the
// configured rate.
package recognize

import (
	"errors"
	"fmt"
	"image"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
)

// Config sets a Reader up.
type Config struct {
	// FalseMatchRate is per comparison of a presentation with one
	// enrolled hand (the reader's [recognition] false_match_rate);
	// default 1e-9.
	FalseMatchRate float64
	// FalsePositiveRate, when set, replaces FalseMatchRate: the rate of
	// presentations of someone not enrolled (or enrolled as someone
	// else) that may be identified as anyone. The per-comparison rate
	// then follows the gallery: divided among its templates (at least as
	// many as its hands, so this errs on the strict side) and the
	// frames (match.ForSearch), so a small site is not held to the
	// threshold a large one needs.
	FalsePositiveRate float64
	// Frames is how many good frames a presentation may be decided
	// from; default 3.
	Frames int
	// Tail turns the rate into a threshold; default match.PalmTail.
	Tail *match.Tail
	// Cohort, when set, scales each frame's search by the frame's cohort
	// against these templates (match.Cohort; the shipped cohort is
	// biometric/cohort's): the threshold then meets scores, so Tail must
	// be the scores' tail, measured with the same cohort (ErrCohortTail).
	Cohort []template.Template
	// Locate bounds a usable frame; default palm.DefaultConfig.
	Locate *palm.Config
}

// Outcome is what one frame did.
type Outcome struct {
	Hints   []palm.Hint    // for the screen; none once the palm is good
	Decided bool           // this frame decided the presentation
	Result  gallery.Result // the decision, when Decided
}

// Reader decides presentations. It is not safe for concurrent use: one
// camera worker owns it.
type Reader struct {
	cfg       Config
	loc       *palm.Locator
	ext       *features.Extractor
	gal       *gallery.Gallery
	threshold float64 // for FalseMatchRate; FalsePositiveRate sets it per search
	tried     int     // good frames identified in this presentation
	decided   bool    // this presentation has its decision
}

// ErrGallery is returned by New without a gallery.
var ErrGallery = errors.New("recognize: no gallery")

// ErrCohortTail is returned by New for a cohort without a Tail: the
// default tail (match.PalmTail) is of unscaled distances.
var ErrCohortTail = errors.New("recognize: a cohort needs the tail of its scores")

// New returns a Reader identifying against g; Close releases it.
func New(cfg Config, g *gallery.Gallery) (*Reader, error) {
	if g == nil {
		return nil, ErrGallery
	}
	if cfg.FalseMatchRate <= 0 || cfg.FalseMatchRate >= 1 {
		cfg.FalseMatchRate = 1e-9
	}
	if cfg.Frames <= 0 {
		cfg.Frames = 3
	}
	if cfg.Cohort != nil && cfg.Tail == nil {
		return nil, ErrCohortTail
	}
	if cfg.Tail == nil {
		cfg.Tail = &match.PalmTail
	}
	loc := palm.DefaultConfig
	if cfg.Locate != nil {
		loc = *cfg.Locate
	}
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, fmt.Errorf("recognize: %w", err)
	}
	return &Reader{
		cfg: cfg, loc: palm.NewLocator(loc), ext: ext, gal: g,
		threshold: Threshold(*cfg.Tail, cfg.FalseMatchRate, cfg.Frames),
	}, nil
}

// Threshold is the distance a presentation decided from up to frames
// good frames must beat for rate per comparison.
func Threshold(tail match.Tail, rate float64, frames int) float64 {
	return tail.Threshold(rate / float64(max(1, frames)))
}

// Threshold is the score (gallery.Result.Score: the distance, scaled
// where the Reader has a cohort) this Reader matches below (with
// FalsePositiveRate set, for the gallery as it is now).
func (r *Reader) Threshold() float64 {
	if r.cfg.FalsePositiveRate > 0 {
		_, templates := r.gal.Len()
		return r.cfg.Tail.Threshold(match.ForSearch(r.cfg.FalsePositiveRate, templates, r.cfg.Frames))
	}
	return r.threshold
}

// Close releases the filter bank.
func (r *Reader) Close() error { return r.ext.Close() }

// Locate finds the hand in a frame without deciding anything: the hints,
// or a palm good enough to code.
func (r *Reader) Locate(frame *image.Gray) (palm.Observation, error) { return r.loc.Locate(frame) }

// Enrol starts biometric/enroll's captures of one hand of person on this
// Reader's filter bank and gallery, with its duplicate check taking the
// Reader's second look. The session runs on the goroutine that offers
// this Reader its frames: they share the filter bank.
func (r *Reader) Enrol(cfg enroll.Config, person string) *enroll.Session {
	cfg.LookAgain = r.lookAgain
	return enroll.New(cfg, r.ext, r.gal, person)
}

// Reset ends the presentation: the hand left. A reader that sees the hand
// leave by other means (a cheap presence test) says so here rather than
// paying for a frame's location.
func (r *Reader) Reset() { r.tried, r.decided = 0, false }

// Offer takes the next frame. A frame without a hand ends the
// presentation; the next hand starts a new one.
func (r *Reader) Offer(frame *image.Gray) (Outcome, error) {
	obs, err := r.loc.Locate(frame)
	if err != nil {
		return Outcome{}, fmt.Errorf("recognize: %w", err)
	}
	if len(obs.Hints) == 1 && obs.Hints[0] == palm.HintNoHand {
		r.Reset()
	}
	if !obs.Good() {
		return Outcome{Hints: obs.Hints}, nil
	}
	if r.decided {
		return Outcome{}, nil // the hand must leave before the next decision
	}
	probe, err := r.ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil {
		return Outcome{}, fmt.Errorf("recognize: coding the palm: %w", err)
	}
	search := r.search(probe)
	res := search.Result
	if search.Near() {
		if res, err = r.lookAgain(frame, obs, search); err != nil {
			return Outcome{}, err
		}
	}
	r.tried++
	if res.Matched || r.tried >= r.cfg.Frames {
		r.decided = true
		return Outcome{Decided: true, Result: res}, nil
	}
	return Outcome{}, nil
}

func (r *Reader) search(probe match.Probe) *gallery.Search {
	o := gallery.Options{Threshold: r.Threshold(), Shortlist: gallery.DefaultShortlist, MaxShift: cohortShift}
	if r.cfg.Cohort != nil {
		o.Cohort = probe.Aligner().Cohort(r.cfg.Cohort, cohortShift)
	}
	return r.gal.Search(probe, o)
}

// cohortShift is the shift search of a frame's search, and of its
// comparisons with its cohort, which must be compared as the search
// compares.
const cohortShift = 2

// lookAgain is the second look at a frame whose search came near someone
// but matched no one: the frame's hand outlined once, registered onto the
// outline kept with each template the search came near (nearest first, at
// most MaxLooks), cut on the patch of hand that template's enrolment
// showed and compared with that template alone, until one matches. A
// template enrolled before outlines were kept gets no second look: its
// person matches as located, or after enrolling again.
//
// It replaced the tilts (palm.Tilts, SecondLook) when the impostor
// tables, measured with each, said so (palmctl eval --look; README,
// "Outline registration").
func (r *Reader) lookAgain(frame *image.Gray, obs palm.Observation, s *gallery.Search) (gallery.Result, error) {
	var seen *palm.Outline
	looks := 0
	for k, n := range s.Nearby() {
		if looks == MaxLooks {
			break
		}
		var ref palm.Outline
		if n.Outline == nil || ref.UnmarshalBinary(n.Outline) != nil {
			continue // no outline kept: no look, and none counted
		}
		looks++
		if seen == nil {
			o, err := palm.OutlineOf(frame, obs)
			if err != nil {
				return s.Result, nil // no hand outline to register: the search stands
			}
			seen = &o
		}
		p, ok, err := Registered(r.ext, seen, ref, RegisteredRotations)
		if err != nil {
			return gallery.Result{}, fmt.Errorf("recognize: %w", err)
		}
		if ok && s.AgainAt(k, p).Matched {
			break
		}
	}
	return s.Result, nil
}

// MaxLooks is the most templates one frame is looked at again for, the
// nearest first. Each look costs about 12 ms on one core
// (BenchmarkLook), and a frame of someone not enrolled comes near many
// templates where hands look alike: on the narrow synthetic population,
// 19 at p95 and 41 at most in a gallery of 400 templates (palmctl eval's
// "second looks" line), a number that grows with the gallery up to the
// shortlist's 200. A frame's own person is its nearest or close to it;
// palmctl eval --looks measures what a bound costs (README, "The second
// look's bound").
const MaxLooks = 4

// Tilted codes frame's palm, located as obs, again with the frame
// rectified for tilt (one of palm.Tilts), at degrees: one probe of the
// tilts' second look (match.Probe.Tilted), which the reader took before
// the outline registration and palmctl eval --look tilts still
// measures. ok is false where the rectified frame shows no palm to cut.
func Tilted(ext *features.Extractor, frame *image.Gray, obs palm.Observation, tilt [2]float64, degrees []float64) (p match.Probe, ok bool, err error) {
	roi, err := palm.Rectified(frame, obs, tilt)
	if err != nil || roi == nil {
		return match.Probe{}, false, err
	}
	if p, err = ext.Probe(roi, degrees); err != nil {
		return match.Probe{}, false, err
	}
	return p, true, nil
}

// SecondLook codes frame's palm, located as obs and coded as probe,
// again for every one of palm.Tilts at degrees, into probe.Tilted: the
// whole of the tilts' second look, which palmctl eval --look tilts and
// the registration table measure beside the outline's.
func SecondLook(ext *features.Extractor, frame *image.Gray, obs palm.Observation, probe *match.Probe, degrees []float64) error {
	probe.Tilted = nil
	for _, tilt := range palm.Tilts {
		p, ok, err := Tilted(ext, frame, obs, tilt, degrees)
		if err != nil {
			return err
		}
		if ok {
			probe.Tilted = append(probe.Tilted, p)
		}
	}
	return nil
}

// RegisteredRotations are the rotations a registered cut is coded at:
// the registration has turned the cut onto the enrolment already. On 60
// wide hands (palmctl eval --look outline) one rotation found the mates
// as the probe's five did (FNIR at 1e-9 32.3 % against 31.9 %) and kept
// impostors further (this set's 1e-6 quantile 0.242 against 0.239), at
// a fifth of the coding.
var RegisteredRotations = []float64{0}

// Registered codes the frame outlined as o (or frames stacked,
// palm.Stack, which palmctl eval --stack measures) cut on the patch of
// hand an enrolment showed, through o registered onto that enrolment's
// outline (ref; palm.Outline.Register), at degrees: a look made for one
// template (gallery.Search.AgainAt). ok is false where the outlines do
// not register or the cut leaves the frame.
func Registered(ext *features.Extractor, o palm.View, ref palm.Outline, degrees []float64) (p match.Probe, ok bool, err error) {
	h, _, err := o.Register(ref)
	if err != nil {
		return match.Probe{}, false, nil // outlines too unlike to register: no look, not a fault
	}
	roi, err := o.CutRegistered(h)
	if err != nil || roi == nil {
		return match.Probe{}, false, nil
	}
	if p, err = ext.Probe(roi, degrees); err != nil {
		return match.Probe{}, false, err
	}
	return p, true, nil
}
