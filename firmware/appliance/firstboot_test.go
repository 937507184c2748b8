package appliance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/drivers/network"
	actcode "github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

var inRange = []network.Network{{SSID: "Office", Signal: 80, Secured: true}, {SSID: "Guest", Signal: 40}}

// firstBoot is a new reader with an uplink port at a first-boot step.
func firstBoot(step SetupStep) State {
	s := State{Phase: PhaseSetup, caps: Caps{Uplink: true}}
	s.Setup.Step = step
	switch step {
	case SetupWiFiList, SetupPassword:
		s.Setup.WiFi, s.Setup.Networks = true, inRange
	case SetupScanning, SetupConnecting:
		s.Setup.Until = t0.Add(time.Second)
	}
	if step == SetupPassword {
		s.Setup.SSID = "Office"
	}
	return s
}

func TestFirstBootSteps(t *testing.T) {
	failedWiFi := firstBoot(SetupFailed)
	failedWiFi.Setup.WiFi = true
	deactivated := State{Phase: PhaseDeactivated, caps: Caps{Uplink: true}}
	tests := []struct {
		name    string
		state   State
		event   Event
		at      time.Time
		screen  string
		effects []Effect
		check   func(State) bool
	}{
		{name: "a tap asks how to connect", state: firstBoot(SetupWelcome), event: Touched{Button: ButtonStart}, screen: ScreenChooseNetwork},
		{name: "a deactivated reader is set up again", state: deactivated, event: Touched{Button: ButtonStart}, screen: ScreenChooseNetwork},
		{name: "Ethernet joins the cable", state: firstBoot(SetupChoose), event: Touched{Button: ButtonEthernet},
			screen: ScreenConnecting, effects: []Effect{Join{}}, check: func(s State) bool { return s.Setup.Until.Equal(t0.Add(joinTimeout)) }},
		{name: "Wi-Fi looks for networks", state: firstBoot(SetupChoose), event: Touched{Button: ButtonWiFi},
			screen: ScreenWiFiScanning, effects: []Effect{ScanWiFi{}}},
		{name: "the scan lists the networks", state: firstBoot(SetupScanning), event: WiFiScanned{Networks: inRange},
			screen: ScreenWiFiList, check: func(s State) bool { return slices.Equal(screenOf(s).Networks, inRange) }},
		{name: "a failed scan says so", state: firstBoot(SetupScanning), event: WiFiScanned{Err: errors.New("radio off")},
			screen: ScreenNotConnected, check: func(s State) bool { return screenOf(s).Cause == CauseScanFailed && s.Setup.WiFi }},
		{name: "a scan past its deadline has failed", state: firstBoot(SetupScanning), event: Timer{}, at: t0.Add(time.Second),
			screen: ScreenNotConnected, effects: []Effect{Play{Sound: SoundError}}, check: func(s State) bool { return s.Setup.Cause == CauseTimeout }},
		{name: "a timer before the deadline does nothing", state: firstBoot(SetupConnecting), event: Timer{}, at: t0.Add(time.Millisecond), screen: ScreenConnecting},
		{name: "a secured network asks for its passphrase", state: firstBoot(SetupWiFiList), event: Touched{Button: ButtonNetwork, Value: "Office"},
			screen: ScreenWiFiPassword, check: func(s State) bool { return screenOf(s).SSID == "Office" }},
		{name: "an open network joins at once", state: firstBoot(SetupWiFiList), event: Touched{Button: ButtonNetwork, Value: "Guest"},
			screen: ScreenConnecting, effects: []Effect{Join{WiFi: &network.WiFi{SSID: "Guest"}}}},
		{name: "a network no longer listed is ignored", state: firstBoot(SetupWiFiList), event: Touched{Button: ButtonNetwork, Value: "Gone"}, screen: ScreenWiFiList},
		{name: "rescan", state: firstBoot(SetupWiFiList), event: Touched{Button: ButtonRescan}, screen: ScreenWiFiScanning, effects: []Effect{ScanWiFi{}}},
		{name: "the passphrase goes to the join and is not kept", state: firstBoot(SetupPassword), event: Touched{Button: ButtonJoin, Value: "correct horse"},
			screen:  ScreenConnecting,
			effects: []Effect{Join{WiFi: &network.WiFi{SSID: "Office", Passphrase: "correct horse"}}},
			check:   func(s State) bool { return !strings.Contains(fmt.Sprintf("%+v", s), "correct horse") }},
		{name: "back from the keyboard to the list", state: firstBoot(SetupPassword), event: Touched{Button: ButtonBack}, screen: ScreenWiFiList},
		{name: "back from the list to the choice", state: firstBoot(SetupWiFiList), event: Touched{Button: ButtonBack}, screen: ScreenChooseNetwork},
		{name: "back from the choice to the start", state: firstBoot(SetupChoose), event: Touched{Button: ButtonBack}, screen: ScreenSetup},
		{name: "no way back while joining", state: firstBoot(SetupConnecting), event: Touched{Button: ButtonBack}, screen: ScreenConnecting},
		{name: "connected", state: firstBoot(SetupConnecting), event: Joined{}, screen: ScreenConnected},
		{name: "a wrong passphrase says so", state: firstBoot(SetupConnecting), event: Joined{Err: fmt.Errorf("join: %w", network.ErrRefused)},
			screen: ScreenNotConnected, effects: []Effect{Play{Sound: SoundError}},
			check: func(s State) bool {
				sc := screenOf(s)
				return sc.Cause == CauseWrongPassphrase && strings.Contains(sc.Reason, "passphrase")
			}},
		{name: "no cable says so", state: firstBoot(SetupConnecting), event: Joined{Err: network.ErrNoCable},
			screen: ScreenNotConnected, effects: []Effect{Play{Sound: SoundError}}, check: func(s State) bool { return s.Setup.Cause == CauseNoCable }},
		{name: "a join that answers after its deadline changes nothing", state: func() State {
			s, _ := step(firstBoot(SetupConnecting), Timer{}, t0.Add(time.Second))
			return s
		}(), event: Joined{}, screen: ScreenNotConnected},
		{name: "retry on Wi-Fi scans again", state: failedWiFi, event: Touched{Button: ButtonRetry}, screen: ScreenWiFiScanning, effects: []Effect{ScanWiFi{}}},
		{name: "retry on Ethernet joins again", state: firstBoot(SetupFailed), event: Touched{Button: ButtonRetry}, screen: ScreenConnecting, effects: []Effect{Join{}}},
		{name: "OK: scan the QR code", state: firstBoot(SetupConnected), event: Touched{Button: ButtonOK}, screen: ScreenScanCode,
			check: func(s State) bool { return s.Phase == PhaseScanning && s.Setup.Step == SetupWelcome }},
		{name: "a first-boot button on an active reader does nothing", state: active(entryConfig("panel")), event: Touched{Button: ButtonEthernet}, screen: ScreenIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = t0
			}
			s, effects := step(tt.state, tt.event, at)
			if got := screenOf(s).Name; got != tt.screen {
				t.Errorf("screen %q, want %q", got, tt.screen)
			}
			if !sameEffects(effects, tt.effects) {
				t.Errorf("effects %#v, want %#v", effects, tt.effects)
			}
			if tt.check != nil && !tt.check(s) {
				t.Errorf("state after: %+v", s)
			}
		})
	}
}

func TestCodeCauses(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("verify: %w", actcode.ErrGarbled), CauseCodeGarbled},
		{actcode.ErrForged, CauseCodeForged},
		{actcode.ErrExpired, CauseCodeExpired},
		{fmt.Errorf("%w: https://elsewhere", cloud.ErrOtherService), CauseOtherService},
		{&cloud.StatusError{Status: 409, Body: api.Error{Code: "code_used"}}, CauseCodeUsed},
		{&cloud.StatusError{Status: 403, Body: api.Error{Code: "forbidden"}}, CauseCodeUnknown},
		{&cloud.StatusError{Status: 503}, CauseServiceDown},
		{errors.New("dial tcp: connection refused"), CauseServiceDown},
	} {
		if got := codeCause(tc.err); got != tc.want {
			t.Errorf("%v: cause %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestLights(t *testing.T) {
	granted := deciding(entryConfig("panel"))
	granted, _ = step(granted, Decided{}, t0)
	tampered := active(entryConfig("panel"))
	tampered.Tamper = true
	for _, tc := range []struct {
		name  string
		state State
		want  Light
	}{
		{"first boot", firstBoot(SetupWelcome), LightIdle},
		{"joining", firstBoot(SetupConnecting), LightScanning},
		{"entry idle", active(entryConfig("panel")), LightIdle},
		{"deciding", deciding(entryConfig("panel")), LightScanning},
		{"denied", granted, LightDenied},
		{"tamper over entry", tampered, LightTamper},
		{"no configuration", State{Phase: PhaseActive}, LightError},
	} {
		if got := lightOf(screenOf(tc.state)); got != tc.want {
			t.Errorf("%s: light %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestFirstBoot: the whole first boot through the runtime: the screens in
// the guide's order, the passphrase handed to the uplink, the light ring
// following the screens; a join that never completes fails at its
// deadline and says so.
func TestFirstBoot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		up := &fakeUplink{networks: inRange}
		fb := &feedback{}
		cfg := w.config(Caps{RS485: true})
		cfg.Uplink, cfg.Lights, cfg.Speaker = up, fb, fb
		a, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _, _ = a.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		<-a.Ready()
		touch := func(button, value, want string) {
			t.Helper()
			if err := a.Post(ctx, Touched{Button: button, Value: value}); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if got := w.screen(); got != want {
				t.Fatalf("after %s: screen %q, want %q", button, got, want)
			}
		}
		touch(ButtonStart, "", ScreenChooseNetwork)
		touch(ButtonWiFi, "", ScreenWiFiList)
		touch(ButtonNetwork, "Office", ScreenWiFiPassword)
		touch(ButtonJoin, "correct horse", ScreenConnected)
		if j := up.joined(); len(j) != 1 || *j[0] != (network.WiFi{SSID: "Office", Passphrase: "correct horse"}) {
			t.Fatalf("joins %+v", j)
		}
		if fb.light() != LightGranted {
			t.Fatalf("light %q when connected", fb.light())
		}
		touch(ButtonOK, "", ScreenScanCode)

		// A deactivated reader starts over; this time the join hangs.
		up.mu.Lock()
		up.hang = true
		up.mu.Unlock()
		if err := a.Post(ctx, SyncEnded{Deactivated: true}); err != nil {
			t.Fatal(err)
		}
		touch(ButtonStart, "", ScreenChooseNetwork)
		touch(ButtonEthernet, "", ScreenConnecting)
		time.Sleep(joinTimeout)
		synctest.Wait()
		if w.screen() != ScreenNotConnected || fb.light() != LightError || !slices.Equal(fb.played(), []Sound{SoundError}) {
			t.Fatalf("a join past its deadline: screen %q, light %q, sounds %v", w.screen(), fb.light(), fb.played())
		}
	})
}
