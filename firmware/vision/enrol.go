package vision

// Enrollment: quality-gated captures of one hand for an enrollment desk,
// made by biometric/enroll on the frames in which something is in view.

import (
	"errors"
	"image"
	"slices"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/drivers/camera"
)

// Enrolment is one hand to capture.
type Enrolment struct {
	// Self is the profile the person already has on this reader (a
	// re-enrollment): matching it is no duplicate. "" for a new person.
	Self        string
	Hand        string // "right", "left"
	Captures    int    // good captures needed
	MaxAttempts int    // frames with something in view before failure to enrol
	// Run tells two enrollments of the same hand apart: a new value
	// starts a fresh session.
	Run int
}

// EnrolProgress is a hand's progress (sent on a change): the good
// captures so far, and what was wrong with the last frame that did not
// count.
type EnrolProgress struct {
	Hand     string
	Run      int
	Accepted int
	Hints    []palm.Hint
}

// EnrolEnded ends a hand's captures: its templates, or Err
// (enroll.ErrFailedToEnrol, enroll.ErrDuplicate).
type EnrolEnded struct {
	Hand      string
	Run       int
	Templates []template.Template
	Err       error
}

// HintTakeAway asks the person to take their hand away before the next
// hand's captures start.
const HintTakeAway palm.Hint = "take-hand-away"

// EnrolSession is one hand's enrollment (biometric/enroll's Session).
type EnrolSession interface {
	Add(frame *image.Gray) (enroll.Step, error)
	Templates() []template.Template
}

// Enroller starts enrollment sessions.
type Enroller interface {
	Session(e Enrolment) EnrolSession
	// Locate finds the hand, so that only frames with one count as a
	// session's attempts.
	Locate(img *image.Gray) (palm.Observation, error)
}

var _ EnrolSession = (*enroll.Session)(nil)

// enrolling is the scene's state while a hand is enrolled.
type enrolling struct {
	task     Enrolment
	session  EnrolSession
	progress EnrolProgress
	told     bool
	ended    bool
}

// enrolFrame offers a frame in which something is in view to the
// session, once the view has been empty.
func (s *scene) enrolFrame(f camera.Frame, present bool) {
	e := s.enrol
	if e == nil || e.ended {
		return
	}
	hand := present && s.handInView(f)
	if !s.armed {
		s.waitForEmpty(hand)
		return
	}
	if !hand {
		s.enrolTell(EnrolProgress{Accepted: e.progress.Accepted, Hints: []palm.Hint{palm.HintNoHand}})
		return
	}
	s.empty = 0
	step, err := e.session.Add(f.Image)
	if err != nil || step.Done {
		e.ended = true
		end := EnrolEnded{Hand: e.task.Hand, Run: e.task.Run, Err: err}
		if err == nil {
			end.Templates = e.session.Templates()
		}
		if err != nil && !errors.Is(err, enroll.ErrFailedToEnrol) && !errors.Is(err, enroll.ErrDuplicate) {
			s.cfg.Log.Warn("vision: enrollment", "err", err)
		}
		s.out(end)
		return
	}
	s.enrolTell(EnrolProgress{Accepted: step.Accepted, Hints: step.Hints})
}

// handInView tells a hand from anything else the presence test flagged,
// so that only frames with a hand count as attempts; the rest teach the
// presence test the empty scene. The session locates the hand again: the
// price of using biometric/enroll as it is, paid only with a hand in view.
func (s *scene) handInView(f camera.Frame) bool {
	obs, err := s.cfg.Enrol.Locate(f.Image)
	if err == nil && !slices.Equal(obs.Hints, []palm.Hint{palm.HintNoHand}) {
		return true
	}
	s.nothingFound(f)
	return false
}

// waitForEmpty holds a new hand's captures until no hand has been in
// view for a few frames.
func (s *scene) waitForEmpty(hand bool) {
	s.away++
	if hand {
		s.away = 0
		s.enrolTell(EnrolProgress{Hints: []palm.Hint{HintTakeAway}})
	}
	if s.away >= leaveFrames {
		s.armed, s.away = true, 0
		s.enrolTell(EnrolProgress{Hints: []palm.Hint{palm.HintNoHand}})
	}
}

// enrolTell sends the current hand's progress when it changes.
func (s *scene) enrolTell(p EnrolProgress) {
	e := s.enrol
	p.Hand, p.Run = e.task.Hand, e.task.Run
	if e.told && p.Accepted == e.progress.Accepted && slices.Equal(p.Hints, e.progress.Hints) {
		return
	}
	e.progress, e.told = p, true
	s.out(p)
}
