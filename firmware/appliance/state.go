package appliance

import (
	"time"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/vision"
)

// Phase is where the reader is in its life.
type Phase string

// The phases, in the order a reader goes through them.
const (
	PhaseSetup       Phase = "setup"       // first boot: "Tap to get started"
	PhaseScanning    Phase = "scanning"    // waiting for an activation code
	PhaseActivating  Phase = "activating"  // a code is being checked with the service
	PhaseActive      Phase = "active"      // running its configuration
	PhaseDeactivated Phase = "deactivated" // wiped by the service; a touch sets it up again
)

// Modes of an active reader.
const (
	ModeEntry      = "entry"
	ModeEnrollment = "enrollment"
)

// Outcome is how a presentation at the door ended.
type Outcome string

// The outcomes an entry shows.
const (
	OutcomeGranted       Outcome = "granted"
	OutcomeDenied        Outcome = "denied"
	OutcomeNoAnswer      Outcome = "no-answer"
	OutcomeNotRecognised Outcome = "not-recognised"
	OutcomeNotSent       Outcome = "not-sent" // the badge could not go to the panel
)

// Step of the entry flow.
type Step string

// The entry steps.
const (
	StepIdle     Step = "idle"     // waiting for a palm
	StepDeciding Step = "deciding" // a badge went to the panel
	StepResult   Step = "result"   // the outcome is on the screen
)

// Entry is the entry flow's state.
type Entry struct {
	Step    Step
	Profile string    // who was recognised
	Badge   string    // what went to the panel
	At      time.Time // when the palm was recognised
	Frame   time.Time // when the camera took the frame that decided
	Until   time.Time // end of this step: the decision timeout, or the result's time on screen
	Outcome Outcome
	Reason  string
}

// SetupStep is where a first boot is, before the reader waits for its
// activation code.
type SetupStep string

// The first boot's steps, in the guide's order.
const (
	SetupWelcome    SetupStep = ""               // "Tap to get started"
	SetupChoose     SetupStep = "choose-network" // Ethernet or Wi-Fi
	SetupScanning   SetupStep = "wifi-scanning"  // looking for Wi-Fi networks
	SetupWiFiList   SetupStep = "wifi-list"      // the networks in range
	SetupPassword   SetupStep = "wifi-password"  // the chosen network's passphrase
	SetupConnecting SetupStep = "connecting"     // joining the network until it carries traffic
	SetupFailed     SetupStep = "not-connected"  // the scan or the join failed (Reason)
	SetupConnected  SetupStep = "connected"      // online; the software is checked once activated
)

// Setup is the first boot's state. It never holds a passphrase: that goes
// from the touch straight into the Join effect.
type Setup struct {
	Step     SetupStep
	WiFi     bool              // Wi-Fi was chosen, else Ethernet
	Networks []network.Network // the last scan, strongest first
	SSID     string            // the network being joined
	Reason   string            // the failing part's own words
	Cause    string            // why the scan or the join failed (Cause*)
	Until    time.Time         // end of a scan or a join
}

// Caps is what this reader has, from its local configuration: what a
// service configuration may ask for.
type Caps struct {
	RS485  bool // a serial line to an OSDP panel
	Camera bool
	// SilenceDenies: on Wiegand, a panel that leaves the LED line alone
	// until the decision timeout has denied (it signals only grants).
	SilenceDenies bool
	// Uplink: the first boot chooses and joins the network (an uplink
	// port); without, the board's image has set the network up.
	Uplink bool
	// Badges: a badge scanner for an enrollment desk.
	Badges bool
}

// State is the whole appliance state. It is a value: step returns a new
// one and nothing else changes it.
type State struct {
	Phase    Phase
	Setup    Setup       // first boot, in PhaseSetup and PhaseDeactivated
	Config   *api.Config // the running configuration; nil until one is applied
	Refused  string      // why the last configuration could not run, while none runs
	Tamper   bool        // the case is open: an alarm over any phase
	Updating bool        // a software update is being installed
	Camera   bool        // frames arrive
	PanelUp  bool        // the door controller's link works
	Offline  bool        // the last sync with the service failed

	Guidance vision.Guidance
	Entry    Entry
	Enroll   Enrollment
	Runs     int // enrollment camera sessions started, so each is told apart
	// Code is the activation attempt: the code being checked, or the one
	// last refused and why, so that a phone left in view is not sent
	// again at every frame.
	Code struct {
		Payload string
		Reason  string
		Cause   string // the refusal in terms the screen has words for
		At      time.Time
		// Unreadable: a code is in view that the camera cannot read.
		Unreadable bool
	}
	// Notice is a message shown until NoticeUntil ("Activation
	// complete!").
	Notice      string
	NoticeUntil time.Time
	// Progress of the parts the watchdog watches.
	CameraBeat, PanelBeat time.Time
	caps                  Caps
	shown                 time.Duration // how long a result stays on the screen

	// Software is the running release's trial (software.go).
	Software SoftwareState
}

// Mode is the running configuration's mode, or "" without one.
func (s State) Mode() string {
	if s.Config == nil {
		return ""
	}
	return s.Config.Mode
}

// Deadline is the next time the state changes by itself, or zero.
func (s State) Deadline() time.Time {
	var d time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	earliest(s.NoticeUntil)
	if s.Setup.Step == SetupScanning || s.Setup.Step == SetupConnecting {
		earliest(s.Setup.Until)
	}
	if s.Phase == PhaseScanning && s.Code.Reason != "" {
		earliest(s.Code.At.Add(retryRefused))
	}
	if s.Entry.Step != StepIdle {
		earliest(s.Entry.Until)
	}
	if s.Enroll.Step != EnrollStart {
		earliest(s.Enroll.Until)
	}
	earliest(s.Software.deadline())
	return d
}
