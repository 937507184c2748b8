// Package enroll turns a series of camera frames of one hand into that
// hand's templates: only frames that pass the quality checks count, the
// captures must agree with each other, the palm must not already belong to
// someone else, and after too many unusable attempts enrolment fails
// (failure to enrol) rather than storing a poor template.
package enroll

import (
	"errors"
	"image"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
)

// Config sets an enrolment's rules.
type Config struct {
	Captures    int     // good captures needed; default 3
	MaxAttempts int     // frames tried before failure to enrol; default 60
	Agree       float64 // captures must be within this distance of the first; default 0.33
	Threshold   float64 // a palm this close to an enrolled one is a duplicate
	// LookAgain, when set, is the reader's second look at a frame whose
	// duplicate search came near someone without matching
	// (recognize.Reader.Enrol sets it): the duplicate check then finds
	// what the door would, a palm held tilted included.
	LookAgain func(frame *image.Gray, obs palm.Observation, s *gallery.Search) (gallery.Result, error)
}

// MinValid is the fewest valid cells an enrolment capture's code needs:
// twice what a comparison needs (match.MinOverlap), so that a probe that
// shows another part of the palm still overlaps it enough to compare.
const MinValid = match.MinOverlap * 2

// Errors that end an enrolment.
var (
	ErrFailedToEnrol = errors.New("enroll: failure to enrol: no usable captures within the attempts allowed")
	ErrDuplicate     = errors.New("enroll: this palm is already enrolled to someone else")
)

// Step is what one frame did for the enrolment, for the screen.
type Step struct {
	Hints    []palm.Hint // why the frame did not count
	Accepted int         // good captures so far
	Done     bool
}

// Session enrols one hand.
type Session struct {
	cfg      Config
	loc      *palm.Locator
	ext      *features.Extractor
	gal      *gallery.Gallery
	self     string // the person being enrolled: re-enrolling is no duplicate
	attempts int
	captures []template.Template
}

// New starts enrolling person's hand; gal is the gallery to check for
// duplicates (nil: none).
func New(cfg Config, ext *features.Extractor, gal *gallery.Gallery, person string) *Session {
	if cfg.Captures <= 0 {
		cfg.Captures = 3
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 60
	}
	if cfg.Agree <= 0 {
		cfg.Agree = 0.33
	}
	return &Session{cfg: cfg, loc: palm.NewLocator(palm.DefaultConfig), ext: ext, gal: gal, self: person}
}

// Add offers a frame. It returns ErrFailedToEnrol or ErrDuplicate when the
// enrolment ends in failure; Step.Done once Templates is ready.
func (s *Session) Add(frame *image.Gray) (Step, error) {
	if len(s.captures) >= s.cfg.Captures {
		return Step{Accepted: len(s.captures), Done: true}, nil
	}
	s.attempts++
	step, err := s.add(frame)
	if err == nil && !step.Done && s.attempts >= s.cfg.MaxAttempts {
		return step, ErrFailedToEnrol
	}
	return step, err
}

func (s *Session) add(frame *image.Gray) (Step, error) {
	obs, err := s.loc.Locate(frame)
	if err != nil {
		return Step{Accepted: len(s.captures)}, nil
	}
	if !obs.Good() {
		return Step{Hints: obs.Hints, Accepted: len(s.captures)}, nil
	}
	// Coded and compared as the reader does (features.Extractor.Probe),
	// so that the agreement and duplicate checks see what the door will.
	probe, err := s.ext.Probe(obs.ROI, features.ProbeRotations)
	if err != nil || probe.AsCut().Valid() < MinValid {
		return Step{Accepted: len(s.captures)}, nil
	}
	// A capture that disagrees with the first is a different hand (or a
	// bad alignment): it does not count.
	if len(s.captures) > 0 && probe.Distance(&s.captures[0], 2) > s.cfg.Agree {
		return Step{Accepted: len(s.captures)}, nil
	}
	if s.gal != nil && s.cfg.Threshold > 0 {
		search := s.gal.Search(probe, gallery.Options{Threshold: s.cfg.Threshold, Shortlist: gallery.DefaultShortlist})
		r := search.Result
		if search.Near() && s.cfg.LookAgain != nil {
			if r, err = s.cfg.LookAgain(frame, obs, search); err != nil {
				return Step{Accepted: len(s.captures)}, nil // not checked: it does not count
			}
		}
		if r.Matched && r.ID != s.self {
			return Step{Accepted: len(s.captures)}, ErrDuplicate
		}
	}
	s.captures = append(s.captures, withOutline(*probe.AsCut(), frame, obs))
	return Step{Accepted: len(s.captures), Done: len(s.captures) == s.cfg.Captures}, nil
}

// withOutline keeps the hand's outline with an enrolment's template, so
// that a capture at the door can be registered onto it (the reader's
// second look). A hand that cannot be outlined enrols without one: its
// template still matches, without that look.
func withOutline(t template.Template, frame *image.Gray, obs palm.Observation) template.Template {
	o, err := palm.OutlineOf(frame, obs)
	if err != nil {
		return t
	}
	if t.Outline, err = o.MarshalBinary(); err != nil {
		t.Outline = nil
	}
	return t
}

// Templates returns the enrolled templates once Done, each with its
// capture's outline.
func (s *Session) Templates() []template.Template {
	if len(s.captures) < s.cfg.Captures {
		return nil
	}
	return append([]template.Template(nil), s.captures...)
}
