package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

func deskConfig() api.Config {
	c := wiegandConfig()
	c.Mode = ModeEnrollment
	return c
}

// desk is an enrollment desk at step st, enrolling badge 12:3456.
func desk(st EnrollStep) State {
	c := deskConfig()
	s := State{Phase: PhaseActive, Config: &c, Camera: true, caps: Caps{Camera: true, Badges: true}, Runs: 4}
	s.Enroll = Enrollment{Step: st, Until: t0.Add(time.Minute)}
	if st != EnrollStart && st != EnrollBadge {
		s.Enroll.Badge, s.Enroll.Self = "12:3456", "old"
	}
	if st == EnrollCapture {
		s.Enroll.Hands = []HandProgress{{Hand: "right", Needed: 3}, {Hand: "left", Needed: 3}}
		s.Enroll.Run = 4
	}
	return s
}

// onLeft is a desk capturing the left hand, the right one done.
func onLeft() State {
	s := desk(EnrollCapture)
	s.Enroll.Hand, s.Enroll.Run, s.Runs = 1, 5, 5
	s.Enroll.Hands[0].Done = 3
	s.Enroll.Templates = [][]template.Template{make([]template.Template, 3)}
	return s
}

func failure(evs []Effect) (api.EnrollmentFailure, bool) {
	for _, e := range evs {
		if r, ok := e.(Record); ok && r.Type == api.EventNotEnrolled {
			return r.Data.(api.EnrollmentFailure), true
		}
	}
	return api.EnrollmentFailure{}, false
}

func TestEnrollStep(t *testing.T) {
	entry := active(wiegandConfig())
	tests := []struct {
		name  string
		state State
		event Event
		at    time.Duration // after t0
		check func(State, []Effect) error
	}{
		{"get started asks for the badge", desk(EnrollStart), Touched{Button: ButtonStart}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Step == EnrollBadge && s.Enroll.Until.Equal(t0.Add(time.Minute)), "step %q until %v", s.Enroll.Step, s.Enroll.Until)
		}},
		{"a badge before get started is not taken", desk(EnrollStart), BadgeRead{badge.Read{Text: "12:3456"}}, 0, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollStart && len(fx) == 0, "step %q, %v", s.Enroll.Step, fx)
		}},
		{"FACILITY:CARD is scanned", desk(EnrollBadge), BadgeRead{badge.Read{Text: "12:3456"}}, 0, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollScanned && s.Enroll.Badge == "12:3456" && slices.Equal(fx, []Effect{FindProfile{Badge: "12:3456"}}),
				"step %q badge %q effects %v", s.Enroll.Step, s.Enroll.Badge, fx)
		}},
		{"the data bits as one number are scanned", desk(EnrollBadge), BadgeRead{badge.Read{Text: fmt.Sprint(12<<16 | 3456)}}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Badge == "12:3456", "badge %q", s.Enroll.Badge)
		}},
		{"a card number the format cannot hold is refused", desk(EnrollBadge), BadgeRead{badge.Read{Text: "12:70000"}}, 0, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollBadge && s.Enroll.Badge == "" && s.Enroll.Cause == CauseBadgeUnreadable &&
				slices.Equal(fx, []Effect{Play{Sound: SoundError}}), "%+v %v", s.Enroll, fx)
		}},
		{"a card reader's 26 bits are scanned", desk(EnrollBadge), BadgeRead{badge.Read{Bits: h10301(12, 3456)}}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Badge == "12:3456", "badge %q", s.Enroll.Badge)
		}},
		{"a card of another length is refused", desk(EnrollBadge), BadgeRead{badge.Read{Bits: append(h10301(12, 3456), false)}}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Cause == CauseBadgeUnreadable && strings.Contains(s.Enroll.Reason, "27 bits"), "%+v", s.Enroll)
		}},
		{"letters are refused", desk(EnrollBadge), BadgeRead{badge.Read{Text: "ABC"}}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Cause == CauseBadgeUnreadable && screenOf(s).Cause == CauseBadgeUnreadable, "%+v", s.Enroll)
		}},
		{"the badge's own profile is remembered", func() State { s := desk(EnrollScanned); s.Enroll.Self = ""; return s }(),
			profileFound{Badge: "12:3456", ID: "p7"}, 0, func(s State, _ []Effect) error {
				return want(s.Enroll.Self == "p7", "self %q", s.Enroll.Self)
			}},
		{"badge scanned leads to the terms", desk(EnrollScanned), Timer{}, time.Minute, func(s State, _ []Effect) error {
			return want(s.Enroll.Step == EnrollTerms && screenOf(s).Name == ScreenEnrollTerms, "step %q", s.Enroll.Step)
		}},
		{"OK on the terms asks for consent", desk(EnrollTerms), Touched{Button: ButtonOK}, 0, func(s State, _ []Effect) error {
			return want(s.Enroll.Step == EnrollConsent, "step %q", s.Enroll.Step)
		}},
		{"declining keeps nothing", desk(EnrollConsent), Touched{Button: ButtonDecline}, 0, func(s State, fx []Effect) error {
			f, ok := failure(fx)
			return want(ok && f.Badge == "" && f.Cause == api.EnrollDeclined && s.Enroll.Step == EnrollStart && s.Enroll.Badge == "",
				"failure %+v, state %+v", f, s.Enroll)
		}},
		{"agreeing starts the right hand", desk(EnrollConsent), Touched{Button: ButtonAgree}, 0, func(s State, _ []Effect) error {
			p := purposeOf(s)
			return want(s.Enroll.Step == EnrollCapture && len(s.Enroll.Hands) == 2 && p == vision.LookToEnrol(vision.Enrolment{
				Self: "old", Hand: "right", Captures: 3, MaxAttempts: 300, Run: 5}), "purpose %+v", p)
		}},
		{"progress and hints show and hold the deadline off", desk(EnrollCapture),
			Seen{vision.EnrolProgress{Hand: "right", Run: 4, Accepted: 1, Hints: []palm.Hint{palm.HintMoving}}}, 30 * time.Second,
			func(s State, _ []Effect) error {
				sc := screenOf(s)
				return want(sc.Hands[0].Done == 1 && slices.Equal(sc.Hints, []palm.Hint{palm.HintMoving}) && s.Enroll.Until.Equal(t0.Add(90*time.Second)),
					"screen %+v until %v", sc, s.Enroll.Until)
			}},
		{"progress of another run is ignored", onLeft(), Seen{vision.EnrolProgress{Hand: "right", Run: 4, Accepted: 2}}, 0,
			func(s State, _ []Effect) error {
				return want(s.Enroll.Hands[0].Done == 3 && s.Enroll.Hands[1].Done == 0, "%+v", s.Enroll.Hands)
			}},
		{"the right hand done starts the left", desk(EnrollCapture), Seen{vision.EnrolEnded{Hand: "right", Run: 4, Templates: make([]template.Template, 3)}}, 0,
			func(s State, _ []Effect) error {
				return want(s.Enroll.Hand == 1 && s.Enroll.Run == 5 && len(s.Enroll.Templates) == 1 && purposeOf(s).Enrol.Hand == "left",
					"%+v", s.Enroll)
			}},
		{"a session of another run is ignored", desk(EnrollCapture), Seen{vision.EnrolEnded{Hand: "right", Run: 3, Err: enroll.ErrDuplicate}}, 0,
			func(s State, fx []Effect) error {
				return want(s.Enroll.Step == EnrollCapture && len(fx) == 0, "%+v %v", s.Enroll, fx)
			}},
		{"both hands done save the profile", onLeft(), Seen{vision.EnrolEnded{Hand: "left", Run: 5, Templates: make([]template.Template, 3)}}, 0,
			func(s State, fx []Effect) error {
				sp, ok := fx[0].(SaveProfile)
				return want(ok && sp.Badge == "12:3456" && sp.Replaces == "old" && slices.Equal(sp.Hands, []string{"right", "left"}) &&
					len(sp.Templates) == 2 && len(sp.Templates[1]) == 3, "effects %+v", fx)
			}},
		{"saved: enrollment complete", onLeft(), profileSaved{}, 0, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollComplete && s.Enroll.Templates == nil && screenOf(s).Name == ScreenEnrollComplete &&
				slices.Equal(fx, []Effect{Play{Sound: SoundGranted}}), "%+v %v", s.Enroll, fx)
		}},
		{"not saved: a failure", onLeft(), profileSaved{Err: errors.New("disk full")}, 0, func(s State, fx []Effect) error {
			f, ok := failure(fx)
			return want(ok && f.Cause == api.EnrollStorage && s.Enroll.Cause == CauseNotStored && s.Enroll.Templates == nil, "%+v", s.Enroll)
		}},
		{"a duplicate palm is refused", onLeft(), Seen{vision.EnrolEnded{Hand: "left", Run: 5, Err: enroll.ErrDuplicate}}, 0,
			func(s State, fx []Effect) error {
				f, ok := failure(fx)
				return want(ok && f.Cause == api.EnrollDup && f.Badge == "12:3456" && s.Enroll.Step == EnrollFailed &&
					s.Enroll.Cause == CauseDuplicate && s.Enroll.Templates == nil, "failure %+v state %+v", f, s.Enroll)
			}},
		{"too many poor captures: failure to enrol", desk(EnrollCapture), Seen{vision.EnrolEnded{Hand: "right", Run: 4, Err: enroll.ErrFailedToEnrol}}, 0,
			func(s State, fx []Effect) error {
				f, ok := failure(fx)
				return want(ok && f.Cause == api.EnrollFTE && screenOf(s).Cause == CausePoorCaptures, "failure %+v", f)
			}},
		{"walking away from the captures forgets them", onLeft(), Timer{}, time.Minute, func(s State, fx []Effect) error {
			f, ok := failure(fx)
			return want(ok && f.Cause == api.EnrollTimeout && s.Enroll.Step == EnrollStart && s.Enroll.Templates == nil &&
				purposeOf(s) == vision.LookForNothing, "failure %+v state %+v", f, s.Enroll)
		}},
		{"walking away from the terms records nothing", desk(EnrollTerms), Timer{}, time.Minute, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollStart && s.Enroll.Badge == "" && len(fx) == 0, "%+v %v", s.Enroll, fx)
		}},
		{"before the deadline a timer changes nothing", desk(EnrollConsent), Timer{}, 59 * time.Second, func(s State, _ []Effect) error {
			return want(s.Enroll.Step == EnrollConsent, "step %q", s.Enroll.Step)
		}},
		{"an entry reader takes no badge", entry, BadgeRead{badge.Read{Text: "12:3456"}}, 0, func(s State, fx []Effect) error {
			return want(s.Enroll.Step == EnrollStart && len(fx) == 0, "%+v", s.Enroll)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, fx := step(tc.state, tc.event, t0.Add(tc.at))
			if err := tc.check(s, fx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func want(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// TestEnrollmentModeNeedsItsHardware: a desk runs enrollment; a reader
// without a camera or a badge scanner refuses it, saying which.
func TestEnrollmentModeNeedsItsHardware(t *testing.T) {
	c := deskConfig()
	if err := (State{caps: Caps{Camera: true, Badges: true}}).refuse(c); err != nil {
		t.Fatalf("a desk refused enrollment: %v", err)
	}
	for caps, word := range map[Caps]string{{Camera: true}: "badge scanner", {Badges: true}: "camera"} {
		if err := (State{caps: caps}).refuse(c); err == nil || !strings.Contains(err.Error(), word) {
			t.Fatalf("caps %+v: %v, want a refusal naming the %s", caps, err, word)
		}
	}
}

// people is a fake directory: profiles by ID.
type people struct {
	mu       sync.Mutex
	profiles map[string]api.Profile
	fail     error
}

func (p *people) ProfileOf(b string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, pr := range p.profiles {
		if pr.Badge == b {
			return id
		}
	}
	return ""
}

func (p *people) Enrol(pr api.Profile, replaces string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.profiles[pr.ID] = pr
	delete(p.profiles, replaces)
	return nil
}

func (p *people) Delete(ids ...string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		delete(p.profiles, id)
	}
	return nil
}

func (p *people) all() map[string]api.Profile {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]api.Profile{}
	for k, v := range p.profiles {
		out[k] = v
	}
	return out
}

// scanner is a fake badge scanner the test reads badges on.
type scanner chan badge.Read

func (sc scanner) Run(ctx context.Context, reads chan<- badge.Read) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case r := <-sc:
			select {
			case reads <- r:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// desk is a running enrollment desk's outside: the world, the scanner and
// a touch on the screen.
type deskWorld struct {
	*world
	sc    scanner
	touch func(button string)
}

func deskRunning(t *testing.T, ppl *people) (deskWorld, func() (Restart, error)) {
	w := activeWorld(deskConfig())
	sc := make(scanner)
	cfg := w.config(Caps{})
	cfg.Badges, cfg.People = sc, ppl
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := a.Run(ctx); done <- err }()
	<-a.Ready()
	synctest.Wait()
	touch := func(b string) { _ = a.Post(ctx, Touched{Button: b}); synctest.Wait() }
	return deskWorld{w, sc, touch}, func() (Restart, error) { cancel(); return Restart{}, <-done }
}

// TestEnrollAtTheDesk plays the whole flow on the runtime: the badge
// scanner's read, the screens in the guide's order with the timers of
// the state, the captures of both hands, then the profile stored with a
// queued upload that names it; a re-enrollment of the same badge replaces
// the profile.
func TestEnrollAtTheDesk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ppl := &people{profiles: map[string]api.Profile{}}
		w, stop := deskRunning(t, ppl)
		sc := w.sc
		defer stop()
		enrolOnce := func() string {
			if w.screen() != ScreenEnrollStart {
				t.Fatalf("screen %q, want get started", w.screen())
			}
			w.touch(ButtonStart)
			sc <- badge.Read{Text: "12:3456"}
			synctest.Wait()
			if w.screen() != ScreenEnrollScanned {
				t.Fatalf("after the badge: %q", w.screen())
			}
			time.Sleep(scannedShown)
			synctest.Wait()
			w.touch(ButtonOK)
			w.touch(ButtonAgree)
			if w.screen() != ScreenEnrollCapture || w.look().Enrol.Hand != "right" {
				t.Fatalf("after consent: screen %q, camera %+v", w.screen(), w.look())
			}
			for _, hand := range []string{"right", "left"} {
				w.see(vision.EnrolEnded{Hand: hand, Run: w.look().Enrol.Run, Templates: make([]template.Template, 3)})
			}
			if w.screen() != ScreenEnrollComplete {
				t.Fatalf("after the captures: %q", w.screen())
			}
			time.Sleep(resultShown)
			synctest.Wait()
			evs := w.recorded()
			last := evs[len(evs)-1]
			var data api.Enrolled
			if last.Type != api.EventEnrolled || json.Unmarshal(last.Data, &data) != nil || data.Profile != last.ID {
				t.Fatalf("queued %+v", last)
			}
			return data.Profile
		}
		first := enrolOnce()
		if p := ppl.all()[first]; p.Badge != "12:3456" || len(p.Templates) != 6 {
			t.Fatalf("stored %+v", p)
		}
		second := enrolOnce()
		if all := ppl.all(); len(all) != 1 || all[second].Badge != "12:3456" {
			t.Fatalf("after re-enrolling: %v", all)
		}
	})
}

// TestEnrollTimeouts: every step left alone returns to "Get started"
// after the step timeout, with nothing kept.
func TestEnrollTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ppl := &people{profiles: map[string]api.Profile{}}
		w, stop := deskRunning(t, ppl)
		sc := w.sc
		defer stop()
		w.touch(ButtonStart)
		time.Sleep(api.DefaultStepTimeout)
		synctest.Wait()
		if w.screen() != ScreenEnrollStart {
			t.Fatalf("badge step timed out to %q", w.screen())
		}
		w.touch(ButtonStart)
		sc <- badge.Read{Text: "12:3456"}
		time.Sleep(scannedShown)
		synctest.Wait()
		w.touch(ButtonOK)
		w.touch(ButtonAgree)
		w.see(vision.EnrolEnded{Hand: "right", Run: w.look().Enrol.Run, Templates: make([]template.Template, 3)})
		time.Sleep(api.DefaultStepTimeout - time.Second)
		synctest.Wait()
		if w.screen() != ScreenEnrollCapture {
			t.Fatalf("left hand before its timeout: %q", w.screen())
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if w.screen() != ScreenEnrollStart || w.look() != vision.LookForNothing || len(ppl.all()) != 0 {
			t.Fatalf("after the timeout: screen %q, camera %v, people %v", w.screen(), w.look(), ppl.all())
		}
	})
}

// TestUnreadableBadgeNotRepeated: why a read was refused goes to the
// screen (and a log without a page) without the read itself.
func TestUnreadableBadgeNotRepeated(t *testing.T) {
	for _, text := range []string{"12:99999", "4294967296123", "12:x7"} {
		s, _ := step(desk(EnrollBadge), BadgeRead{badge.Read{Text: text}}, t0)
		if s.Enroll.Cause != CauseBadgeUnreadable || strings.Contains(s.Enroll.Reason, "99999") || strings.Contains(s.Enroll.Reason, "96123") ||
			strings.Contains(s.Enroll.Reason, "x7") {
			t.Fatalf("%q refused as %q", text, s.Enroll.Reason)
		}
	}
}

func h10301(facility, card uint64) []bool {
	f, _ := wiegand.Lookup("h10301")
	b, _ := f.Encode(wiegand.Badge{Facility: facility, Card: card})
	return b
}

// unplugged is a scanner that fails until plugged, then reads from sc.
type unplugged struct {
	sc      scanner
	mu      sync.Mutex
	plugged bool
	runs    int
}

func (u *unplugged) Run(ctx context.Context, reads chan<- badge.Read) error {
	u.mu.Lock()
	u.runs++
	ok := u.plugged
	u.mu.Unlock()
	if !ok {
		return errors.New("badge: /dev/input/event5: no such device")
	}
	return u.sc.Run(ctx, reads)
}

// TestScannerStartedAgain: a badge scanner that stops (unplugged) is
// started again with backoff, and reads once it is back.
func TestScannerStartedAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(deskConfig())
		u := &unplugged{sc: make(scanner)}
		cfg := w.config(Caps{})
		cfg.Badges, cfg.People = u, &people{profiles: map[string]api.Profile{}}
		a, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); _, _ = a.Run(ctx) }()
		defer func() { cancel(); <-done }()
		<-a.Ready()
		time.Sleep(2 * time.Second) // tries at 0, 0.5 s and 1.5 s
		synctest.Wait()
		u.mu.Lock()
		runs := u.runs
		u.plugged = true
		u.mu.Unlock()
		if runs != 3 {
			t.Fatalf("%d starts in 2 s, want 3 (backoff from 500 ms)", runs)
		}
		_ = a.Post(ctx, Touched{Button: ButtonStart})
		time.Sleep(maxScannerRetry)
		u.sc <- badge.Read{Text: "12:3456"}
		synctest.Wait()
		if w.screen() != ScreenEnrollScanned {
			t.Fatalf("after plugging the scanner back: %q", w.screen())
		}
	})
}

// FuzzBadgeOf: whatever a scanner types or a card reader sends, the desk
// takes a badge its site's format holds or refuses it with words that
// never repeat a number read, and never panics.
func FuzzBadgeOf(f *testing.F) {
	for _, seed := range []string{"12:3456", "12-3456", "12,3456", "790000", "12:99999", "4294967296123", "", "  7:1\r", "1:2:3"} {
		f.Add(seed, []byte(nil))
	}
	f.Add("", []byte{1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1})
	s := desk(EnrollBadge)
	format, err := s.Config.BadgeFormat()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, bits []byte) {
		r := badge.Read{Text: text}
		for _, b := range bits {
			r.Bits = append(r.Bits, b&1 == 1)
		}
		b, err := s.badgeOf(r)
		if err != nil {
			for _, digits := range strings.FieldsFunc(text, func(c rune) bool { return c < '0' || c > '9' }) {
				if len(digits) >= 5 && strings.Contains(err.Error(), digits) {
					t.Fatalf("%q refused as %q", text, err)
				}
			}
			return
		}
		if _, err := format.Encode(b); err != nil {
			t.Fatalf("%q %v read as %+v, which %s does not hold: %v", text, bits, b, format.Name(), err)
		}
	})
}
