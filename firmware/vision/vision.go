// Package vision is the reader's camera worker. One goroutine captures
// frames continuously and keeps only the newest; another takes the newest
// frame whenever it is free and does what the reader needs of it: nothing,
// reading activation codes, or finding and identifying palms. While nothing
// is in view it only runs a cheap presence test on a coarse grid, so an
// idle reader costs almost nothing.
//
// Its findings leave as Outputs, each sent once when something changes:
// the camera starting or stopping to deliver frames, a code read, new
// guidance for the screen, one identification per presentation of a hand.
package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"slices"
	"time"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/firmware/qr"
)

// Purpose is what the reader looks for in the frames. It is a value:
// two purposes are the same when they are equal.
type Purpose struct {
	kind kind
	// Enrol is the hand being enrolled, with LookToEnrol.
	Enrol Enrolment
}

type kind int

const (
	kindNothing kind = iota
	kindCodes
	kindPalms
	kindEnrol
)

// The purposes.
var (
	LookForNothing = Purpose{}                // frames are only counted (the camera check)
	LookForCodes   = Purpose{kind: kindCodes} // activation QR codes
	LookForPalms   = Purpose{kind: kindPalms} // palms to identify
)

// LookToEnrol captures one hand for an enrollment.
func LookToEnrol(e Enrolment) Purpose { return Purpose{kind: kindEnrol, Enrol: e} }

func (p Purpose) String() string {
	return [...]string{"nothing", "codes", "palms", "enrollment"}[p.kind]
}

// Output is something the worker found.
type Output interface{ isOutput() }

// CameraState says whether frames arrive (sent on a change).
type CameraState struct{ Delivering bool }

// CodeRead is an activation code read off a frame.
type CodeRead struct{ Payload string }

// CodeUnreadable says whether a code is in view that cannot be read (sent
// on a change): the installer's phone too far, too dim or moving.
type CodeUnreadable struct{ InView bool }

// Guidance is what the screen should tell the person at the reader (sent
// on a change); no hints and Ready means the hand is held right.
type Guidance struct {
	Hints []palm.Hint
	Ready bool
}

// Identified is the outcome of one presentation of a hand.
type Identified struct {
	Result gallery.Result
	Frame  time.Time     // when the frame that decided was captured
	Took   time.Duration // locating, coding and searching the deciding frame
}

func (CameraState) isOutput()    {}
func (EnrolProgress) isOutput()  {}
func (EnrolEnded) isOutput()     {}
func (CodeRead) isOutput()       {}
func (CodeUnreadable) isOutput() {}
func (Guidance) isOutput()       {}
func (Identified) isOutput()     {}

// CodeReader reads activation codes (firmware/qr's Scanner). An error
// wrapping qr.ErrUnreadable says a code was seen but not read.
type CodeReader interface {
	Scan(img *image.Gray) (string, error)
}

// Recogniser decides presentations of a hand (biometric/recognize's
// Reader): each frame gives the screen's hints, and one frame of a
// presentation gives its decision.
type Recogniser interface {
	Offer(img *image.Gray) (recognize.Outcome, error)
	// Reset ends the presentation: the hand has left.
	Reset()
}

// Config is what the worker needs.
type Config struct {
	Open  Opener
	Codes CodeReader
	Palms Recogniser
	// Enrol starts enrollment sessions; nil on a reader that cannot
	// enrol (an enrollment purpose then only counts frames).
	Enrol Enroller
	// Stall is how long without a frame before the camera counts as not
	// delivering; default 2 s.
	Stall time.Duration
	Log   *slog.Logger
}

// Worker runs the camera for the reader.
type Worker struct {
	cfg     Config
	purpose chan Purpose
}

// New returns a worker; Run starts it.
func New(cfg Config) (*Worker, error) {
	if cfg.Open == nil || cfg.Codes == nil || cfg.Palms == nil {
		return nil, fmt.Errorf("vision: a camera, a code reader and a recogniser are required")
	}
	if cfg.Stall <= 0 {
		cfg.Stall = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Worker{cfg: cfg, purpose: make(chan Purpose, 1)}, nil
}

// Look tells the worker what to look for from the next frame on; it never
// blocks, and only the latest purpose counts.
func (w *Worker) Look(p Purpose) {
	for {
		select {
		case w.purpose <- p:
			return
		default:
			select {
			case <-w.purpose:
			default:
			}
		}
	}
}

// Run captures and looks until ctx ends. Outputs go to out; camera
// progress (a frame, or an attempt to reopen) to beat.
func (w *Worker) Run(ctx context.Context, out func(Output), beat func()) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	latest := make(chan camera.Frame, 1)
	captured := make(chan struct{})
	go func() {
		defer close(captured)
		capture(ctx, w.cfg.Open, latest, beat, w.cfg.Log)
	}()
	defer func() { <-captured }()
	w.look(ctx, latest, out)
}

// look is the pipeline worker's loop.
func (w *Worker) look(ctx context.Context, latest <-chan camera.Frame, out func(Output)) {
	s := newScene(w.cfg, out)
	stall := time.NewTimer(w.cfg.Stall)
	defer stall.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.purpose:
			s.setPurpose(p)
		case <-stall.C:
			// A frame may have come while a slow frame was being worked
			// on: only an empty mailbox is a stalled camera.
			select {
			case f := <-latest:
				w.take(s, stall, f)
			default:
				s.setDelivering(false)
			}
		case f := <-latest:
			w.take(s, stall, f)
		}
	}
}

// take works on a frame the capture delivered.
func (w *Worker) take(s *scene, stall *time.Timer, f camera.Frame) {
	stall.Reset(w.cfg.Stall)
	s.setDelivering(true)
	s.frame(f)
}

// scene is the pipeline's state between frames.
type scene struct {
	cfg        Config
	out        func(Output)
	purpose    Purpose
	delivering bool
	told       bool // the camera state was sent at least once
	presence   *Presence
	empty      int  // frames in a row flagged present in which nothing was found
	armed      bool // a hand may be identified (the last one has left)
	away       int  // frames in a row without presence since the decision
	guidance   Guidance
	sent       bool // guidance was sent since the purpose was set
	enrol      *enrolling
	unreadable streak // frames in which a code was seen but not read
}

// streak turns a per-frame observation into a steady one: on after
// onFrames in a row, off after offFrames in a row without.
type streak struct {
	on        bool
	hits, gap int
}

// The unreadable code's streak: one scan in five of a noise-like scene
// reports a code (never one of a palm), three in a row hardly ever; half
// a second without one ends it.
const (
	unreadableOn  = 3
	unreadableOff = 15
)

// see counts a frame and says whether the steady state changed.
func (k *streak) see(hit bool) (changed bool) {
	if hit {
		k.hits, k.gap = k.hits+1, 0
	} else {
		k.hits, k.gap = 0, k.gap+1
	}
	switch {
	case !k.on && k.hits >= unreadableOn:
		k.on = true
		return true
	case k.on && k.gap >= unreadableOff:
		k.on = false
		return true
	}
	return false
}

// emptyFrames is how many frames flagged present, in which the pipeline
// found nothing, make the scene the new empty one (light changed, a
// shadow, something left on the ledge).
const emptyFrames = 15

// leaveFrames is how many frames without presence end a presentation.
const leaveFrames = 3

func newScene(cfg Config, out func(Output)) *scene {
	return &scene{cfg: cfg, out: out, presence: NewPresence(), armed: true}
}

func (s *scene) setPurpose(p Purpose) {
	prev := s.purpose
	s.purpose, s.armed, s.away, s.sent = p, true, 0, false
	s.enrol, s.unreadable = nil, streak{}
	if p.kind == kindEnrol && s.cfg.Enrol != nil {
		s.enrol = &enrolling{task: p.Enrol, session: s.cfg.Enrol.Session(p.Enrol)}
		// A hand that follows another starts from an empty view, so the
		// hand just enrolled is not taken for the next.
		s.armed = prev.kind != kindEnrol
	}
	s.cfg.Log.Debug("vision: looking for", "purpose", p)
}

func (s *scene) setDelivering(on bool) {
	if s.told && s.delivering == on {
		return
	}
	s.delivering, s.told = on, true
	if !on {
		s.cfg.Log.Warn("camera: no frame", "for", s.cfg.Stall)
	}
	s.out(CameraState{Delivering: on})
}

func (s *scene) frame(f camera.Frame) {
	present := s.presence.InView(f.Image)
	switch s.purpose.kind {
	case kindCodes:
		s.codes(f, present)
	case kindPalms:
		s.palms(f, present)
	case kindEnrol:
		s.enrolFrame(f, present)
	}
}

func (s *scene) codes(f camera.Frame, present bool) {
	if !present {
		s.codeSeen(false)
		return
	}
	payload, err := s.cfg.Codes.Scan(f.Image)
	s.codeSeen(errors.Is(err, qr.ErrUnreadable))
	if err != nil {
		s.nothingFound(f)
		return
	}
	s.empty = 0
	s.out(CodeRead{Payload: payload})
}

// codeSeen tells the lifecycle when an unreadable code comes into view
// and when it has gone.
func (s *scene) codeSeen(unreadable bool) {
	if s.unreadable.see(unreadable) {
		s.out(CodeUnreadable{InView: s.unreadable.on})
	}
}

func (s *scene) palms(f camera.Frame, present bool) {
	if !s.armed {
		// The decision is made: wait, cheaply, for the hand to leave.
		s.away++
		if present {
			s.away = 0
		}
		if s.away >= leaveFrames {
			s.armed, s.away = true, 0
			s.cfg.Palms.Reset()
			s.guide(Guidance{Hints: []palm.Hint{palm.HintNoHand}})
		}
		return
	}
	if !present {
		s.cfg.Palms.Reset() // a hand that left before its decision
		s.guide(Guidance{Hints: []palm.Hint{palm.HintNoHand}})
		return
	}
	start := time.Now()
	out, err := s.cfg.Palms.Offer(f.Image)
	if err != nil {
		s.cfg.Log.Warn("vision: frame unusable", "err", err)
		return
	}
	switch {
	case out.Decided:
		s.empty, s.armed = 0, false
		s.guide(Guidance{Ready: true})
		s.out(Identified{Result: out.Result, Frame: f.At, Took: time.Since(start)})
	case slices.Equal(out.Hints, []palm.Hint{palm.HintNoHand}):
		s.nothingFound(f)
		s.guide(Guidance{Hints: out.Hints})
	case len(out.Hints) > 0:
		s.empty = 0
		s.guide(Guidance{Hints: out.Hints})
	default: // a good frame that did not decide yet: the next may
		s.empty = 0
		s.guide(Guidance{Ready: true})
	}
}

// nothingFound counts frames the presence test flagged in vain; enough of
// them in a row make this frame the empty scene.
func (s *scene) nothingFound(f camera.Frame) {
	if s.empty++; s.empty >= emptyFrames {
		s.presence.Absorb(f.Image)
		s.empty = 0
	}
}

// guide sends guidance when it changes.
func (s *scene) guide(g Guidance) {
	if s.sent && g.Ready == s.guidance.Ready && slices.Equal(g.Hints, s.guidance.Hints) {
		return
	}
	s.guidance, s.sent = g, true
	s.out(g)
}
