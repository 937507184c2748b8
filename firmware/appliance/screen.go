package appliance

import (
	"slices"

	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/vision"
)

// Screen is what the touchscreen shows: a view of the state, never kept
// apart from it.
type Screen struct {
	Name     string      `json:"name"`
	Language string      `json:"language"`
	Hints    []palm.Hint `json:"hints,omitempty"`
	// Reason is the words of whoever refused or failed (the service, the
	// panel's text, a driver), for the installer; Cause is the same in
	// terms the screen has words for in every language (Cause*).
	Reason   string            `json:"reason,omitempty"`
	Cause    string            `json:"cause,omitempty"`
	Networks []network.Network `json:"networks,omitempty"` // the Wi-Fi list
	SSID     string            `json:"ssid,omitempty"`     // the network asked for or joined
	Offline  bool              `json:"offline,omitempty"`  // the service is out of reach; entry goes on
	Hands    []HandProgress    `json:"hands,omitempty"`    // enrollment's captures
}

// HandProgress is how far the captures of one hand are.
type HandProgress struct {
	Hand   string `json:"hand"` // "left", "right"
	Done   int    `json:"done"`
	Needed int    `json:"needed"`
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

	// The first boot, before "Scan QR code".
	ScreenChooseNetwork = "choose-network" // Ethernet or Wi-Fi
	ScreenWiFiScanning  = "wifi-scanning"  // looking for networks
	ScreenWiFiList      = "wifi-list"      // the networks in range (Networks)
	ScreenWiFiPassword  = "wifi-password"  // the on-screen keyboard (SSID)
	ScreenConnecting    = "connecting"     // (SSID, or Ethernet without)
	ScreenNotConnected  = "not-connected"  // (Cause, Reason)
	ScreenConnected     = "connected"      // online; the software is checked once activated (OK)

	// Enrollment's screens (enrollment.go).
	ScreenEnrollStart    = "enroll-start"    // "Get started"
	ScreenEnrollBadge    = "enroll-badge"    // "Scan your badge"
	ScreenEnrollScanned  = "enroll-scanned"  // "Badge scanned"
	ScreenEnrollTerms    = "enroll-terms"    // Terms of Use (OK)
	ScreenEnrollConsent  = "enroll-consent"  // palm biometric consent (I agree / decline)
	ScreenEnrollCapture  = "enroll-capture"  // guidance (Hints) and progress per hand (Hands)
	ScreenEnrollComplete = "enroll-complete" // "Enrollment complete"
	ScreenEnrollFailed   = "enroll-failed"   // failure to enroll (Reason)
)

// Light is the light ring's pattern: like the screen, a view of the state.
type Light string

// The light ring's patterns.
const (
	LightIdle     Light = "idle"     // waiting: a calm glow
	LightHand     Light = "hand"     // a hand is in view
	LightScanning Light = "scanning" // a decision or an operation is under way
	LightGranted  Light = "granted"
	LightDenied   Light = "denied"
	LightError    Light = "error" // something needs an installer or a retry
	LightTamper   Light = "tamper"
)

// Sound is a short sound an outcome plays once.
type Sound string

// The sounds.
const (
	SoundGranted Sound = "granted"
	SoundDenied  Sound = "denied"
	SoundError   Sound = "error"
	SoundAlarm   Sound = "alarm"
)

// screenLights is the light ring's pattern per screen; a screen not named
// here glows idle.
var screenLights = map[string]Light{
	ScreenGuidance: LightHand, ScreenChecking: LightScanning, ScreenActivating: LightScanning,
	ScreenWiFiScanning: LightScanning, ScreenConnecting: LightScanning, ScreenUpdating: LightScanning,
	ScreenGranted: LightGranted, ScreenActivated: LightGranted, ScreenConnected: LightGranted,
	ScreenEnrollCapture: LightHand, ScreenEnrollScanned: LightGranted, ScreenEnrollComplete: LightGranted, ScreenEnrollFailed: LightError,
	ScreenDenied: LightDenied, ScreenNotRecognised: LightDenied,
	ScreenNoAnswer: LightError, ScreenNotSent: LightError, ScreenCodeRefused: LightError, ScreenNotConnected: LightError,
	ScreenNoConfig: LightError, ScreenCameraFault: LightError, ScreenTamper: LightTamper,
}

// lightOf is the light ring's pattern for a screen.
func lightOf(sc Screen) Light {
	if l, ok := screenLights[sc.Name]; ok {
		return l
	}
	return LightIdle
}

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
	sc.Offline = s.Phase == PhaseActive && s.Offline
	return sc
}

var setupScreens = map[SetupStep]string{
	SetupWelcome: ScreenSetup, SetupChoose: ScreenChooseNetwork, SetupScanning: ScreenWiFiScanning,
	SetupWiFiList: ScreenWiFiList, SetupPassword: ScreenWiFiPassword, SetupConnecting: ScreenConnecting,
	SetupFailed: ScreenNotConnected, SetupConnected: ScreenConnected,
}

// setupScreen is the first boot's screen; a deactivated reader says so
// until it is tapped.
func setupScreen(s State) Screen {
	st := s.Setup
	if s.Phase == PhaseDeactivated && st.Step == SetupWelcome {
		return Screen{Name: ScreenDeactivated}
	}
	sc := Screen{Name: setupScreens[st.Step], SSID: st.SSID, Reason: st.Reason, Cause: st.Cause}
	if st.Step == SetupWiFiList {
		sc.Networks = st.Networks
	}
	return sc
}

func phaseScreen(s State) Screen {
	switch s.Phase {
	case PhaseSetup, PhaseDeactivated:
		return setupScreen(s)
	case PhaseActivating:
		return Screen{Name: ScreenActivating}
	case PhaseScanning:
		if s.caps.Camera && !s.Camera {
			return Screen{Name: ScreenCameraFault}
		}
		if s.Code.Reason != "" {
			return Screen{Name: ScreenCodeRefused, Reason: s.Code.Reason, Cause: s.Code.Cause}
		}
		if s.Code.Unreadable {
			return Screen{Name: ScreenScanCode, Cause: CauseCodeUnreadable}
		}
		return Screen{Name: ScreenScanCode}
	}
	if s.Notice != "" {
		return Screen{Name: s.Notice}
	}
	if s.Config == nil {
		return Screen{Name: ScreenNoConfig, Reason: s.Refused}
	}
	if s.Mode() == ModeEnrollment {
		return enrollScreen(s)
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
	case s.enrolling():
		return enrollPurpose(s)
	}
	return vision.LookForNothing
}

func sameScreen(a, b Screen) bool {
	return a.Name == b.Name && a.Language == b.Language && a.Reason == b.Reason && a.Cause == b.Cause &&
		a.SSID == b.SSID && a.Offline == b.Offline && slices.Equal(a.Hints, b.Hints) &&
		slices.Equal(a.Networks, b.Networks) && slices.Equal(a.Hands, b.Hands)
}
