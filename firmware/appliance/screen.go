package appliance

import (
	"slices"

	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/firmware/vision"
)

// Screen is what the touchscreen shows: a view of the state, never kept
// apart from it.
type Screen struct {
	Name     string      `json:"name"`
	Language string      `json:"language"`
	Hints    []palm.Hint `json:"hints,omitempty"`
	Reason   string      `json:"reason,omitempty"`
}

// The screens.
const (
	ScreenSetup         = "setup"            // "Tap to get started"
	ScreenScanCode      = "scan-code"        // "Scan QR code"
	ScreenCodeRefused   = "code-refused"     // why the code was refused (Reason)
	ScreenActivating    = "activating"       // "Activating…"
	ScreenActivated     = NoticeActivated    // "Activation complete!"
	ScreenNoConfig      = "no-configuration" // activated; no configuration this reader can run (Reason)
	ScreenIdle          = "entry-idle"       // an invitation to hold up a palm
	ScreenGuidance      = "entry-guidance"   // closer, further, centre, … (Hints)
	ScreenChecking      = "entry-checking"   // the badge went to the door controller
	ScreenGranted       = "access-granted"
	ScreenDenied        = "access-denied"
	ScreenNoAnswer      = "no-answer" // "No answer from the door controller"
	ScreenNotRecognised = "not-recognised"
	ScreenNotSent       = "not-sent" // the badge could not be sent (Reason)
	ScreenTamper        = "tamper-alarm"
	ScreenUpdating      = "updating"
	ScreenDeactivated   = "deactivated"
	ScreenCameraFault   = "camera-fault"
	defaultLanguage     = "en"
)

var outcomeScreens = map[Outcome]string{
	OutcomeGranted: ScreenGranted, OutcomeDenied: ScreenDenied, OutcomeNoAnswer: ScreenNoAnswer,
	OutcomeNotRecognised: ScreenNotRecognised, OutcomeNotSent: ScreenNotSent,
}

// screenOf is the screen for s: alarms and updates over everything, then
// the phase's own.
func screenOf(s State) Screen {
	sc := phaseScreen(s)
	switch {
	case s.Updating:
		sc = Screen{Name: ScreenUpdating}
	case s.Tamper:
		sc = Screen{Name: ScreenTamper}
	}
	sc.Language = defaultLanguage
	if s.Config != nil {
		sc.Language = s.Config.Language
	}
	return sc
}

func phaseScreen(s State) Screen {
	switch s.Phase {
	case PhaseSetup:
		return Screen{Name: ScreenSetup}
	case PhaseDeactivated:
		return Screen{Name: ScreenDeactivated}
	case PhaseActivating:
		return Screen{Name: ScreenActivating}
	case PhaseScanning:
		if s.caps.Camera && !s.Camera {
			return Screen{Name: ScreenCameraFault}
		}
		if s.Code.Reason != "" {
			return Screen{Name: ScreenCodeRefused, Reason: s.Code.Reason}
		}
		return Screen{Name: ScreenScanCode}
	}
	if s.Notice != "" {
		return Screen{Name: s.Notice}
	}
	if s.Config == nil {
		return Screen{Name: ScreenNoConfig, Reason: s.Refused}
	}
	return entryScreen(s)
}

func entryScreen(s State) Screen {
	switch e := s.Entry; e.Step {
	case StepDeciding:
		return Screen{Name: ScreenChecking}
	case StepResult:
		return Screen{Name: outcomeScreens[e.Outcome], Reason: e.Reason}
	}
	if s.caps.Camera && !s.Camera {
		return Screen{Name: ScreenCameraFault}
	}
	if g := s.Guidance; len(g.Hints) > 0 && !slices.Equal(g.Hints, []palm.Hint{palm.HintNoHand}) {
		return Screen{Name: ScreenGuidance, Hints: g.Hints}
	}
	return Screen{Name: ScreenIdle}
}

// purposeOf is what the camera looks for in s.
func purposeOf(s State) vision.Purpose {
	switch {
	case s.Phase == PhaseScanning:
		return vision.LookForCodes
	case s.Phase == PhaseActive && s.Mode() == ModeEntry:
		return vision.LookForPalms
	}
	return vision.LookForNothing
}

func sameScreen(a, b Screen) bool {
	return a.Name == b.Name && a.Language == b.Language && a.Reason == b.Reason && slices.Equal(a.Hints, b.Hints)
}
