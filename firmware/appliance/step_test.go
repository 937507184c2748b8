package appliance

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

var t0 = time.Date(2026, 12, 2, 1, 2, 3, 0, time.UTC)

// entryConfig is the default configuration over OSDP with relay follow
// set as asked.
func entryConfig(follow string) api.Config {
	c := api.DefaultConfig()
	c.Relay.Follow = follow
	return c
}

func wiegandConfig() api.Config {
	c := api.DefaultConfig()
	c.Panel.Protocol, c.Relay.Follow = "wiegand", "grant"
	return c
}

func active(c api.Config) State {
	return State{Phase: PhaseActive, Config: &c, Camera: true, caps: Caps{RS485: true, Camera: true}}
}

func deciding(c api.Config) State {
	s := active(c)
	s.Entry = Entry{Step: StepDeciding, Profile: "p1", Badge: "12:3456", At: t0, Until: t0.Add(c.Decision.Duration)}
	return s
}

func matched(badge string) Seen {
	return Seen{vision.Identified{Result: gallery.Result{ID: "p1", Badge: badge, Matched: true}}}
}

func TestStep(t *testing.T) {
	reply := make(chan error, 1)
	refusedCode := State{Phase: PhaseScanning, caps: Caps{RS485: true}}
	refusedCode.Code.Payload, refusedCode.Code.Reason, refusedCode.Code.At = "CODE", "expired", t0
	tests := []struct {
		name    string
		state   State
		event   Event
		at      time.Time
		check   func(State) bool
		effects []Effect
	}{
		{
			name: "without an uplink port a tap goes to the code", state: State{Phase: PhaseSetup}, event: Touched{Button: ButtonStart},
			check: func(s State) bool { return s.Phase == PhaseScanning },
		},
		{
			name: "a code starts an activation", state: State{Phase: PhaseScanning}, event: Seen{vision.CodeRead{Payload: "CODE"}},
			check:   func(s State) bool { return s.Phase == PhaseActivating },
			effects: []Effect{Activate{Payload: "CODE"}},
		},
		{
			name: "an unreadable code in view is said on the scan screen", state: State{Phase: PhaseScanning}, event: Seen{vision.CodeUnreadable{InView: true}},
			check: func(s State) bool {
				sc := screenOf(s)
				return sc.Name == ScreenScanCode && sc.Cause == CauseCodeUnreadable
			},
		},
		{
			name: "an unreadable code means nothing once active", state: State{Phase: PhaseActive}, event: Seen{vision.CodeUnreadable{InView: true}},
			check: func(s State) bool { return !s.Code.Unreadable },
		},
		{
			name: "a refused code in view is left alone", state: refusedCode, event: Seen{vision.CodeRead{Payload: "CODE"}}, at: t0.Add(time.Second),
			check: func(s State) bool { return s.Phase == PhaseScanning },
		},
		{
			name: "another code is tried at once", state: refusedCode, event: Seen{vision.CodeRead{Payload: "OTHER"}}, at: t0.Add(time.Second),
			check: func(s State) bool { return s.Phase == PhaseActivating }, effects: []Effect{Activate{Payload: "OTHER"}},
		},
		{
			name: "the refused code is tried again after the pause", state: refusedCode, event: Seen{vision.CodeRead{Payload: "CODE"}}, at: t0.Add(retryRefused),
			check: func(s State) bool { return s.Phase == PhaseActivating }, effects: []Effect{Activate{Payload: "CODE"}},
		},
		{
			name: "a refusal says why", state: State{Phase: PhaseActivating},
			event: Activation{Payload: "CODE", Err: &cloud.StatusError{Status: 409, Body: api.Error{Code: "code_used", Message: "code used"}}},
			check: func(s State) bool {
				sc := screenOf(s)
				return s.Phase == PhaseScanning && sc.Name == ScreenCodeRefused && sc.Cause == CauseCodeUsed && strings.Contains(sc.Reason, "code used")
			},
			effects: []Effect{Play{Sound: SoundError}},
		},
		{
			name: "activated: the configuration runs and the sync starts", state: State{Phase: PhaseActivating, caps: Caps{RS485: true}},
			event:   Activation{Config: entryConfig("panel")},
			check:   func(s State) bool { return s.Phase == PhaseActive && screenOf(s).Name == ScreenActivated },
			effects: []Effect{ApplyConfig{Config: entryConfig("panel"), Save: true}, StartSync{}, Play{Sound: SoundGranted}},
		},
		{
			name: "a match sends the badge", state: active(entryConfig("panel")), event: matched("12:3456"),
			check:   func(s State) bool { return s.Entry.Step == StepDeciding && s.Entry.Until.Equal(t0.Add(5*time.Second)) },
			effects: []Effect{SendBadge{Badge: wiegand.Badge{Facility: 12, Card: 3456}}},
		},
		{
			name: "no match: not recognised, nothing sent", state: active(entryConfig("panel")),
			event:   Seen{vision.Identified{Result: gallery.Result{Matched: false}}},
			check:   func(s State) bool { return s.Entry.Outcome == OutcomeNotRecognised },
			effects: []Effect{Record{Type: api.EventNotRecognized, At: t0, Data: api.Recognition{Reason: "no enrolled palm matched"}}, Play{Sound: SoundDenied}},
		},
		{
			name: "one decision at a time", state: deciding(entryConfig("panel")), event: matched("12:7"),
			check: func(s State) bool { return s.Entry.Badge == "12:3456" },
		},
		{
			name: "granted over OSDP: recorded with the panel's answer, the panel drives the relay", state: deciding(entryConfig("panel")),
			event: Decided{panel.Decision{Granted: true}}, at: t0.Add(time.Second),
			check:   func(s State) bool { return s.Entry.Outcome == OutcomeGranted && screenOf(s).Name == ScreenGranted },
			effects: []Effect{Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Decision: api.DecisionGranted}}, Play{Sound: SoundGranted}},
		},
		{
			name: "granted with relay follow grant: the relay pulses", state: deciding(wiegandConfig()),
			event: Decided{panel.Decision{Granted: true}}, at: t0.Add(time.Second),
			check: func(s State) bool { return s.Entry.Outcome == OutcomeGranted },
			effects: []Effect{
				Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Decision: api.DecisionGranted}},
				Play{Sound: SoundGranted},
				Pulse{Output: 0, For: 3 * time.Second},
			},
		},
		{
			name: "denied: nothing unlocked, the reason kept", state: deciding(wiegandConfig()),
			event: Decided{panel.Decision{Granted: false, Reason: "card format not recognised"}}, at: t0.Add(time.Second),
			check: func(s State) bool {
				return s.Entry.Outcome == OutcomeDenied && s.Entry.Reason == "card format not recognised"
			},
			effects: []Effect{Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Decision: api.DecisionDenied, Reason: "card format not recognised"}}, Play{Sound: SoundDenied}},
		},
		{
			name: "no answer in time: nothing unlocked", state: deciding(wiegandConfig()), event: Timer{}, at: t0.Add(5 * time.Second),
			check:   func(s State) bool { return s.Entry.Outcome == OutcomeNoAnswer && screenOf(s).Name == ScreenNoAnswer },
			effects: []Effect{Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Decision: api.DecisionNoAnswer}}, Play{Sound: SoundError}},
		},
		{
			name: "an outcome stays for the configured time", state: func() State { s := deciding(entryConfig("panel")); s.shown = 10 * time.Second; return s }(),
			event: Decided{panel.Decision{Granted: true}}, at: t0.Add(time.Second),
			check:   func(s State) bool { return s.Entry.Until.Equal(t0.Add(11 * time.Second)) },
			effects: []Effect{Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Decision: api.DecisionGranted}}, Play{Sound: SoundGranted}},
		},
		{
			name: "a timer before the deadline does nothing", state: deciding(wiegandConfig()), event: Timer{}, at: t0.Add(4 * time.Second),
			check: func(s State) bool { return s.Entry.Step == StepDeciding },
		},
		{
			name: "a late answer after the timeout changes nothing", state: func() State {
				s, _ := step(deciding(entryConfig("panel")), Timer{}, t0.Add(5*time.Second))
				return s
			}(), event: Decided{panel.Decision{Granted: true}}, at: t0.Add(6 * time.Second),
			check: func(s State) bool { return s.Entry.Outcome == OutcomeNoAnswer },
		},
		{
			name: "a badge the panel link refused", state: deciding(entryConfig("panel")), event: sendFailed{errors.New("does not fit h10301")},
			check:   func(s State) bool { return s.Entry.Outcome == OutcomeNotSent && screenOf(s).Name == ScreenNotSent },
			effects: []Effect{Record{Type: api.EventRecognized, At: t0, Data: api.Recognition{Profile: "p1", Badge: "12:3456", Reason: "does not fit h10301"}}, Play{Sound: SoundError}},
		},
		{
			name: "tamper is an alarm over any phase", state: active(entryConfig("panel")),
			event:   Input{ioboard.Event{Kind: ioboard.KindTamper, Asserted: true, At: t0}},
			check:   func(s State) bool { return s.Tamper && screenOf(s).Name == ScreenTamper && s.Phase == PhaseActive },
			effects: []Effect{Record{Type: api.EventTamperRaised, At: t0}, Play{Sound: SoundAlarm}},
		},
		{
			name: "a mode change is refused", state: active(entryConfig("panel")),
			event:   ConfigArrived{Config: func() api.Config { c := entryConfig("panel"); c.Mode = ModeEnrollment; return c }(), Reply: reply},
			check:   func(s State) bool { return s.Config.Mode == ModeEntry },
			effects: []Effect{Reply{To: reply, Err: errors.New("mode enrollment: this reader runs in entry mode; a reader changes mode only when it is deactivated and activated again")}},
		},
		{
			name: "Wiegand with a relay the panel would drive is refused", state: active(entryConfig("panel")),
			event:   ConfigArrived{Config: func() api.Config { c := entryConfig("panel"); c.Panel.Protocol = "wiegand"; return c }(), Reply: reply},
			check:   func(s State) bool { return s.Config.Panel.Protocol == "osdp" },
			effects: []Effect{Reply{To: reply, Err: errors.New("relay.follow panel: over Wiegand the panel cannot drive the relay; use grant")}},
		},
		{
			name: "OSDP on a reader without RS-485 is refused", state: State{Phase: PhaseActive},
			event:   ConfigArrived{Config: entryConfig("panel"), Reply: reply},
			check:   func(s State) bool { return s.Refused != "" && screenOf(s).Name == ScreenNoConfig },
			effects: []Effect{Reply{To: reply, Err: errors.New("panel.protocol osdp: this reader has no RS-485 port in its local configuration ([rs485])")}},
		},
		{
			name: "a configuration it can run goes to the hardware", state: active(entryConfig("panel")),
			event:   ConfigArrived{Config: wiegandConfig(), Reply: reply},
			effects: []Effect{ApplyConfig{Config: wiegandConfig(), Reply: reply}},
		},
		{
			name: "deactivated: back to the start, the panel link closed", state: deciding(entryConfig("panel")), event: SyncEnded{Deactivated: true},
			check:   func(s State) bool { return s.Phase == PhaseDeactivated && s.Config == nil && s.Entry.Step == "" },
			effects: []Effect{StopPanel{}},
		},
		{
			name: "a restart ends the run", state: active(entryConfig("panel")), event: SyncEnded{Restart: &Restart{Reason: "reboot"}},
			effects: []Effect{Stop{Restart: Restart{Reason: "reboot"}}},
		},
		{
			name: "an update in progress shows over entry", state: active(entryConfig("panel")), event: UpdateInstalling{Version: "0.2.0"},
			check: func(s State) bool { return s.Updating && screenOf(s).Name == ScreenUpdating },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = t0
			}
			s, effects := step(tt.state, tt.event, at)
			if tt.check != nil && !tt.check(s) {
				t.Errorf("state after: %+v", s)
			}
			if !sameEffects(effects, tt.effects) {
				t.Errorf("effects %#v, want %#v", effects, tt.effects)
			}
		})
	}
}

// sameEffects compares effects, errors by their text.
func sameEffects(got, want []Effect) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if gr, ok := g.(Reply); ok {
			wr, ok := w.(Reply)
			if !ok || gr.To != wr.To || (gr.Err == nil) != (wr.Err == nil) || (gr.Err != nil && gr.Err.Error() != wr.Err.Error()) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

// TestWatchdogNeedsProgress: the watchdog is fed only while the camera and
// the panel link make progress.
func TestWatchdogNeedsProgress(t *testing.T) {
	s := active(entryConfig("panel"))
	s.CameraBeat, s.PanelBeat = t0, t0
	fed := func(s State, at time.Time) bool {
		_, effects := step(s, Tick{PanelUp: true}, at)
		return len(effects) == 1 && effects[0] == FeedWatchdog{}
	}
	if !fed(s, t0.Add(time.Second)) {
		t.Fatal("not fed while everything moves")
	}
	if fed(s, t0.Add(staleBeat+time.Second)) {
		t.Fatal("fed with a camera and a panel link stuck for longer than staleBeat")
	}
	s.CameraBeat = t0.Add(staleBeat)
	if fed(s, t0.Add(staleBeat+time.Second)) {
		t.Fatal("fed with the panel link stuck")
	}
	s.PanelBeat = t0.Add(staleBeat)
	if !fed(s, t0.Add(staleBeat+time.Second)) {
		t.Fatal("not fed once both moved again")
	}
}

// TestSilenceDenies: on Wiegand, a reader whose panel signals only grants
// takes silence until the timeout for a deny.
func TestSilenceDenies(t *testing.T) {
	s := deciding(wiegandConfig())
	s.caps.SilenceDenies = true
	s, _ = step(s, Timer{}, t0.Add(5*time.Second))
	if s.Entry.Outcome != OutcomeDenied {
		t.Fatalf("outcome %s, want denied", s.Entry.Outcome)
	}
}
