package appliance

import (
	"fmt"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/update"
	"github.com/palmd/palmd/firmware/vision"
)

// CheckSoftwareSlot fails while the running release is on trial (not
// confirmed yet) or the slots cannot be read.
const CheckSoftwareSlot = "software-slot"

// Software is the A/B slot pair the reader runs from (firmware/update)
// and the releases it refuses (firmware/cloud).
type Software interface {
	State() (update.State, error)
	Confirm() error
	Reject() error
	// Refuse keeps a release that failed here from being fetched again;
	// Refused says whether it was.
	Refuse(version string) error
	Refused(version string) bool
}

// SlotSoftware is the Software of a reader whose releases come from its
// service: the slots, and the service's updates that refuse a release.
type SlotSoftware struct {
	update.Slots
	Updates *cloud.Updates
}

var _ Software = SlotSoftware{}

// Refuse implements Software.
func (s SlotSoftware) Refuse(version string) error { return s.Updates.Refuse(version) }

// Refused implements Software.
func (s SlotSoftware) Refused(version string) bool { return s.Updates.Refused(version) }

// SoftwareState is the running release's trial. The lifecycle owns it
// alone: step keeps it across every other transition.
type SoftwareState struct {
	Slot    update.Status // "" without slots; "unreadable" when they cannot be read
	Version string        // the running release
	Failed  string        // the release rolled back, while Slot says so
	// On trial: the checks pass without a break since HealthySince; the
	// release confirms at HealthySince+Window, gives up at TrialEnds.
	HealthySince time.Time
	TrialEnds    time.Time
	Window       time.Duration
	Limit        time.Duration // zero: trialLimit(Window)
	Done         bool          // ConfirmSlot or RejectSlot asked: the trial is decided
	Synced       bool          // a sync round succeeded since the start
	// CameraSeen: the camera delivered a frame since the start. The
	// lifecycle takes a camera for working until it stalls, which it
	// learns only after the camera worker's stall time (2 s): a release
	// whose camera never opens must not confirm on that assumption.
	CameraSeen bool
	Installing string // a release going in, for its failure's event
}

// slotUnreadable is the Slot of a reader whose slots cannot be read.
const slotUnreadable update.Status = "unreadable"

// trialLimit is how long a release on trial may take to confirm itself
// before it gives up, unless configured: room for the camera, the panel
// and the service to come up (and fail once) before the window runs.
func trialLimit(window time.Duration) time.Duration { return 3*window + time.Minute }

// limit is the trial's limit: the configured one, or trialLimit.
func (sw SoftwareState) limit() time.Duration {
	if sw.Limit > 0 {
		return sw.Limit
	}
	return trialLimit(sw.Window)
}

// Events and effects of the software trial.
type (
	// SlotRead: how the running release came to run, read at start.
	// Reported: a rolled-back release was already reported and refused.
	SlotRead struct {
		State    update.State
		Reported bool
		Window   time.Duration
		Limit    time.Duration // how long the trial may take; zero: trialLimit(Window)
		Err      error
	}
	// slotMarked: the slot was confirmed or rejected (Err: it failed).
	slotMarked struct {
		Confirmed bool
		Err       error
	}
	// ConfirmSlot marks the running slot good.
	ConfirmSlot struct{}
	// RejectSlot marks the running slot bad; the next start is the
	// previous release.
	RejectSlot struct{}
	// RefuseRelease keeps a release from being fetched again.
	RefuseRelease struct{ Version string }
)

func (SlotRead) isEvent()   {}
func (slotMarked) isEvent() {}

func (ConfirmSlot) isEffect()   {}
func (RejectSlot) isEffect()    {}
func (RefuseRelease) isEffect() {}

func (ConfirmSlot) softwareEffect()   {}
func (RejectSlot) softwareEffect()    {}
func (RefuseRelease) softwareEffect() {}

// softwareEffect is an effect the Software port carries out.
type softwareEffect interface {
	Effect
	softwareEffect()
}

// software is the trial's part of step: what an event does to the
// running release's trial, after the rest of the lifecycle saw it.
func software(s State, ev Event, now time.Time) (State, []Effect) {
	var effects []Effect
	switch ev := ev.(type) {
	case SlotRead:
		s, effects = slotRead(s, ev, now)
	case slotMarked:
		return slotMarkedStep(s, ev, now)
	case RoundDone:
		s.Software.Synced = s.Software.Synced || ev.Err == nil
	case Seen:
		if cs, ok := ev.Output.(vision.CameraState); ok {
			s.Software.CameraSeen = s.Software.CameraSeen || cs.Delivering
		}
	case UpdateInstalling:
		s.Software.Installing = ev.Version
		if s.Software.Slot != "" { // a swapped program has no outcome to report: no trial
			effects = []Effect{Record{Type: api.EventUpdateInstalling, Data: api.SoftwareUpdate{Version: ev.Version, Running: s.Software.Version}, At: now}}
		}
	case UpdateEnded:
		if s.Software.Slot == "" {
			break
		}
		effects = []Effect{Record{Type: api.EventUpdateFailed, At: now,
			Data: api.SoftwareUpdate{Version: s.Software.Installing, Running: s.Software.Version, Reason: errText(ev.Err)}}}
	}
	s, more := trial(s, now)
	return s, append(effects, more...)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// slotRead starts the trial of a release on trial, and reports a
// rollback once: an event, and the release refused for good.
func slotRead(s State, ev SlotRead, now time.Time) (State, []Effect) {
	sw := &s.Software
	sw.Window, sw.Limit = ev.Window, ev.Limit
	if ev.Err != nil {
		sw.Slot = slotUnreadable
		return s, nil
	}
	sw.Slot, sw.Version, sw.Failed = ev.State.Status, ev.State.Version, ev.State.Failed
	switch {
	case sw.Slot == update.StatusTrying:
		sw.TrialEnds = now.Add(sw.limit())
	case sw.Slot == update.StatusRolledBack && !ev.Reported:
		return s, []Effect{
			Record{Type: api.EventUpdateRolledBack, Data: api.SoftwareUpdate{Version: sw.Failed, Running: sw.Version}, At: now},
			RefuseRelease{Version: sw.Failed},
		}
	}
	return s, nil
}

func slotMarkedStep(s State, ev slotMarked, now time.Time) (State, []Effect) {
	sw := &s.Software
	if ev.Err != nil {
		sw.Done, sw.HealthySince = false, time.Time{} // tried again after another window
		return s, nil
	}
	if !ev.Confirmed {
		return s, nil
	}
	sw.Slot, sw.Done, sw.HealthySince, sw.TrialEnds = update.StatusConfirmed, false, time.Time{}, time.Time{}
	return s, []Effect{Record{Type: api.EventUpdateConfirmed, Data: api.SoftwareUpdate{Version: sw.Version, Running: sw.Version}, At: now}}
}

// trial confirms the release on trial once its checks have passed
// without a break for the window, and gives up when it has not by the
// end of the trial: the slot is rejected and the reader restarts into
// the previous release.
func trial(s State, now time.Time) (State, []Effect) {
	sw := &s.Software
	if sw.Slot != update.StatusTrying || sw.Done {
		return s, nil
	}
	if !now.Before(sw.TrialEnds) {
		sw.Done = true
		return s, []Effect{RejectSlot{}, Stop{Restart: Restart{Reason: fmt.Sprintf("software %s did not pass its health checks for %v within %v",
			sw.Version, sw.Window, sw.limit())}}}
	}
	if !s.trialHealthy(now) {
		sw.HealthySince = time.Time{}
		return s, nil
	}
	if sw.HealthySince.IsZero() {
		sw.HealthySince = now
	}
	if now.Sub(sw.HealthySince) < sw.Window {
		return s, nil
	}
	sw.Done = true
	return s, []Effect{ConfirmSlot{}}
}

// trialHealthy: the checks a new release must pass to stay: running its
// configuration, the camera delivering frames (seen, not assumed), the door controller's link
// up, and the service reached since the start and still.
func (s State) trialHealthy(now time.Time) bool {
	camera := !s.caps.Camera || s.Software.CameraSeen && s.Camera && now.Sub(s.CameraBeat) < staleBeat
	return s.Phase == PhaseActive && s.Config != nil && s.PanelUp && s.Software.Synced && !s.Offline && camera
}

// deadline is the trial's next moment: the confirmation, or giving up.
func (sw SoftwareState) deadline() time.Time {
	if sw.Slot != update.StatusTrying || sw.Done {
		return time.Time{}
	}
	if !sw.HealthySince.IsZero() {
		return sw.HealthySince.Add(sw.Window)
	}
	return sw.TrialEnds
}

// failing reports the software-slot check.
func (sw SoftwareState) failing() bool {
	return sw.Slot == update.StatusTrying || sw.Slot == slotUnreadable
}

// readSlot tells the lifecycle how the running release came to run.
func (a *Appliance) readSlot() Event {
	sw := a.cfg.Software
	st, err := sw.State()
	if err != nil {
		a.log.Error("software slots", "err", err)
		return SlotRead{Err: err, Window: a.cfg.ConfirmAfter, Limit: a.cfg.TrialLimit}
	}
	a.log.Info("software slot", "slot", st.Slot, "status", st.Status, "version", st.Version, "failed", st.Failed)
	if st.Version != a.cfg.Version {
		a.log.Warn("the running slot holds another release than this program; was palmd started by the bootloader?",
			"slot_version", st.Version, "version", a.cfg.Version)
	}
	return SlotRead{State: st, Reported: st.Failed != "" && sw.Refused(st.Failed), Window: a.cfg.ConfirmAfter, Limit: a.cfg.TrialLimit}
}

// doSoftware carries out a software effect.
func (a *Appliance) doSoftware(e softwareEffect) []Event {
	sw := a.cfg.Software
	switch e := e.(type) {
	case ConfirmSlot:
		err := sw.Confirm()
		a.logMark("confirmed", err)
		return []Event{slotMarked{Confirmed: true, Err: err}}
	case RejectSlot:
		err := sw.Reject()
		a.logMark("rejected", err)
		return []Event{slotMarked{Err: err}}
	case RefuseRelease:
		if err := sw.Refuse(e.Version); err != nil {
			a.log.Error("refusing a rolled-back release", "version", e.Version, "err", err)
		}
	}
	return nil
}

func (a *Appliance) logMark(what string, err error) {
	if err != nil {
		a.log.Error("software slot could not be marked "+what, "err", err)
		return
	}
	a.log.Warn("software slot "+what, "version", a.state.Software.Version)
}
