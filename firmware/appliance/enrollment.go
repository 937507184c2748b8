package appliance

// The enrollment flow of the guide, at a supervised desk: "Get started",
// the badge on the desk's scanner, "Badge scanned", the Terms of Use, the
// consent to palm biometrics, guided captures of each configured hand,
// then the profile sealed, searchable and on its way to the service.
// Declining, failing or walking away forgets everything captured.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

// EnrollStep is where an enrollment is.
type EnrollStep string

// The enrollment steps, in the guide's order.
const (
	EnrollStart    EnrollStep = ""         // "Get started"
	EnrollBadge    EnrollStep = "badge"    // "Scan your badge"
	EnrollScanned  EnrollStep = "scanned"  // "Badge scanned", for a moment
	EnrollTerms    EnrollStep = "terms"    // Terms of Use (OK)
	EnrollConsent  EnrollStep = "consent"  // I agree / decline
	EnrollCapture  EnrollStep = "capture"  // guided captures, hand by hand
	EnrollComplete EnrollStep = "complete" // "Enrollment complete", for a moment
	EnrollFailed   EnrollStep = "failed"   // why it failed, for a moment
)

// Causes of an enrollment's messages, in terms the screen has words for.
const (
	CauseBadgeUnreadable = "badge-unreadable" // the read does not decode in the site's format
	CauseDuplicate       = "enroll-duplicate" // the palm is enrolled to another badge
	CausePoorCaptures    = "enroll-poor"      // failure to enrol
	CauseNotStored       = "enroll-not-stored"
)

// scannedShown is how long "Badge scanned" stays before the terms.
const scannedShown = 2 * time.Second

// Enrollment is the enrollment flow's state. Templates are held only
// from consent to the profile's sealing, and forgotten with the rest.
type Enrollment struct {
	Step  EnrollStep
	Badge string // "FACILITY:CARD", from the scan
	// Self is the profile this badge already has on the reader: a
	// re-enrollment replaces it, and matching it is no duplicate.
	Self      string
	Hand      int // index into Hands
	Hands     []HandProgress
	Templates [][]template.Template // per hand done
	Hints     []palm.Hint
	Cause     string
	Reason    string
	Until     time.Time
	Run       int // the camera's session for the current hand
}

// The buttons of the consent screen.
const (
	ButtonAgree   = "agree"
	ButtonDecline = "decline"
)

// The enrollment's events and effects.
type (
	// BadgeRead: the desk's badge scanner read a badge.
	BadgeRead struct{ badge.Read }
	// profileFound: the profile a badge already has here ("" none).
	profileFound struct{ Badge, ID string }
	// profileSaved: the profile is sealed and searchable, or why not.
	profileSaved struct{ Err error }

	// FindProfile asks which profile a badge has on this reader.
	FindProfile struct{ Badge string }
	// SaveProfile seals a new profile, makes it searchable, replaces the
	// badge's previous one and queues its upload.
	SaveProfile struct {
		Badge     string
		Replaces  string
		Hands     []string
		Templates [][]template.Template
	}
)

func (BadgeRead) isEvent()    {}
func (profileFound) isEvent() {}
func (profileSaved) isEvent() {}
func (FindProfile) isEffect() {}
func (SaveProfile) isEffect() {}

// enrolling reports whether s is an active enrollment desk.
func (s State) enrolling() bool { return s.Phase == PhaseActive && s.Mode() == ModeEnrollment }

// enrollTouched moves the flow on from its buttons.
func enrollTouched(s State, ev Touched, now time.Time) (State, []Effect) {
	e, rules := s.Enroll, s.Config.EnrollmentRules()
	switch {
	case ev.Button == ButtonStart && e.Step == EnrollStart:
		s.Enroll = Enrollment{Step: EnrollBadge, Until: now.Add(rules.StepTimeout.Duration)}
	case ev.Button == ButtonOK && e.Step == EnrollTerms:
		s.Enroll.Step, s.Enroll.Until = EnrollConsent, now.Add(rules.StepTimeout.Duration)
	case ev.Button == ButtonAgree && e.Step == EnrollConsent:
		return startCaptures(s, now), nil
	case ev.Button == ButtonDecline && e.Step == EnrollConsent:
		// Nothing of the person is kept, not even in the event.
		s.Enroll = Enrollment{}
		return s, []Effect{notEnrolled(now, "", api.EnrollDeclined, "the person declined consent to palm biometrics")}
	}
	return s, nil
}

// badgeRead takes a badge scanned while the desk asks for one.
func badgeRead(s State, r badge.Read, now time.Time) (State, []Effect) {
	if !s.enrolling() || s.Enroll.Step != EnrollBadge {
		return s, nil
	}
	s.Enroll.Until = now.Add(s.Config.EnrollmentRules().StepTimeout.Duration)
	b, err := s.badgeOf(r)
	if err != nil {
		s.Enroll.Cause, s.Enroll.Reason = CauseBadgeUnreadable, err.Error()
		return s, []Effect{Play{Sound: SoundError}}
	}
	id := strconv.FormatUint(b.Facility, 10) + ":" + strconv.FormatUint(b.Card, 10)
	s.Enroll = Enrollment{Step: EnrollScanned, Badge: id, Until: now.Add(scannedShown)}
	return s, []Effect{FindProfile{Badge: id}}
}

// badgeOf reads a badge in the site's badge format: a card reader's bits,
// or what a scanner typed: either FACILITY:CARD (or with '-' or ','
// between), or the frame's data bits as one decimal number, as panels
// that store a badge as one number do. Its errors never repeat the read:
// they reach the screen and may reach a log.
func (s State) badgeOf(r badge.Read) (wiegand.Badge, error) {
	f, err := s.Config.BadgeFormat()
	if err != nil {
		return wiegand.Badge{}, err
	}
	if len(r.Bits) > 0 {
		b, err := f.Decode(wiegand.Bits(r.Bits))
		if err != nil {
			return wiegand.Badge{}, fmt.Errorf("badge read: not a %s card: %d bits, or its parity fails", f.Name(), len(r.Bits))
		}
		return b, nil
	}
	text := strings.TrimSpace(r.Text)
	if i := strings.IndexAny(text, ":-,"); i >= 0 {
		fac, ferr := strconv.ParseUint(text[:i], 10, 64)
		card, cerr := strconv.ParseUint(text[i+1:], 10, 64)
		if ferr != nil || cerr != nil {
			return wiegand.Badge{}, errors.New("badge read: want FACILITY:CARD in digits")
		}
		b := wiegand.Badge{Facility: fac, Card: card}
		if _, err := f.Encode(b); err != nil {
			return wiegand.Badge{}, notInFormat(f, err)
		}
		return b, nil
	}
	raw, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return wiegand.Badge{}, errors.New("badge read: want digits, or FACILITY:CARD")
	}
	bits, err := f.EncodeRaw(raw)
	if err != nil {
		return wiegand.Badge{}, notInFormat(f, err)
	}
	return f.Decode(bits)
}

// notInFormat says why a read is no badge of format f, without its value.
func notInFormat(f *wiegand.Format, err error) error {
	why := "it does not fit"
	switch {
	case errors.Is(err, wiegand.ErrRange):
		why = fmt.Sprintf("the facility code or card number is out of range (card at most %d)", f.MaxCard())
	case errors.Is(err, wiegand.ErrNoField):
		why = "the format has no facility code"
	}
	return fmt.Errorf("badge read: not a %s badge: %s", f.Name(), why)
}

// startCaptures begins with the first configured hand.
func startCaptures(s State, now time.Time) State {
	rules := s.Config.EnrollmentRules()
	e := &s.Enroll
	e.Step, e.Hand, e.Hints, e.Templates = EnrollCapture, 0, nil, nil
	e.Hands = nil
	for _, h := range rules.HandList() {
		e.Hands = append(e.Hands, HandProgress{Hand: h, Needed: rules.Captures})
	}
	s.Runs++
	e.Run, e.Until = s.Runs, now.Add(rules.StepTimeout.Duration)
	return s
}

// enrolProgress shows a hand's progress and hints; progress holds the
// step's deadline off.
func enrolProgress(s State, p vision.EnrolProgress, now time.Time) State {
	e := &s.Enroll
	if !s.enrolling() || e.Step != EnrollCapture || p.Run != e.Run {
		return s // a session of a hand or an enrollment already over
	}
	if p.Accepted > e.Hands[e.Hand].Done {
		e.Until = now.Add(s.Config.EnrollmentRules().StepTimeout.Duration)
	}
	e.Hands = append([]HandProgress(nil), e.Hands...)
	e.Hands[e.Hand].Done = p.Accepted
	e.Hints = p.Hints
	return s
}

// enrolEnded takes a hand's templates, or ends the enrollment on its
// failure.
func enrolEnded(s State, end vision.EnrolEnded, now time.Time) (State, []Effect) {
	e := s.Enroll
	if !s.enrolling() || e.Step != EnrollCapture || end.Run != e.Run {
		return s, nil // a session of an enrollment already over
	}
	switch {
	case errors.Is(end.Err, enroll.ErrDuplicate):
		return enrollFailed(s, now, CauseDuplicate, api.EnrollDup, "the palm is already enrolled to another badge")
	case end.Err != nil:
		return enrollFailed(s, now, CausePoorCaptures, api.EnrollFTE, "failure to enrol: too many poor captures of the "+end.Hand+" hand")
	}
	e.Templates = append(append([][]template.Template(nil), e.Templates...), end.Templates)
	e.Hands = append([]HandProgress(nil), e.Hands...)
	e.Hands[e.Hand].Done = e.Hands[e.Hand].Needed
	e.Hints = nil
	if e.Hand+1 < len(e.Hands) {
		s.Runs++
		e.Hand, e.Run, e.Until = e.Hand+1, s.Runs, now.Add(s.Config.EnrollmentRules().StepTimeout.Duration)
		s.Enroll = e
		return s, nil
	}
	s.Enroll = e
	hands := make([]string, len(e.Hands))
	for i, h := range e.Hands {
		hands[i] = h.Hand
	}
	return s, []Effect{SaveProfile{Badge: e.Badge, Replaces: e.Self, Hands: hands, Templates: e.Templates}}
}

// saved ends an enrollment whose profile was (or could not be) stored.
func saved(s State, ev profileSaved, now time.Time) (State, []Effect) {
	if !s.enrolling() || s.Enroll.Step != EnrollCapture {
		return s, nil
	}
	if ev.Err != nil {
		return enrollFailed(s, now, CauseNotStored, api.EnrollStorage, "the profile could not be stored: "+ev.Err.Error())
	}
	s.Enroll = Enrollment{Step: EnrollComplete, Until: now.Add(s.resultShown())}
	return s, []Effect{Play{Sound: SoundGranted}}
}

// enrollFailed forgets what was captured, says why and records it.
func enrollFailed(s State, now time.Time, cause, code, reason string) (State, []Effect) {
	b := s.Enroll.Badge
	s.Enroll = Enrollment{Step: EnrollFailed, Cause: cause, Reason: reason, Until: now.Add(s.resultShown())}
	return s, []Effect{notEnrolled(now, b, code, reason), Play{Sound: SoundError}}
}

func notEnrolled(now time.Time, badge, code, reason string) Record {
	return Record{Type: api.EventNotEnrolled, At: now, Data: api.EnrollmentFailure{Badge: badge, Cause: code, Reason: reason}}
}

// enrollTimer moves on from a step whose time is up: "Badge scanned" to
// the terms, a result back to "Get started", and any step the person
// left back to "Get started", forgetting everything. Walking away during
// the captures is recorded as an unsuccessful enrollment; before consent
// nothing of the person is recorded.
func enrollTimer(s State, now time.Time) (State, []Effect) {
	e := s.Enroll
	if !s.enrolling() || e.Step == EnrollStart || now.Before(e.Until) {
		return s, nil
	}
	switch e.Step {
	case EnrollScanned:
		s.Enroll.Step, s.Enroll.Until = EnrollTerms, now.Add(s.Config.EnrollmentRules().StepTimeout.Duration)
		return s, nil
	case EnrollCapture:
		s.Enroll = Enrollment{}
		return s, []Effect{notEnrolled(now, e.Badge, api.EnrollTimeout, "nobody completed the captures in time")}
	}
	s.Enroll = Enrollment{}
	return s, nil
}

// enrollScreen is the desk's screen.
func enrollScreen(s State) Screen {
	e := s.Enroll
	camFault := s.caps.Camera && !s.Camera
	switch e.Step {
	case EnrollBadge:
		return Screen{Name: ScreenEnrollBadge, Cause: e.Cause, Reason: e.Reason}
	case EnrollScanned:
		return Screen{Name: ScreenEnrollScanned}
	case EnrollTerms:
		return Screen{Name: ScreenEnrollTerms}
	case EnrollConsent:
		return Screen{Name: ScreenEnrollConsent}
	case EnrollCapture:
		if camFault {
			return Screen{Name: ScreenCameraFault}
		}
		return Screen{Name: ScreenEnrollCapture, Hints: e.Hints, Hands: e.Hands}
	case EnrollComplete:
		return Screen{Name: ScreenEnrollComplete}
	case EnrollFailed:
		return Screen{Name: ScreenEnrollFailed, Cause: e.Cause, Reason: e.Reason}
	}
	if camFault {
		return Screen{Name: ScreenCameraFault}
	}
	return Screen{Name: ScreenEnrollStart}
}

// enrollPurpose is what the camera looks for at the desk: the current
// hand while capturing, else nothing.
func enrollPurpose(s State) vision.Purpose {
	e := s.Enroll
	if e.Step != EnrollCapture {
		return vision.LookForNothing
	}
	rules := s.Config.EnrollmentRules()
	return vision.LookToEnrol(vision.Enrolment{Self: e.Self, Hand: e.Hands[e.Hand].Hand,
		Captures: rules.Captures, MaxAttempts: rules.MaxAttempts, Run: e.Run})
}
