package appliance

// The entry flow: a recognised palm's badge to the door controller, its
// answer on the screen, the event recorded, the outputs pulsed.

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

// identified starts the decision on a recognised palm.
func identified(s State, id vision.Identified, now time.Time) (State, []Effect) {
	if s.Phase != PhaseActive || s.Mode() != ModeEntry || s.Entry.Step == StepDeciding {
		return s, nil
	}
	r := id.Result
	if !r.Matched {
		s.Entry = Entry{Step: StepResult, At: now, Until: now.Add(s.resultShown()), Outcome: OutcomeNotRecognised}
		return s, []Effect{Record{Type: api.EventNotRecognized, At: now,
			Data: api.Recognition{Reason: "no enrolled palm matched"}}, Play{Sound: SoundDenied}}
	}
	badge, err := parseBadge(r.Badge)
	if err != nil {
		s.Entry = Entry{Step: StepResult, Profile: r.ID, At: now, Until: now.Add(s.resultShown()), Outcome: OutcomeNotSent, Reason: err.Error()}
		return s, []Effect{recordOutcome(s.Entry, ""), Play{Sound: SoundError}}
	}
	s.Entry = Entry{Step: StepDeciding, Profile: r.ID, Badge: r.Badge, At: now, Frame: id.Frame, Until: now.Add(s.Config.Decision.Duration)}
	return s, []Effect{SendBadge{Badge: badge}}
}

// parseBadge reads a profile's "FACILITY:CARD".
func parseBadge(s string) (wiegand.Badge, error) {
	f, c, ok := strings.Cut(s, ":")
	facility, ferr := strconv.ParseUint(f, 10, 64)
	card, cerr := strconv.ParseUint(c, 10, 64)
	if !ok || ferr != nil || cerr != nil {
		return wiegand.Badge{}, errors.New("the enrolled badge is not FACILITY:CARD")
	}
	return wiegand.Badge{Facility: facility, Card: card}, nil
}

// decided shows the panel's answer and, when the reader drives the door
// itself, opens it.
func decided(s State, d panel.Decision, now time.Time) (State, []Effect) {
	if s.Entry.Step != StepDeciding {
		return s, nil // an answer to nothing pending: a late one, or another reader's
	}
	outcome := OutcomeDenied
	if d.Granted {
		outcome = OutcomeGranted
	}
	return result(s, outcome, d.Reason, now)
}

// result ends a decision: the outcome on screen, the event recorded and,
// on a grant, the outputs that follow grants pulsed.
func result(s State, outcome Outcome, reason string, now time.Time) (State, []Effect) {
	s.Entry.Step, s.Entry.Outcome, s.Entry.Reason, s.Entry.Until = StepResult, outcome, reason, now.Add(s.resultShown())
	decision := map[Outcome]string{OutcomeGranted: api.DecisionGranted, OutcomeDenied: api.DecisionDenied, OutcomeNoAnswer: api.DecisionNoAnswer}[outcome]
	effects := []Effect{recordOutcome(s.Entry, decision), Play{Sound: outcomeSounds[outcome]}}
	if outcome == OutcomeGranted {
		r := s.Config.Relay
		if r.Follow == "grant" {
			effects = append(effects, Pulse{Output: 0, For: r.Unlock.Duration})
		}
		if r.GPOFunc == "grant" {
			effects = append(effects, Pulse{Output: 1, For: r.Unlock.Duration})
		}
	}
	return s, effects
}

// outcomeSounds: a grant, a refusal, or something wrong with the door.
var outcomeSounds = map[Outcome]Sound{
	OutcomeGranted: SoundGranted, OutcomeDenied: SoundDenied, OutcomeNotRecognised: SoundDenied,
	OutcomeNoAnswer: SoundError, OutcomeNotSent: SoundError,
}

// resultShown is how long an outcome stays on the screen.
func (s State) resultShown() time.Duration {
	if s.shown > 0 {
		return s.shown
	}
	return resultShown
}

func recordOutcome(e Entry, decision string) Record {
	return Record{Type: api.EventRecognized, At: e.At,
		Data: api.Recognition{Profile: e.Profile, Badge: e.Badge, Decision: decision, Reason: e.Reason}}
}
