package appliance

import (
	"errors"
	"fmt"
	"time"

	actcode "github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
)

const (
	// retryRefused is how long a refused activation code in view is left
	// alone: the phone stays in view for many frames, and a service that
	// was unreachable may be back.
	retryRefused = 5 * time.Second
	// resultShown is how long an entry's outcome stays on the screen.
	resultShown = 3 * time.Second
	// noticeShown is how long a notice ("Activation complete!") stays.
	noticeShown = 3 * time.Second
	// scanTimeout bounds a Wi-Fi scan: NetworkManager's rescan takes a
	// few seconds; one that hangs must not leave the installer waiting.
	scanTimeout = 15 * time.Second
	// joinTimeout bounds a join: DHCP on a slow network takes seconds,
	// a wrong passphrase is told within about 20.
	joinTimeout = 45 * time.Second
	// staleBeat is how long a watched part may go without progress before
	// the watchdog is no longer fed: longer than OpenCV's V4L2 read
	// timeout (10 s), so a camera being reopened is not a hung one.
	staleBeat = 20 * time.Second
)

// Notices.
const NoticeActivated = "activation-complete"

// step is the lifecycle: what an event does to the state, and what must
// happen because of it. It is pure: the same state, event and time give
// the same result, and it touches nothing outside.
func step(s State, ev Event, now time.Time) (State, []Effect) {
	sw := s.Software
	s, effects := transition(s, ev, now)
	s.Software = sw // the software trial is software's alone (software.go)
	s, more := software(s, ev, now)
	return s, append(effects, more...)
}

// transition is the lifecycle but the software trial.
func transition(s State, ev Event, now time.Time) (State, []Effect) {
	switch ev := ev.(type) {
	case Touched:
		if s.enrolling() {
			return enrollTouched(s, ev, now)
		}
		return touched(s, ev, now)
	case BadgeRead:
		return badgeRead(s, ev.Read, now)
	case profileFound:
		if s.Enroll.Step == EnrollScanned && s.Enroll.Badge == ev.Badge {
			s.Enroll.Self = ev.ID
		}
		return s, nil
	case profileSaved:
		return saved(s, ev, now)
	case WiFiScanned:
		return scanned(s, ev), nil
	case Joined:
		return joined(s, ev)
	case Seen:
		return seen(s, ev.Output, now)
	case Decided:
		return decided(s, ev.Decision, now)
	case Input:
		return input(s, ev.Event, now)
	case Activation:
		return activation(s, ev, now)
	case ConfigArrived:
		if err := s.refuse(ev.Config); err != nil {
			if s.Config == nil {
				s.Refused = err.Error()
			}
			return s, []Effect{Reply{To: ev.Reply, Err: err}}
		}
		return s, []Effect{ApplyConfig{Config: ev.Config, Reply: ev.Reply}}
	case configApplied:
		return applied(s, ev.Config), nil
	case SyncEnded:
		return syncEnded(s, ev)
	case RoundDone:
		s.Offline = ev.Err != nil
		return s, nil
	case sendFailed:
		if s.Entry.Step != StepDeciding {
			return s, nil
		}
		return result(s, OutcomeNotSent, ev.Err.Error(), now)
	case configRefused:
		if s.Config == nil {
			s.Refused = ev.Err.Error()
		}
		return s, nil
	case UpdateInstalling:
		s.Updating = true
		return s, nil
	case UpdateEnded:
		s.Updating = false
		return s, nil
	case Beat:
		return beat(s, ev.Part, now), nil
	case Tick:
		s.PanelUp = ev.PanelUp
		return s, watchdog(s, now)
	case Timer:
		return timer(s, now)
	}
	return s, nil
}

// codeCause is why the service or the reader refused an activation code.
func codeCause(err error) string {
	var se *cloud.StatusError
	switch {
	case errors.Is(err, actcode.ErrGarbled):
		return CauseCodeGarbled
	case errors.Is(err, actcode.ErrForged):
		return CauseCodeForged
	case errors.Is(err, actcode.ErrExpired):
		return CauseCodeExpired
	case errors.Is(err, cloud.ErrOtherService):
		return CauseOtherService
	case errors.As(err, &se) && se.Body.Code == "code_used":
		return CauseCodeUsed
	case errors.As(err, &se) && se.Status < 500:
		return CauseCodeUnknown
	}
	return CauseServiceDown
}

func seen(s State, out vision.Output, now time.Time) (State, []Effect) {
	switch o := out.(type) {
	case vision.CameraState:
		s.Camera = o.Delivering
	case vision.Guidance:
		s.Guidance = o
	case vision.CodeRead:
		return codeRead(s, o.Payload, now)
	case vision.CodeUnreadable:
		s.Code.Unreadable = o.InView && s.Phase == PhaseScanning
	case vision.Identified:
		return identified(s, o, now)
	case vision.EnrolProgress:
		return enrolProgress(s, o, now), nil
	case vision.EnrolEnded:
		return enrolEnded(s, o, now)
	}
	return s, nil
}

// codeRead starts an activation, unless one runs or this code was refused
// a moment ago.
func codeRead(s State, payload string, now time.Time) (State, []Effect) {
	if s.Phase != PhaseScanning {
		return s, nil
	}
	if s.Code.Reason != "" && payload == s.Code.Payload && now.Sub(s.Code.At) < retryRefused {
		return s, nil
	}
	s.Phase = PhaseActivating
	s.Code.Payload, s.Code.Reason, s.Code.At, s.Code.Unreadable = payload, "", now, false
	return s, []Effect{Activate{Payload: payload}}
}

func activation(s State, ev Activation, now time.Time) (State, []Effect) {
	if s.Phase != PhaseActivating {
		return s, nil
	}
	if ev.Err != nil {
		s.Phase = PhaseScanning
		s.Code.Payload, s.Code.Reason, s.Code.Cause, s.Code.At = ev.Payload, ev.Err.Error(), codeCause(ev.Err), now
		return s, []Effect{Play{Sound: SoundError}}
	}
	s.Phase = PhaseActive
	s.Code.Payload, s.Code.Reason, s.Code.Cause = "", "", ""
	s.Notice, s.NoticeUntil = NoticeActivated, now.Add(noticeShown)
	effects := []Effect{StartSync{}, Play{Sound: SoundGranted}}
	if err := s.refuse(ev.Config); err != nil {
		s.Refused = err.Error()
		return s, effects
	}
	return s, append([]Effect{ApplyConfig{Config: ev.Config, Save: true}}, effects...)
}

func input(s State, ev ioboard.Event, now time.Time) (State, []Effect) {
	if ev.Kind != ioboard.KindTamper || ev.Asserted == s.Tamper {
		return s, nil
	}
	s.Tamper = ev.Asserted
	if s.Tamper {
		return s, []Effect{Record{Type: api.EventTamperRaised, At: ev.At}, Play{Sound: SoundAlarm}}
	}
	return s, []Effect{Record{Type: api.EventTamperCleared, At: ev.At}}
}

// applied records the configuration the hardware now runs.
func applied(s State, c api.Config) State {
	s.Config, s.Refused = &c, ""
	return s
}

func syncEnded(s State, ev SyncEnded) (State, []Effect) {
	switch {
	case ev.Restart != nil:
		return s, []Effect{Stop{Restart: *ev.Restart}}
	case ev.Deactivated:
		s = State{Phase: PhaseDeactivated, Tamper: s.Tamper, Camera: s.Camera, CameraBeat: s.CameraBeat, caps: s.caps, shown: s.shown}
		return s, []Effect{StopPanel{}}
	}
	return s, nil
}

func beat(s State, part string, now time.Time) State {
	switch part {
	case PartCamera:
		s.CameraBeat = now
	case PartPanel:
		s.PanelBeat = now
	}
	return s
}

// The parts the watchdog watches.
const (
	PartCamera = "camera"
	PartPanel  = "panel"
)

// watchdog feeds systemd's watchdog only while the main loop (it is
// running this), the camera and the panel link make progress.
func watchdog(s State, now time.Time) []Effect {
	if s.caps.Camera && now.Sub(s.CameraBeat) > staleBeat {
		return nil
	}
	if s.Config != nil && now.Sub(s.PanelBeat) > staleBeat {
		return nil
	}
	return []Effect{FeedWatchdog{}}
}

func timer(s State, now time.Time) (State, []Effect) {
	if !s.NoticeUntil.IsZero() && !now.Before(s.NoticeUntil) {
		s.Notice, s.NoticeUntil = "", time.Time{}
	}
	if s.Phase == PhaseScanning && s.Code.Reason != "" && now.Sub(s.Code.At) >= retryRefused {
		s.Code.Reason, s.Code.Cause = "", "" // the refusal leaves the screen; the same code may be tried again
	}
	if st := s.Setup.Step; (st == SetupScanning || st == SetupConnecting) && !now.Before(s.Setup.Until) {
		s.Setup.Step, s.Setup.Reason, s.Setup.Cause, s.Setup.Until = SetupFailed, "", CauseTimeout, time.Time{}
		return s, []Effect{Play{Sound: SoundError}}
	}
	if s.enrolling() {
		return enrollTimer(s, now)
	}
	if now.Before(s.Entry.Until) {
		return s, nil
	}
	switch s.Entry.Step {
	case StepResult:
		s.Entry = Entry{Step: StepIdle}
		return s, nil
	case StepDeciding:
	default:
		return s, nil
	}
	outcome := OutcomeNoAnswer
	if s.caps.SilenceDenies && s.Config.Panel.Protocol == panel.ProtocolWiegand {
		outcome = OutcomeDenied
	}
	return result(s, outcome, "", now)
}

// refuse says why this reader cannot run c, or nil. Config.Validate has
// already checked c on its own; these are the reader's limits.
func (s State) refuse(c api.Config) error {
	if cur := s.Config; cur != nil && c.Mode != cur.Mode {
		return fmt.Errorf("mode %s: this reader runs in %s mode; a reader changes mode only when it is deactivated and activated again", c.Mode, cur.Mode)
	}
	if c.Mode == ModeEnrollment && !s.caps.Camera {
		return errors.New("mode enrollment: this reader has no camera ([camera] in the local configuration)")
	}
	if c.Mode == ModeEnrollment && !s.caps.Badges {
		return errors.New("mode enrollment: this reader has no badge scanner ([badge] in the local configuration)")
	}
	if c.Panel.Protocol == panel.ProtocolOSDP && !s.caps.RS485 {
		return errors.New("panel.protocol osdp: this reader has no RS-485 port in its local configuration ([rs485])")
	}
	if c.Panel.Protocol == panel.ProtocolWiegand {
		if c.Relay.Follow == "panel" {
			return errors.New("relay.follow panel: over Wiegand the panel cannot drive the relay; use grant")
		}
		if c.Relay.GPOFunc == "panel" {
			return errors.New("relay.gpo panel: over Wiegand the panel cannot drive the GPO; use grant or off")
		}
	}
	if _, err := c.BadgeFormat(); err != nil {
		return fmt.Errorf("badge: %w", err)
	}
	return nil
}
