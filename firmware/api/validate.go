package api

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/palmd/palmd/wiegand"
)

// ErrInvalidConfig is wrapped by every validation error.
var ErrInvalidConfig = errors.New("invalid configuration")

var (
	osdpBauds = []int{9600, 19200, 38400, 57600, 115200}
	languages = []string{"en", "de", "fr", "es", "it", "nl", "pt", "ja"}
)

// Validate checks everything a reader needs to run c. A configuration that
// fails is refused whole and the running one stays.
func (c *Config) Validate() error {
	checks := []func() error{c.validateMode, c.validatePanel, c.validateBadge, c.validateRelay, c.validateMisc, c.validateEnrollment}
	for _, check := range checks {
		if err := check(); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (c *Config) validateMode() error {
	if c.Version <= 0 {
		return fmt.Errorf("version %d: must be positive", c.Version)
	}
	if c.Mode != "entry" && c.Mode != "enrollment" {
		return fmt.Errorf("mode %q: want entry or enrollment", c.Mode)
	}
	return nil
}

func (c *Config) validatePanel() error {
	p := c.Panel
	switch p.Protocol {
	case "osdp":
		if p.Address < 0 || p.Address > 126 {
			return fmt.Errorf("panel.osdp_address %d: want 0..126", p.Address)
		}
		if !slices.Contains(osdpBauds, p.Baud) {
			return fmt.Errorf("panel.osdp_baud %d: want one of %v", p.Baud, osdpBauds)
		}
	case "wiegand":
		if p.PulseUS < 20 || p.PulseUS > 100 {
			return fmt.Errorf("panel.wiegand_pulse_us %d: want 20..100", p.PulseUS)
		}
		if p.GapUS < 200 || p.GapUS > 20000 {
			return fmt.Errorf("panel.wiegand_interval_us %d: want 200..20000", p.GapUS)
		}
	default:
		return fmt.Errorf("panel.protocol %q: want osdp or wiegand", p.Protocol)
	}
	return nil
}

// BadgeFormat returns the configured Wiegand format.
func (c *Config) BadgeFormat() (*wiegand.Format, error) {
	if c.Badge.Format != "custom" {
		return wiegand.Lookup(c.Badge.Format)
	}
	l, err := wiegand.ParseLayout(c.Badge.Layout)
	if err != nil {
		return nil, err
	}
	return wiegand.NewFormat("custom", l)
}

func (c *Config) validateBadge() error {
	if _, err := c.BadgeFormat(); err != nil {
		return fmt.Errorf("badge: %v", err)
	}
	return nil
}

func (c *Config) validateRelay() error {
	r := c.Relay
	switch r.Follow {
	case "panel":
	case "grant":
		if r.Unlock.Duration < 100*time.Millisecond || r.Unlock.Duration > time.Minute {
			return fmt.Errorf("relay.unlock %v: want 100ms..1m", r.Unlock.Duration)
		}
	default:
		return fmt.Errorf("relay.follow %q: want panel or grant", r.Follow)
	}
	if r.GPOFunc != "panel" && r.GPOFunc != "grant" && r.GPOFunc != "off" {
		return fmt.Errorf("relay.gpo %q: want panel, grant or off", r.GPOFunc)
	}
	return nil
}

func (c *Config) validateMisc() error {
	if c.Decision.Duration < time.Second || c.Decision.Duration > time.Minute {
		return fmt.Errorf("decision_timeout %v: want 1s..1m", c.Decision.Duration)
	}
	if !slices.Contains(languages, c.Language) {
		return fmt.Errorf("language %q: want one of %v", c.Language, languages)
	}
	if c.WiFi != nil && (c.WiFi.SSID == "" || len(c.WiFi.SSID) > 32 || len(c.WiFi.Passphrase) > 63) {
		return errors.New("wifi: SSID of 1..32 bytes and a passphrase of at most 63")
	}
	return nil
}

// DefaultConfig is what a new device instance gets from a template that
// says nothing else: entry over OSDP at address 0, 9600 baud, H10301.
func DefaultConfig() Config {
	return Config{
		Version: 1, Mode: "entry",
		Panel:    PanelConfig{Protocol: "osdp", Address: 0, Baud: 9600, Secure: true, PulseUS: 50, GapUS: 2000},
		Badge:    BadgeConfig{Format: "h10301"},
		Relay:    RelayConfig{Follow: "panel", Unlock: Duration{3 * time.Second}, GPOFunc: "off"},
		Decision: Duration{5 * time.Second}, Language: "en",
	}
}

// Enrollment's defaults and limits.
const (
	DefaultCaptures    = 3
	DefaultMaxAttempts = 300
	DefaultStepTimeout = time.Minute
)

func (c *Config) validateEnrollment() error {
	e := c.Enrollment
	switch e.Hands {
	case "", HandRight, HandLeft, HandsBoth:
	default:
		return fmt.Errorf("enrollment.hands %q: want right, left or both", e.Hands)
	}
	if e.Captures != 0 && (e.Captures < 1 || e.Captures > 10) {
		return fmt.Errorf("enrollment.captures %d: want 1..10", e.Captures)
	}
	if e.MaxAttempts != 0 && (e.MaxAttempts < 10 || e.MaxAttempts > 3000) {
		return fmt.Errorf("enrollment.max_attempts %d: want 10..3000", e.MaxAttempts)
	}
	if t := e.StepTimeout.Duration; t != 0 && (t < 10*time.Second || t > 10*time.Minute) {
		return fmt.Errorf("enrollment.step_timeout %v: want 10s..10m", t)
	}
	return nil
}

// HandList is the hands an enrollment captures, in order.
func (e EnrollmentConfig) HandList() []string {
	switch e.Hands {
	case HandRight, HandLeft:
		return []string{e.Hands}
	}
	return []string{HandRight, HandLeft}
}

// EnrollmentRules is the enrollment configuration with every default
// filled in.
func (c *Config) EnrollmentRules() EnrollmentConfig {
	e := c.Enrollment
	if e.Hands == "" {
		e.Hands = HandsBoth
	}
	if e.Captures == 0 {
		e.Captures = DefaultCaptures
	}
	if e.MaxAttempts == 0 {
		e.MaxAttempts = DefaultMaxAttempts
	}
	if e.StepTimeout.Duration == 0 {
		e.StepTimeout.Duration = DefaultStepTimeout
	}
	return e
}
