package localconfig

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxDebounce bounds debounce times: a door contact that needs more than this
// is broken, and a longer delay would hide request-to-exit presses.
const maxDebounce = time.Second

func (c *Config) validate() error {
	checks := []func() error{
		c.validateDevice,
		c.validatePins,
		func() error { return oneOf("relay.lock", c.Relay.Lock, "fail-secure", "fail-safe") },
		func() error { return validateDebounce("gpi.debounce", c.GPI.Debounce) },
		func() error { return validateDebounce("tamper.debounce", c.Tamper.Debounce) },
		func() error { return oneOf("wiegand.led_grant_level", c.Wiegand.LEDGrantLevel, "low", "high") },
		func() error { return oneOf("wiegand.silence", c.Wiegand.Silence, "", "no-answer", "denied") },
		c.validateRS485,
		c.validateService,
		c.validateCamera,
		c.validateRecognition,
		c.validateBadge,
		c.validateFace,
		c.validateSimulate,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validateDevice() error {
	if c.Device.Name == "" {
		return invalid("device.name", "is required")
	}
	if err := oneOf("device.backend", string(c.Device.Backend), string(BackendReal), string(BackendSim)); err != nil {
		return err
	}
	if c.Device.StateDir == "" {
		return invalid("device.state_dir", "is required")
	}
	return oneOf("device.log_level", c.Device.LogLevel, "debug", "info", "warn", "error")
}

// validatePins requires every line and forbids two signals on one line.
func (c *Config) validatePins() error {
	return distinctLines(c.pinLines(), "is required")
}

// namedLine is a GPIO line and the key that names it.
type namedLine struct{ key, name string }

// pinLines are the terminal block's lines.
func (c *Config) pinLines() []namedLine {
	p := c.Pins
	return []namedLine{
		{"pins.relay", p.Relay}, {"pins.gpo", p.GPO}, {"pins.gpi", p.GPI},
		{"pins.tamper", p.Tamper}, {"pins.wiegand_d0", p.WiegandD0},
		{"pins.wiegand_d1", p.WiegandD1}, {"pins.wiegand_led", p.WiegandLED},
	}
}

// distinctLines requires every line named (missing says why otherwise)
// and no line twice.
func distinctLines(lines []namedLine, missing string) error {
	seen := map[string]string{}
	for _, n := range lines {
		if n.name == "" {
			return invalid(n.key, missing)
		}
		if other, dup := seen[n.name]; dup {
			return invalid(n.key, fmt.Sprintf("line %q is already used by %s", n.name, other))
		}
		seen[n.name] = n.key
	}
	return nil
}

func (c *Config) validateRS485() error {
	r := c.RS485
	switch {
	case r.Device == "":
		if r.Direction != "" || r.DEPin != "" {
			return invalid("rs485.device", "is required when the [rs485] section is present")
		}
		return nil
	case r.Device == "sim" && c.Device.Backend != BackendSim:
		return invalid("rs485.device", `"sim" is only allowed with device.backend = "sim"`)
	}
	if err := oneOf("rs485.direction", r.Direction, "auto", "kernel", "gpio"); err != nil {
		return err
	}
	if (r.Direction == "gpio") != (r.DEPin != "") {
		return invalid("rs485.de_pin", `is required with direction = "gpio" and only then`)
	}
	p := c.Pins
	for _, used := range []string{p.Relay, p.GPO, p.GPI, p.Tamper, p.WiegandD0, p.WiegandD1, p.WiegandLED} {
		if r.DEPin != "" && r.DEPin == used {
			return invalid("rs485.de_pin", fmt.Sprintf("line %q is already used in [pins]", used))
		}
	}
	return nil
}

func (c *Config) validateService() error {
	s := c.Service
	if s == (Service{}) {
		return nil
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return invalid("service.url", "must be an https URL: the reader never speaks plain HTTP")
	}
	if s.TrustAnchor == "" {
		return invalid("service.trust_anchor", "is required with service.url")
	}
	if s.ActivationKey == "" {
		return invalid("service.activation_key", "is required with service.url")
	}
	if s.InstallTo != "" && s.ReleaseKey == "" {
		return invalid("service.install_to", "needs service.release_key: only signed releases are installed")
	}
	return c.validateSlots()
}

// maxConfirmAfter bounds the trial: a release that needs longer to show
// it works leaves the reader unconfirmed (and its health CRITICAL) too
// long.
const maxConfirmAfter = time.Hour

func (c *Config) validateSlots() error {
	s := &c.Service
	d := s.ConfirmAfter.Duration
	switch {
	case s.Slots == "" && d != 0:
		return invalid("service.confirm_after", "needs service.slots: only a release in a slot is confirmed")
	case s.Slots == "" && s.TrialLimit.Duration != 0:
		return invalid("service.trial_limit", "needs service.slots: only a release in a slot is on trial")
	case s.Slots == "":
		return nil
	case s.ReleaseKey == "":
		return invalid("service.slots", "needs service.release_key: only signed releases are installed")
	case s.InstallTo != "":
		return invalid("service.install_to", "cannot be set with service.slots: a release goes into the inactive slot")
	case d != 0 && (d < time.Second || d > maxConfirmAfter):
		return invalid("service.confirm_after", fmt.Sprintf("must be between 1s and %v, got %v", maxConfirmAfter, d))
	case d == 0:
		s.ConfirmAfter.Duration = DefaultConfirmAfter
	}
	if l := s.TrialLimit.Duration; l != 0 && (l < 2*s.ConfirmAfter.Duration || l > 4*maxConfirmAfter) {
		return invalid("service.trial_limit", fmt.Sprintf("must be between twice confirm_after (%v) and %v, got %v",
			2*s.ConfirmAfter.Duration, 4*maxConfirmAfter, l))
	}
	return nil
}

func (c *Config) validateCamera() error {
	k := c.Camera
	switch {
	case k == (Camera{}):
		return nil
	case k.Device == "":
		return invalid("camera.device", "is required in a [camera] section")
	case c.Device.Backend == BackendSim:
		return invalid("camera.device", `is not used with device.backend = "sim": the simulator has its own camera`)
	case k.Width < 0 || k.Height < 0 || k.FPS < 0 || k.Exposure < 0:
		return invalid("camera", "sizes, rate and exposure cannot be negative")
	case k.Format != "" && !isFourCC(k.Format):
		return invalid("camera.format", fmt.Sprintf("%q: want a four-character pixel format such as \"GREY\" or \"MJPG\"", k.Format))
	}
	return nil
}

func isFourCC(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, r := range s {
		if r < ' ' || r > '~' {
			return false
		}
	}
	return true
}

// validateRecognition bounds the rates: above 1e-3 a stranger would be let
// in about every thousand presentations.
func (c *Config) validateRecognition() error {
	r := c.Recognition
	switch {
	case r.FalsePositiveRate != 0 && r.FalseMatchRate != 0:
		return invalid("recognition", "set false_positive_rate or false_match_rate, not both")
	case r.FalsePositiveRate < 0 || r.FalsePositiveRate > 1e-3:
		return invalid("recognition.false_positive_rate", "must be between 0 (the default, 1e-5) and 1e-3")
	case r.FalseMatchRate < 0 || r.FalseMatchRate > 1e-3:
		return invalid("recognition.false_match_rate", "must be between 0 (unset) and 1e-3")
	}
	return nil
}

// ParseGrant reads a "FACILITY:CARD" badge of simulate.panel_grants.
func ParseGrant(s string) (facility, card uint64, err error) {
	f, c, ok := strings.Cut(s, ":")
	if ok {
		facility, err = strconv.ParseUint(f, 10, 64)
	}
	if ok && err == nil {
		card, err = strconv.ParseUint(c, 10, 64)
	}
	if !ok || err != nil {
		return 0, 0, invalid("simulate.panel_grants", fmt.Sprintf("%q: want FACILITY:CARD, e.g. \"12:3456\"", s))
	}
	return facility, card, nil
}

// validateFace checks the page, the ring and the speaker, and fills
// their defaults.
func (c *Config) validateFace() error {
	u, r := &c.UI, &c.LightRing
	if err := loopback("ui.address", u.Address, "the page obeys touches from whoever reaches it"); err != nil {
		return err
	}
	switch d := u.ResultTime.Duration; {
	case d == 0:
		u.ResultTime.Duration = DefaultResultTime
	case d < 500*time.Millisecond || d > 30*time.Second:
		return invalid("ui.result_time", fmt.Sprintf("must be between 500ms and 30s, got %v", d))
	}
	switch {
	case r.LEDs < 0 || r.LEDs > maxLEDs:
		return invalid("lightring.leds", fmt.Sprintf("must be between 1 and %d, got %d", maxLEDs, r.LEDs))
	case r.LEDs == 0:
		r.LEDs = DefaultLEDs
	}
	if c.Device.Backend != BackendSim {
		return nil
	}
	const why = "is for real hardware: the simulation records the ring and the sounds"
	switch {
	case r.SPI != "":
		return invalid("lightring.spi", why)
	case c.Speaker.Device != "":
		return invalid("speaker.device", why)
	}
	return nil
}

// maxLEDs bounds a ring: a frame of 512 LEDs over SPI already takes 12 ms.
const maxLEDs = 512

// loopback checks that addr, when set, is a loopback host and port.
func loopback(key, addr, why string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return invalid(key, err.Error())
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return invalid(key, "must be a loopback address: "+why)
	}
	return nil
}

func (c *Config) validateSimulate() error {
	for _, g := range c.Simulate.PanelGrants {
		if _, _, err := ParseGrant(g); err != nil {
			return err
		}
	}
	if c.Simulate.CameraUnplugged && c.Device.Backend != BackendSim {
		return invalid("simulate.camera_unplugged", "is only allowed with device.backend = \"sim\"")
	}
	addr := c.Simulate.Control
	if addr == "" {
		return nil
	}
	if c.Device.Backend != BackendSim {
		return invalid("simulate.control", "is only allowed with device.backend = \"sim\"")
	}
	return loopback("simulate.control", addr, "the simulator obeys anyone who reaches it")
}

func validateDebounce(key string, d Duration) error {
	if d.Duration <= 0 || d.Duration > maxDebounce {
		return invalid(key, fmt.Sprintf("must be between 1ns and %v, got %v", maxDebounce, d.Duration))
	}
	return nil
}

func oneOf(key, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalid(key, fmt.Sprintf("must be one of %q, got %q", allowed, v))
}

func invalid(key, why string) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, key, why)
}

// validateBadge checks the desk's scanner has what its kind needs, and
// fills the default speed.
func (c *Config) validateBadge() error {
	b := &c.Badge
	if err := oneOf("badge.scanner", b.Scanner, "", "wedge", "serial", "osdp", "wiegand"); err != nil {
		return err
	}
	if c.Device.Backend == BackendSim || b.Scanner == "" {
		return nil // a simulator, or no scanner: nothing to wire
	}
	switch {
	case b.Baud < 0:
		return invalid("badge.baud", fmt.Sprintf("must be positive, got %d", b.Baud))
	case b.Address < 0 || b.Address > 126:
		return invalid("badge.address", fmt.Sprintf("must be 0-126, got %d", b.Address))
	case b.Baud == 0:
		b.Baud = DefaultBadgeBaud
	}
	switch b.Scanner {
	case "wedge":
		if b.Device == "" {
			return invalid("badge.device", "is required: the scanner's input device, by path or name")
		}
	case "serial", "osdp":
		if !strings.HasPrefix(b.Device, "/") {
			return invalid("badge.device", fmt.Sprintf("must be the port's path, got %q", b.Device))
		}
	case "wiegand":
		return c.validateBadgeLines()
	}
	return nil
}

// validateBadgeLines: the card reader's lines are inputs of their own.
func (c *Config) validateBadgeLines() error {
	b := c.Badge
	return distinctLines(append(c.pinLines(), namedLine{"badge.d0", b.D0}, namedLine{"badge.d1", b.D1}),
		"is required for a Wiegand card reader")
}

// Validate checks a configuration changed after Parse (palmd's flags
// that replace a section) as Parse checked the file.
func (c *Config) Validate() error { return c.validate() }
