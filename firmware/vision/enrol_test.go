package vision

import (
	"errors"
	"image"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
)

// fakeEnroller's sessions accept hand frames until enough, hint on blurred
// ones and fail after MaxAttempts frames, like biometric/enroll.
type fakeEnroller struct {
	mu     sync.Mutex
	frames int // frames offered to any session
	dup    bool
}

type fakeSession struct {
	f        *fakeEnroller
	e        Enrolment
	attempts int
	good     int
}

func (f *fakeEnroller) Session(e Enrolment) EnrolSession { return &fakeSession{f: f, e: e} }

// Locate sees a hand on hand and blurred frames, as palm's locator would.
func (f *fakeEnroller) Locate(img *image.Gray) (palm.Observation, error) {
	switch img.Pix[0] {
	case pixHand:
		return palm.Observation{ROI: img}, nil
	case pixBlur:
		return palm.Observation{Hints: []palm.Hint{palm.HintTooFar}}, nil
	}
	return palm.Observation{Hints: []palm.Hint{palm.HintNoHand}}, nil
}

func (f *fakeEnroller) offered() int { f.mu.Lock(); defer f.mu.Unlock(); return f.frames }

func (s *fakeSession) Add(img *image.Gray) (enroll.Step, error) {
	s.f.mu.Lock()
	s.f.frames++
	dup := s.f.dup
	s.f.mu.Unlock()
	s.attempts++
	switch {
	case img.Pix[0] == pixHand && dup:
		return enroll.Step{}, enroll.ErrDuplicate
	case img.Pix[0] == pixHand:
		s.good++
	case s.attempts >= s.e.MaxAttempts:
		return enroll.Step{Accepted: s.good}, enroll.ErrFailedToEnrol
	default:
		return enroll.Step{Hints: []palm.Hint{palm.HintTooFar}, Accepted: s.good}, nil
	}
	return enroll.Step{Accepted: s.good, Done: s.good == s.e.Captures}, nil
}

func (s *fakeSession) Templates() []template.Template {
	return make([]template.Template, s.good)
}

func enrolBench(t *testing.T, fe *fakeEnroller) (*bench, func()) {
	b := &bench{cam: newSimCam(), fk: &fakes{}}
	w, err := New(Config{Open: b.cam.Open, Codes: b.fk, Palms: b.fk, Enrol: fe, Stall: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.w = w
	return b, b.run()
}

// TestEnrolAfterTheViewEmpties: the first hand is captured as soon as it
// is shown; a hand in view when the next hand's captures start is asked
// away and not captured; once the view was empty, the frames in view go
// to the session, progress is told on a change, and the hand's templates
// end it.
func TestEnrolAfterTheViewEmpties(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fe := &fakeEnroller{}
		b, stop := enrolBench(t, fe)
		defer stop()
		time.Sleep(time.Second) // the empty scene is learned
		b.w.Look(LookToEnrol(Enrolment{Hand: "right", Captures: 1, MaxAttempts: 50, Run: 1}))
		b.cam.Show(frame(pixHand))
		time.Sleep(time.Second)
		if n := fe.offered(); n != 1 {
			t.Fatalf("the first hand: %d frames captured, want 1", n)
		}
		b.w.Look(LookToEnrol(Enrolment{Hand: "left", Captures: 3, MaxAttempts: 50, Run: 2}))
		time.Sleep(time.Second)
		if n := fe.offered(); n != 1 {
			t.Fatalf("%d frames of the hand already in view were captured for the next", n-1)
		}
		if outs := b.take(); !hinted(outs, HintTakeAway) {
			t.Fatalf("no take-away hint: %v", outs)
		}
		b.cam.Show(nil)
		time.Sleep(time.Second)
		b.cam.Show(frame(pixBlur))
		time.Sleep(500 * time.Millisecond)
		b.cam.Show(frame(pixHand))
		time.Sleep(time.Second)
		outs := b.take()
		if !hinted(outs, palm.HintTooFar) {
			t.Fatalf("no live hint: %v", outs)
		}
		var ended []EnrolEnded
		for _, o := range outs {
			if e, ok := o.(EnrolEnded); ok {
				ended = append(ended, e)
			}
		}
		if len(ended) != 1 || ended[0].Err != nil || len(ended[0].Templates) != 3 || ended[0].Hand != "left" || ended[0].Run != 2 {
			t.Fatalf("ended %+v", ended)
		}
		n := fe.offered()
		time.Sleep(time.Second)
		if fe.offered() != n {
			t.Fatal("frames went on to a session that had ended")
		}
	})
}

// TestEnrolFailures: poor frames end in failure to enrol after the
// attempts allowed; a palm of someone else ends it as a duplicate.
func TestEnrolFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		pix  byte
		dup  bool
		want error
	}{
		{"poor captures", pixBlur, false, enroll.ErrFailedToEnrol},
		{"duplicate", pixHand, true, enroll.ErrDuplicate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fe := &fakeEnroller{dup: tc.dup}
				b, stop := enrolBench(t, fe)
				defer stop()
				time.Sleep(time.Second)
				b.w.Look(LookToEnrol(Enrolment{Hand: "right", Captures: 3, MaxAttempts: 10, Run: 1}))
				time.Sleep(time.Second)
				b.cam.Show(frame(tc.pix))
				time.Sleep(2 * time.Second)
				var err error
				for _, o := range b.take() {
					if e, ok := o.(EnrolEnded); ok {
						err = e.Err
					}
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("ended with %v, want %v", err, tc.want)
				}
			})
		})
	}
}

func hinted(outs []Output, h palm.Hint) bool {
	for _, o := range outs {
		if p, ok := o.(EnrolProgress); ok && len(p.Hints) > 0 && p.Hints[0] == h {
			return true
		}
	}
	return false
}
