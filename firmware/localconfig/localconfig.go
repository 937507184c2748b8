// Package localconfig loads the reader's local hardware configuration: what
// belongs to this board and this installation (pin names, devices, paths,
// backends) and is never overwritten by the service.
//
// The file is TOML. Loading is strict: an unknown key, a missing required key
// or a bad value is an error that names the key, so that a typo in the field
// is found at boot and not at the door.
package localconfig

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Backend selects the hardware implementation.
type Backend string

// The hardware backends.
const (
	BackendReal Backend = "real" // periph GPIO, serial ports, V4L2 camera
	BackendSim  Backend = "sim"  // simulators for everything
)

// Config is the whole local file.
type Config struct {
	Device      Device      `toml:"device"`
	Pins        Pins        `toml:"pins"`
	Relay       Relay       `toml:"relay"`
	GPO         Output      `toml:"gpo"`
	GPI         Input       `toml:"gpi"`
	Tamper      Input       `toml:"tamper"`
	Wiegand     Wiegand     `toml:"wiegand"`
	RS485       RS485       `toml:"rs485"`
	Service     Service     `toml:"service"`
	Camera      Camera      `toml:"camera"`
	Recognition Recognition `toml:"recognition"`
	Badge       Badge       `toml:"badge"`
	UI          UI          `toml:"ui"`
	LightRing   LightRing   `toml:"lightring"`
	Speaker     Speaker     `toml:"speaker"`
	Simulate    Simulate    `toml:"simulate"`
}

// Device holds the daemon's own settings.
type Device struct {
	Name     string  `toml:"name"`      // shown in logs and health reports
	Backend  Backend `toml:"backend"`   // "real" or "sim"
	StateDir string  `toml:"state_dir"` // where persistent state lives
	LogLevel string  `toml:"log_level"` // debug, info, warn, error
}

// Pins maps each terminal-block signal to the GPIO line name that carries it
// on this board (periph registry names, e.g. "GPIO17"). The I/O-hub variant
// orders its terminals differently, so nothing in the code assumes a name.
type Pins struct {
	Relay      string `toml:"relay"`
	GPO        string `toml:"gpo"`
	GPI        string `toml:"gpi"`
	Tamper     string `toml:"tamper"`
	WiegandD0  string `toml:"wiegand_d0"`
	WiegandD1  string `toml:"wiegand_d1"`
	WiegandLED string `toml:"wiegand_led"`
}

// Relay describes how the relay coil is driven and what it switches.
type Relay struct {
	ActiveLow bool   `toml:"active_low"` // coil energised by a Low level
	Lock      string `toml:"lock"`       // "fail-secure" or "fail-safe": see drivers/output
}

// Output describes an auxiliary output line.
type Output struct {
	ActiveLow bool `toml:"active_low"`
}

// Input describes a debounced input line.
type Input struct {
	ActiveLow bool     `toml:"active_low"` // the asserted state reads Low
	Debounce  Duration `toml:"debounce"`
}

// Wiegand holds the electrical side of the Wiegand port. Pulse width,
// interval and badge format come from the service's configuration.
type Wiegand struct {
	LEDGrantLevel string `toml:"led_grant_level"` // "low" or "high": the level the panel drives for a grant
	// Silence is what it means when the panel leaves the LED line alone
	// until the decision timeout: "no-answer" (the default: the panel
	// signals denies too, with a short blink) or "denied" (the panel
	// signals only grants).
	Silence string `toml:"silence"`
}

// RS485 is the port to the door controller (OSDP). The optional section
// is left out on readers wired over Wiegand only.
type RS485 struct {
	// Device is the serial device ("/dev/ttyS1"), or "sim" for a
	// pseudo-terminal with the simulated door panel on its far end.
	Device string `toml:"device"`
	// Direction says what switches the transceiver: "auto" (the adapter),
	// "kernel" (the UART drives DE from RTS) or "gpio" (palmd drives DEPin).
	Direction string `toml:"direction"`
	DEPin     string `toml:"de_pin"`
}

// Service is where the reader's service is and how it is recognised: the
// endpoint, the CAs its TLS certificate must chain to, and the key that
// signs activation codes. Left out, the reader runs without a service.
// With a release key the reader installs the service's software releases
// signed with it into InstallTo (default: the running program).
type Service struct {
	URL           string `toml:"url"`            // https://host:port
	TrustAnchor   string `toml:"trust_anchor"`   // PEM file of CA certificates
	ActivationKey string `toml:"activation_key"` // PEM file of the Ed25519 activation key
	ReleaseKey    string `toml:"release_key"`    // PEM file of the Ed25519 release key; empty: no updates
	InstallTo     string `toml:"install_to"`     // program file updates replace
	// Slots is the A/B slot pair palmd runs from: SlotsRAUC on a board
	// (RAUC's service on the system bus, releases are RAUC bundles), or
	// the directory of a simulated pair (update.Dir, started by `palmctl
	// boot`). A release goes into the slot not running and is tried,
	// instead of replacing InstallTo.
	Slots string `toml:"slots"`
	// ConfirmAfter is how long a release on trial must pass its health
	// checks without a break before it confirms its slot; zero is
	// DefaultConfirmAfter.
	ConfirmAfter Duration `toml:"confirm_after"`
	// TrialLimit is how long a release on trial may take to confirm
	// before it rejects its slot and the previous release comes back;
	// zero is 3 x ConfirmAfter + 1 min.
	TrialLimit Duration `toml:"trial_limit"`
}

// SlotsRAUC is service.slots on a board whose slots RAUC keeps.
const SlotsRAUC = "rauc"

// DefaultConfirmAfter is how long a new release runs healthy before it
// confirms itself: a minute sees the camera, the panel's 8 s offline
// timeout several times over and a dozen sync rounds.
const DefaultConfirmAfter = time.Minute

// Camera is the near-infrared camera (backend "real"; the simulator has
// its own). Zero size, rate and exposure keep the driver's defaults.
type Camera struct {
	Device   string  `toml:"device"` // "/dev/video0"
	Format   string  `toml:"format"` // FOURCC pixel format, e.g. "GREY", "YUYV", "MJPG"; empty: the driver's
	Width    int     `toml:"width"`
	Height   int     `toml:"height"`
	FPS      float64 `toml:"fps"`
	Exposure float64 `toml:"exposure"`
}

// Recognition sets how sure a match must be, one way or the other.
//
// FalsePositiveRate is what a door must bound: the share of presentations
// of someone not enrolled (or enrolled as someone else) that identify as
// an enrolled person. The threshold follows the gallery: a site of ten
// people matches more loosely than one of ten thousand, for the same
// risk at the door. Zero keeps the default, 1e-5 (one in 100,000
// presentations).
//
// FalseMatchRate, set instead, fixes the rate per comparison of a
// presentation with one enrolled hand, whatever the gallery's size.
type Recognition struct {
	FalsePositiveRate float64 `toml:"false_positive_rate"`
	FalseMatchRate    float64 `toml:"false_match_rate"`
}

// UI is the touchscreen page the kiosk browser shows.
type UI struct {
	// Address is the loopback address palmd serves the page on; empty:
	// the screens are only logged.
	Address string `toml:"address"`
	// ResultTime is how long an entry's outcome (granted, denied, ...)
	// stays on the screen; zero is DefaultResultTime.
	ResultTime Duration `toml:"result_time"`
}

// DefaultResultTime is long enough to read "Access granted" while
// walking to the door, short enough not to hold up the next person.
const DefaultResultTime = 3 * time.Second

// LightRing is the WS2812-type LED ring around the camera (real hardware;
// the simulation records the ring instead).
type LightRing struct {
	SPI  string `toml:"spi"`  // periph's SPI port name, e.g. "SPI0.0"; empty: no ring
	LEDs int    `toml:"leds"` // zero is DefaultLEDs
}

// DefaultLEDs is the ring of the reference design.
const DefaultLEDs = 24

// Speaker is the reader's speaker (real hardware; the simulation records
// the sounds instead).
type Speaker struct {
	Device string `toml:"device"` // the ALSA device, e.g. "default"; empty: no sound
}

// Badge is an enrollment desk's badge scanner. On simulated hardware
// Scanner picks the simulator and the other fields are not used.
type Badge struct {
	// Scanner is "" (none), "wedge" (a USB HID keyboard-wedge scanner),
	// "serial" (a line per read), "osdp" (an OSDP card reader, palmd its
	// panel) or "wiegand" (a Wiegand card reader on two GPIO inputs).
	Scanner string `toml:"scanner"`
	// Device is the wedge's input device (a path under /dev/input, or the
	// name the kernel gives it) or the serial or OSDP port's path.
	Device  string `toml:"device"`
	Baud    int    `toml:"baud"`    // serial and OSDP; zero: DefaultBadgeBaud
	Address int    `toml:"address"` // the OSDP card reader's address, 0-126
	// D0 and D1 are the Wiegand card reader's data lines: GPIO line
	// names of their own, not the door port's (pins.wiegand_d0/d1 are
	// outputs to a panel).
	D0 string `toml:"d0"`
	D1 string `toml:"d1"`
}

// DefaultBadgeBaud is what serial scanners and OSDP card readers ship at.
const DefaultBadgeBaud = 9600

// Simulate configures the simulated hardware (backend "sim" only).
type Simulate struct {
	Control string `toml:"control"` // loopback address of the simulator's control endpoint; empty: none
	// PanelGrants lists the badges the simulated door panel grants, as
	// "FACILITY:CARD".
	PanelGrants []string `toml:"panel_grants"`
	// CameraUnplugged starts the simulated camera unplugged, as a reader
	// whose camera is missing or whose release cannot drive it (plugged
	// in from the control endpoint).
	CameraUnplugged bool `toml:"camera_unplugged"`
}

// Duration is a time.Duration written as a Go duration string ("20ms").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration (like \"20ms\"): %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid local configuration")

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("localconfig: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("localconfig: %s: %w", path, err)
	}
	return c, nil
}

// Parse decodes and validates a configuration.
func Parse(b []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("%w: unknown key %s", ErrInvalid, strings.Join(keys, ", "))
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
