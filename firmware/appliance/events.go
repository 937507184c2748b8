package appliance

import (
	"time"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

// Event is an input of the lifecycle. Every event arrives on one channel
// and is handled by one goroutine.
type Event interface{ isEvent() }

// The buttons of the screens. A touch names one; Value carries what the
// button stands for where several share it (the network chosen, the
// passphrase typed on the on-screen keyboard).
const (
	ButtonStart    = "start"    // "Tap to get started"
	ButtonEthernet = "ethernet" // connect over Ethernet
	ButtonWiFi     = "wifi"     // connect over Wi-Fi
	ButtonNetwork  = "network"  // a Wi-Fi network of the list (Value: its SSID)
	ButtonJoin     = "join"     // connect with the passphrase typed (Value)
	ButtonRescan   = "rescan"   // look for Wi-Fi networks again
	ButtonBack     = "back"     // the previous first-boot step
	ButtonRetry    = "retry"    // try the failed connection again
	ButtonOK       = "ok"       // acknowledge a notice
)

// The events.
type (
	// Touched: a button on the screen. Value may be a passphrase: a
	// Touched is never logged.
	Touched struct {
		Button string
		Value  string
	}
	// WiFiScanned: the Wi-Fi networks in range, or why there are none.
	WiFiScanned struct {
		Networks []network.Network
		Err      error
	}
	// Joined: the network chosen at first boot carries traffic, or not.
	Joined struct{ Err error }
	// Seen: the camera worker found something.
	Seen struct{ vision.Output }
	// Decided: the door controller answered a badge.
	Decided struct{ panel.Decision }
	// Input: the GPI or the tamper switch changed.
	Input struct{ ioboard.Event }
	// Activation: the service answered an activation code.
	Activation struct {
		Payload string
		Config  api.Config
		Err     error
	}
	// ConfigArrived: the service sent a configuration; Reply gets nil
	// once it runs, or why it cannot.
	ConfigArrived struct {
		Config api.Config
		Reply  chan<- error
	}
	// configApplied: the hardware runs Config (the runtime's, after an
	// ApplyConfig effect).
	configApplied struct{ Config api.Config }
	// SyncEnded: the service link stopped: deactivated, a restart the
	// service asked for (reboot, update), or a failure.
	SyncEnded struct {
		Deactivated bool
		Restart     *Restart
		Err         error
	}
	// RoundDone: one sync with the service ended, well or not.
	RoundDone struct{ Err error }
	// UpdateInstalling: a verified release is being installed.
	UpdateInstalling struct{ Version string }
	// UpdateEnded: the installation failed; the running version stays.
	UpdateEnded struct{ Err error }
	// Beat: a watched part made progress ("camera", "panel").
	Beat struct{ Part string }
	// Tick: a second passed; PanelUp is the panel link's health now.
	Tick struct{ PanelUp bool }
	// Timer: the state's deadline passed.
	Timer struct{}
	// sendFailed: the badge could not be handed to the panel link.
	sendFailed struct{ Err error }
	// configRefused: the hardware could not run a configuration.
	configRefused struct{ Err error }
)

func (Touched) isEvent()          {}
func (WiFiScanned) isEvent()      {}
func (Joined) isEvent()           {}
func (Seen) isEvent()             {}
func (Decided) isEvent()          {}
func (Input) isEvent()            {}
func (Activation) isEvent()       {}
func (ConfigArrived) isEvent()    {}
func (configApplied) isEvent()    {}
func (SyncEnded) isEvent()        {}
func (RoundDone) isEvent()        {}
func (UpdateInstalling) isEvent() {}
func (UpdateEnded) isEvent()      {}
func (Beat) isEvent()             {}
func (Tick) isEvent()             {}
func (Timer) isEvent()            {}
func (sendFailed) isEvent()       {}
func (configRefused) isEvent()    {}

// Restart is what Run returns when the reader must start again.
type Restart struct {
	Reason  string // "reboot requested by the service", "software update"
	Program string // an installed update to start; "" restarts the running one
}

// Effect is something the lifecycle asks the runtime to do.
type Effect interface{ isEffect() }

// The effects.
type (
	// SendBadge hands a badge to the door controller.
	SendBadge struct{ Badge wiegand.Badge }
	// Record puts an event in the outbox, stamped with when it happened.
	Record struct {
		Type string
		Data any
		At   time.Time
	}
	// Pulse energises an output (0 relay, 1 GPO) for a time.
	Pulse struct {
		Output int
		For    time.Duration
	}
	// Activate checks an activation code with the service.
	Activate struct{ Payload string }
	// ApplyConfig makes the hardware run Config; Save records it as the
	// running configuration (after activation; a sync saves its own).
	ApplyConfig struct {
		Config api.Config
		Reply  chan<- error
		Save   bool
	}
	// Reply answers a ConfigArrived.
	Reply struct {
		To  chan<- error
		Err error
	}
	// StartSync starts the service link.
	StartSync struct{}
	// StopPanel closes the door controller's link.
	StopPanel struct{}
	// FeedWatchdog tells systemd the reader is alive.
	FeedWatchdog struct{}
	// Stop ends Run with a restart.
	Stop struct{ Restart Restart }
	// ScanWiFi looks for the Wi-Fi networks in range.
	ScanWiFi struct{}
	// Join brings the reader online on WiFi, or on Ethernet when nil.
	Join struct{ WiFi *network.WiFi }
	// Play sounds an outcome on the speaker.
	Play struct{ Sound Sound }
)

func (SendBadge) isEffect()    {}
func (Record) isEffect()       {}
func (Pulse) isEffect()        {}
func (Activate) isEffect()     {}
func (ApplyConfig) isEffect()  {}
func (Reply) isEffect()        {}
func (StartSync) isEffect()    {}
func (StopPanel) isEffect()    {}
func (FeedWatchdog) isEffect() {}
func (Stop) isEffect()         {}
func (ScanWiFi) isEffect()     {}
func (Join) isEffect()         {}
func (Play) isEffect()         {}
