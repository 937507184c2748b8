package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	good := DefaultConfig()
	if err := good.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	for _, tc := range []struct {
		name string
		mut  func(*Config)
		key  string
	}{
		{"mode", func(c *Config) { c.Mode = "exit" }, "mode"},
		{"version", func(c *Config) { c.Version = 0 }, "version"},
		{"protocol", func(c *Config) { c.Panel.Protocol = "rs232" }, "panel.protocol"},
		{"address", func(c *Config) { c.Panel.Address = 127 }, "osdp_address"},
		{"baud", func(c *Config) { c.Panel.Baud = 4800 }, "osdp_baud"},
		{"pulse", func(c *Config) { c.Panel.Protocol, c.Panel.PulseUS = "wiegand", 500 }, "wiegand_pulse_us"},
		{"format", func(c *Config) { c.Badge.Format = "h99999" }, "badge"},
		{"custom layout", func(c *Config) { c.Badge = BadgeConfig{Format: "custom", Layout: "bits=3"} }, "badge"},
		{"relay", func(c *Config) { c.Relay.Follow = "always" }, "relay.follow"},
		{"unlock", func(c *Config) { c.Relay.Follow, c.Relay.Unlock = "grant", Duration{time.Hour} }, "relay.unlock"},
		{"timeout", func(c *Config) { c.Decision = Duration{0} }, "decision_timeout"},
		{"language", func(c *Config) { c.Language = "tlh" }, "language"},
		{"hands", func(c *Config) { c.Enrollment.Hands = "all" }, "enrollment.hands"},
		{"captures", func(c *Config) { c.Enrollment.Captures = 11 }, "enrollment.captures"},
		{"attempts", func(c *Config) { c.Enrollment.MaxAttempts = 5 }, "enrollment.max_attempts"},
		{"step timeout", func(c *Config) { c.Enrollment.StepTimeout = Duration{time.Second} }, "enrollment.step_timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mut(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err %v, want one naming %s", err, tc.key)
			}
		})
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	c := DefaultConfig()
	c.Badge = BadgeConfig{Format: "custom", Layout: "bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24"}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back != c {
		t.Fatalf("round trip changed the config:\n%+v\n%+v", back, c)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
}

// FuzzConfig: any bytes from the service either fail to decode, fail
// validation with ErrInvalidConfig, or make a configuration whose badge
// format can be built.
func FuzzConfig(f *testing.F) {
	good, _ := json.Marshal(DefaultConfig())
	f.Add(good)
	f.Add([]byte(`{"version":2,"mode":"entry","panel":{"protocol":"wiegand","wiegand_pulse_us":50,"wiegand_interval_us":2000},"badge":{"format":"custom","layout":"bits=26 facility=1:8 card=9:16 even@0=1-12 odd@25=13-24"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Config
		if json.Unmarshal(b, &c) != nil {
			return
		}
		err := c.Validate()
		if err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("validation error not wrapped: %v", err)
		}
		if err == nil {
			if _, ferr := c.BadgeFormat(); ferr != nil {
				t.Fatalf("valid configuration without a badge format: %v", ferr)
			}
		}
	})
}

// TestEnrollmentDefaults: a configuration that says nothing of enrollment
// gets both hands, three captures, 300 attempts and a minute per step;
// what it says is kept.
func TestEnrollmentDefaults(t *testing.T) {
	c := DefaultConfig()
	e := c.EnrollmentRules()
	if e.Hands != HandsBoth || e.Captures != 3 || e.MaxAttempts != 300 || e.StepTimeout.Duration != time.Minute {
		t.Fatalf("defaults: %+v", e)
	}
	if h := e.HandList(); len(h) != 2 || h[0] != HandRight || h[1] != HandLeft {
		t.Fatalf("both hands: %v", h)
	}
	c.Enrollment = EnrollmentConfig{Hands: HandLeft, Captures: 5, MaxAttempts: 40, StepTimeout: Duration{20 * time.Second}}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if e := c.EnrollmentRules(); e != c.Enrollment || len(e.HandList()) != 1 || e.HandList()[0] != HandLeft {
		t.Fatalf("configured: %+v", e)
	}
	b, _ := json.Marshal(DefaultConfig())
	if strings.Contains(string(b), "enrollment") {
		t.Fatalf("an entry configuration carries an enrollment block: %s", b)
	}
}
