package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/badge/osdpreader"
	"github.com/palmd/palmd/drivers/badge/wiegandreader"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/localconfig"
)

// TestBadgeSpec: -badge names a scanner and its device, or is refused
// saying what it wants, on a board's configuration.
func TestBadgeSpec(t *testing.T) {
	lines := &pins.Board{}
	for _, tc := range []struct {
		spec string
		want badge.Scanner
		err  string
	}{
		{"wedge:/dev/input/by-id/usb-RFIDeas-event-kbd", badge.Wedge{Device: "/dev/input/by-id/usb-RFIDeas-event-kbd"}, ""},
		{"wedge:RFIDeas USB Keyboard", badge.Wedge{Device: "RFIDeas USB Keyboard"}, ""},
		{"serial:/dev/ttyACM0", badge.Serial{Device: "/dev/ttyACM0", Baud: 9600}, ""},
		{"serial:/dev/ttyACM0@19200", badge.Serial{Device: "/dev/ttyACM0", Baud: 19200}, ""},
		{"osdp:/dev/ttyUSB1@38400#3", osdpreader.Reader{Device: "/dev/ttyUSB1", Baud: 38400, Address: 3}, ""},
		{"wiegand:GPIO12,GPIO13", wiegandreader.Reader{Board: lines, D0: "GPIO12", D1: "GPIO13"}, ""},
		{"wedge:", nil, "badge.device is required"},
		{"serial:ttyACM0", nil, "the port's path"},
		{"serial:/dev/ttyACM0@fast", nil, "positive number"},
		{"osdp:/dev/ttyUSB1#200", nil, "0-126"},
		{"wiegand:GPIO12", nil, "badge.d1 is required"},
		{"wiegand:GPIO12,GPIO23", nil, "already used by pins.relay"},
		{"sim:wedge", nil, "device.backend"},
		{"usb:/dev/x", nil, "want wedge:DEVICE"},
	} {
		cfg, err := localconfig.Load("../../configs/reader-wiegand.toml")
		if err != nil {
			t.Fatal(err)
		}
		var got badge.Scanner
		if err = badgeFlag(tc.spec, cfg); err == nil {
			got, err = badgeScanner(cfg.Badge, nil, lines, slog.New(slog.DiscardHandler))
		}
		if r, ok := got.(osdpreader.Reader); ok {
			r.Log = nil
			got = r
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) || tc.err == "" && (err != nil || got != tc.want) {
			t.Errorf("%q: %#v %v", tc.spec, got, err)
		}
	}
}

// TestDeskScanners: on the desk, a badge held to the simulated serial
// scanner, OSDP card reader or Wiegand card reader is scanned through
// the real backends; a card of another format is refused on the screen.
func TestDeskScanners(t *testing.T) {
	for _, kind := range []string{"serial", "osdp", "wiegand"} {
		t.Run(kind, func(t *testing.T) {
			dc := startDevcloud(t)
			var st struct{ SiteID string }
			dc.cli(&st, "site", "create", "HQ", "--line1", "1 Main St", "--city", "Springfield", "--country", "US")
			desk := api.DefaultConfig()
			desk.Mode = appliance.ModeEnrollment
			_, code := dc.instanceIn(t, st.SiteID, "Enrollment desk", desk)
			cfg, control := writeConfig(t, dc.serviceSection(""))
			p := startPalmd(t, cfg, control, "-badge", "sim:"+kind)
			p.activate(code)
			p.screen(appliance.ScreenEnrollStart)
			p.touch(appliance.ButtonStart)
			p.screen(appliance.ScreenEnrollBadge)
			if kind == "osdp" || kind == "wiegand" {
				p.post("/badge", "application/json", []byte(`{"text":"12:99999"}`)) // a 35-bit card
				st := p.waitState("the card refused", func(s appliance.Status) bool { return s.Screen.Cause == appliance.CauseBadgeUnreadable })
				if !strings.Contains(st.Screen.Reason, "35 bits") {
					t.Fatalf("refused as %q", st.Screen.Reason)
				}
			}
			p.post("/badge", "application/json", []byte(`{"text":"12:3456"}`))
			p.screen(appliance.ScreenEnrollScanned)
		})
	}
}
