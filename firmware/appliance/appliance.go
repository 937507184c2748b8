// Package appliance is the reader: one goroutine owns its state (setup,
// waiting for an activation code, activating, active in entry or
// enrollment mode, deactivated; tamper as an alarm over any of them, an
// update in progress as a flag) and every input reaches it as an Event on
// one channel. The lifecycle itself is the pure function step; this file
// is the runtime around it: it starts and waits for every goroutine,
// carries out the effects step asks for through the ports, shows the
// screen the state implies and tells the camera what to look for.
package appliance

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
)

// Config is what an appliance is built from.
type Config struct {
	Caps    Caps
	Display Display
	Outbox  Outbox
	Configs Configs
	Wiper   Wiper
	Service Service // nil: the local configuration names no service
	Camera  Camera  // nil: no camera
	Inputs  Inputs
	Panels  Panels
	// Outputs are the relay (0) and the GPO (1), pulsed on grants when
	// the configuration says so.
	Outputs  [2]panel.Output
	Network  Network
	Watchdog Watchdog
	Probes   Probes
	Version  string // the software version health reports
	Log      *slog.Logger
	// Uplink, when set, is the network the first boot chooses and joins;
	// nil: the board's image sets the network up and a tap goes straight
	// to "Scan QR code".
	Uplink Uplink
	// Lights and Speaker give feedback; nil: the board has none.
	Lights  Lights
	Speaker Speaker
	// ResultShown is how long an entry's outcome stays on the screen;
	// zero is 3 s.
	ResultShown time.Duration
	// Badges is the enrollment desk's badge scanner; nil: none, and the
	// reader refuses the enrollment mode.
	Badges badge.Scanner
	// People is the reader's enrolled people, which an enrollment adds to.
	People People
	// Software, when set, is the A/B slot pair the reader runs from: a
	// release on trial confirms itself once healthy for ConfirmAfter,
	// and gives up when it has not within TrialLimit (zero: 3 x
	// ConfirmAfter + 1 min).
	Software     Software
	ConfirmAfter time.Duration
	TrialLimit   time.Duration
}

// Uplink is the network a first boot chooses (drivers/network).
type Uplink interface {
	// Scan lists the Wi-Fi networks in range.
	Scan(ctx context.Context) ([]network.Network, error)
	// Join brings the reader online on w, or on Ethernet when w is nil,
	// returning once the link carries traffic.
	Join(ctx context.Context, w *network.WiFi) error
}

// Lights shows a pattern on the light ring until the next one; it returns
// at once (the ring animates on its own).
type Lights interface{ Show(Light) }

// Speaker starts a sound and returns at once.
type Speaker interface{ Play(Sound) }

// Appliance is a running reader.
type Appliance struct {
	cfg    Config
	log    *slog.Logger
	events chan Event
	ready  chan struct{}

	// Owned by Run's goroutine.
	state   State
	screen  Screen
	light   Light
	purpose vision.Purpose
	link    *runningLink
	syncing bool
	wg      sync.WaitGroup
}

// ErrNoService is an activation attempt on a reader whose local
// configuration names no service.
var ErrNoService = errors.New("appliance: the local configuration names no service ([service])")

// New checks cfg; Run starts the reader.
func New(cfg Config) (*Appliance, error) {
	if cfg.Badges != nil && cfg.People == nil {
		return nil, errors.New("appliance: a badge scanner without People to enrol into")
	}
	if cfg.Display == nil || cfg.Outbox == nil || cfg.Configs == nil || cfg.Wiper == nil || cfg.Inputs == nil || cfg.Panels == nil ||
		cfg.Network == nil || cfg.Watchdog == nil || cfg.Probes == nil || cfg.Outputs[0] == nil || cfg.Outputs[1] == nil {
		return nil, errors.New("appliance: every port but the service and the camera is required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Caps.Camera = cfg.Camera != nil
	cfg.Caps.Uplink = cfg.Uplink != nil
	cfg.Caps.Badges = cfg.Badges != nil
	return &Appliance{cfg: cfg, log: cfg.Log, events: make(chan Event), ready: make(chan struct{})}, nil
}

// Ready is closed once Run serves: the hardware is up and the first screen
// shown.
func (a *Appliance) Ready() <-chan struct{} { return a.ready }

// Post delivers an event from outside the appliance (a touch on the
// screen, the simulator), waiting until the lifecycle takes it.
func (a *Appliance) Post(ctx context.Context, ev Event) error {
	select {
	case a.events <- ev:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run serves until ctx ends (a zero Restart and nil) or the reader must
// start again (the Restart says why). Every goroutine it starts has ended
// when it returns, and the outputs are in their safe state.
func (a *Appliance) Run(ctx context.Context) (Restart, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		a.stopLink()
		a.wg.Wait()
	}()
	// The camera counts as delivering until the worker says otherwise, so
	// that the screen does not flash a fault before the first frame.
	a.state = State{Phase: PhaseSetup, Camera: true, caps: a.cfg.Caps, shown: a.cfg.ResultShown}
	a.startInputs(ctx)
	if a.cfg.Badges != nil {
		a.startBadges(ctx)
	}
	if a.cfg.Camera != nil {
		a.startCamera(ctx)
	}
	a.boot(ctx)
	if a.cfg.Software != nil {
		a.handle(ctx, a.readSlot())
	}
	a.show()
	close(a.ready)
	return a.loop(ctx)
}

// boot resumes an activated reader with its running configuration.
func (a *Appliance) boot(ctx context.Context) {
	if a.cfg.Service == nil || !a.cfg.Service.Activated() {
		return
	}
	a.state.Phase = PhaseActive
	a.startSync(ctx)
	c, ok := a.cfg.Configs.Running()
	if !ok {
		return
	}
	if err := a.state.refuse(c); err != nil {
		a.log.Error("the running configuration cannot run on this reader", "version", c.Version, "err", err)
		a.state.Refused = err.Error()
		return
	}
	for _, ev := range a.apply(ctx, ApplyConfig{Config: c}) {
		a.handle(ctx, ev)
	}
}

func (a *Appliance) loop(ctx context.Context) (Restart, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		a.arm(timer)
		var ev Event
		select {
		case <-ctx.Done():
			return Restart{}, nil
		case ev = <-a.events:
		case <-tick.C:
			ev = Tick{PanelUp: a.link != nil && a.link.Online()}
		case <-timer.C:
			ev = Timer{}
		}
		if q, ok := ev.(query); ok {
			q.answer(a)
			continue
		}
		if ss, ok := ev.(syncStopped); ok {
			a.syncing = false
			ev = ss.SyncEnded
		}
		if r, stop := a.handle(ctx, ev); stop {
			a.log.Warn("restarting", "reason", r.Reason)
			return r, nil
		}
	}
}

// arm sets the timer to the state's next deadline.
func (a *Appliance) arm(t *time.Timer) {
	d := time.Hour
	if dl := a.state.Deadline(); !dl.IsZero() {
		d = max(time.Until(dl), 0)
	}
	t.Reset(d)
}

// handle runs one event through the lifecycle and carries out what it
// asks, then what those effects give back; it reports a Stop.
func (a *Appliance) handle(ctx context.Context, ev Event) (Restart, bool) {
	defer a.show()
	for queue := []Event{ev}; len(queue) > 0; queue = queue[1:] {
		before := a.state
		next, effects := step(a.state, queue[0], time.Now())
		a.state = next
		a.logChanges(before, next)
		for _, e := range effects {
			if stop, ok := e.(Stop); ok {
				return stop.Restart, true
			}
			queue = append(queue, a.do(ctx, e)...)
		}
	}
	return Restart{}, false
}

func (a *Appliance) logChanges(before, next State) {
	if before.Phase != next.Phase {
		a.log.Info("phase", "from", before.Phase, "to", next.Phase)
	}
	if before.Setup.Step != next.Setup.Step {
		a.log.Info("first boot", "step", next.Setup.Step, "cause", next.Setup.Cause)
	}
	if before.Tamper != next.Tamper {
		a.log.Warn("tamper", "open", next.Tamper)
	}
	if before.Camera != next.Camera {
		a.log.Info("camera", "delivering", next.Camera)
	}
	if before.PanelUp != next.PanelUp {
		a.log.Info("door controller link", "up", next.PanelUp)
	}
	if before.Enroll.Step != next.Enroll.Step {
		a.log.Info("enrollment", "step", next.Enroll.Step, "cause", next.Enroll.Cause) // never the badge
	}
	if before.Entry.Step != next.Entry.Step && next.Entry.Step == StepResult {
		a.log.Info("entry", "outcome", next.Entry.Outcome, "reason", next.Entry.Reason)
	}
}

// show puts the state's screen up, lights the ring for it and points the
// camera at what the state needs, each when it changes.
func (a *Appliance) show() {
	if sc := screenOf(a.state); !sameScreen(sc, a.screen) {
		a.screen = sc
		a.cfg.Display.Show(sc)
	}
	if l := lightOf(a.screen); l != a.light && a.cfg.Lights != nil {
		a.light = l
		a.cfg.Lights.Show(l)
	}
	if p := purposeOf(a.state); p != a.purpose && a.cfg.Camera != nil {
		a.purpose = p
		a.cfg.Camera.Look(p)
	}
}

// do carries out one effect; what it gives back goes through the
// lifecycle next.
func (a *Appliance) do(ctx context.Context, e Effect) []Event {
	switch e := e.(type) {
	case SendBadge:
		return a.send(e)
	case ApplyConfig:
		return a.apply(ctx, e)
	case Record:
		a.record(e)
	case Pulse:
		if err := a.cfg.Outputs[e.Output].Pulse(e.For); err != nil {
			a.log.Error("pulsing an output on a grant", "output", e.Output, "err", err)
		}
	case Activate:
		a.activate(ctx, e.Payload)
	case Reply:
		e.To <- e.Err
	case StartSync:
		a.startSync(ctx)
	case StopPanel:
		a.stopLink()
	case FeedWatchdog:
		if err := a.cfg.Watchdog.Feed(); err != nil {
			a.log.Warn("systemd watchdog", "err", err)
		}
	case Play:
		if a.cfg.Speaker != nil {
			a.cfg.Speaker.Play(e.Sound)
		}
	case FindProfile:
		return []Event{profileFound{Badge: e.Badge, ID: a.cfg.People.ProfileOf(e.Badge)}}
	case SaveProfile:
		return []Event{profileSaved{Err: a.saveProfile(e)}}
	case ScanWiFi:
		a.scanWiFi(ctx)
	case Join:
		a.join(ctx, e.WiFi)
	case softwareEffect:
		return a.doSoftware(e)
	}
	return nil
}

// scanWiFi looks for networks on a goroutine of its own; the list comes
// back as a WiFiScanned event. The state's deadline bounds it on screen;
// the context bounds the goroutine.
func (a *Appliance) scanWiFi(ctx context.Context) {
	a.wg.Go(func() {
		sctx, cancel := context.WithTimeout(ctx, scanTimeout)
		defer cancel()
		ev := WiFiScanned{Err: errors.New("appliance: this reader has no uplink port")}
		if u := a.cfg.Uplink; u != nil {
			ev.Networks, ev.Err = u.Scan(sctx)
		}
		if ev.Err != nil {
			a.log.Warn("wi-fi scan", "err", ev.Err)
		}
		a.post(ctx, ev)
	})
}

// join connects on a goroutine of its own; Joined says how it went. The
// passphrase goes to the port and nowhere else.
func (a *Appliance) join(ctx context.Context, w *network.WiFi) {
	a.wg.Go(func() {
		jctx, cancel := context.WithTimeout(ctx, joinTimeout)
		defer cancel()
		err := errors.New("appliance: this reader has no uplink port")
		if u := a.cfg.Uplink; u != nil {
			err = u.Join(jctx, w)
		}
		medium := "ethernet"
		if w != nil {
			medium = "wi-fi"
		}
		if err != nil {
			a.log.Warn("joining the network", "medium", medium, "err", err)
		} else {
			a.log.Info("online", "medium", medium)
		}
		a.post(ctx, Joined{Err: err})
	})
}

func (a *Appliance) send(e SendBadge) []Event {
	err := errors.New("no door controller link")
	if a.link != nil {
		err = a.link.Send(e.Badge)
	}
	if err != nil {
		a.log.Error("sending the badge to the door controller", "err", err)
		return []Event{sendFailed{Err: err}}
	}
	return nil
}

func (a *Appliance) record(e Record) {
	ev, err := cloud.NewEvent(e.Type, e.Data, e.At)
	if err == nil {
		err = a.cfg.Outbox.Record(ev)
	}
	if err != nil {
		a.log.Error("recording an event", "type", e.Type, "err", err)
		return
	}
	a.log.Info("event", "type", e.Type) // never its data: badges stay out of logs
}

// activate checks a code with the service on a goroutine of its own; the
// answer comes back as an Activation event.
func (a *Appliance) activate(ctx context.Context, payload string) {
	a.wg.Go(func() {
		ev := Activation{Payload: payload, Err: ErrNoService}
		if s := a.cfg.Service; s != nil {
			ev.Config, ev.Err = s.Activate(ctx, payload)
		}
		if ev.Err != nil {
			a.log.Warn("activation refused", "reason", ev.Err)
		}
		_ = a.Post(ctx, ev)
	})
}

// post sends an event from one of the appliance's own goroutines.
func (a *Appliance) post(ctx context.Context, ev Event) { _ = a.Post(ctx, ev) }

func (a *Appliance) startInputs(ctx context.Context) {
	in := make(chan ioboard.Event)
	a.wg.Go(func() {
		if err := a.cfg.Inputs.Run(ctx, in); err != nil && ctx.Err() == nil {
			a.log.Error("inputs stopped", "err", err)
		}
	})
	a.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-in:
				a.post(ctx, Input{e})
			}
		}
	})
}

func (a *Appliance) startCamera(ctx context.Context) {
	a.wg.Go(func() {
		a.cfg.Camera.Run(ctx, func(o vision.Output) { a.post(ctx, Seen{o}) }, a.beater(ctx, PartCamera))
	})
}

// beater returns a beat function for one part, called from that part's
// goroutine only: it passes at most one Beat a second. ctx is the part's
// own, so that a part being stopped is never held by its beat.
func (a *Appliance) beater(ctx context.Context, part string) func() {
	var last time.Time
	return func() {
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			a.post(ctx, Beat{Part: part})
		}
	}
}

// Status is a snapshot of the appliance for the simulator and tests.
type Status struct {
	Phase    Phase      `json:"phase"`
	Mode     string     `json:"mode,omitempty"`
	Config   int64      `json:"config_version,omitempty"`
	Refused  string     `json:"refused,omitempty"`
	Protocol string     `json:"panel_protocol,omitempty"`
	Screen   Screen     `json:"screen"`
	Entry    Step       `json:"entry_step,omitempty"`
	Enroll   EnrollStep `json:"enroll_step,omitempty"`
	Outcome  Outcome    `json:"last_outcome,omitempty"`
	Reason   string     `json:"last_reason,omitempty"`
	Frame    time.Time  `json:"last_frame,omitzero"` // the camera frame the last decision came from
	Hand     bool       `json:"hand_in_view"`        // the camera worker sees a hand (it left: false)
	Tamper   bool       `json:"tamper"`
	Camera   bool       `json:"camera"`
	PanelUp  bool       `json:"panel_up"`
	Health   api.Health `json:"health"`
	// Software is the running release's slot: status (confirmed,
	// trying, rolled-back), version, and the release rolled back.
	Software SoftwareStatus `json:"software,omitzero"`
}

// SoftwareStatus is the slot part of a Status.
type SoftwareStatus struct {
	Slot    string `json:"slot"`
	Version string `json:"version,omitempty"`
	Failed  string `json:"failed,omitempty"`
}

// query is an event answered by the runtime from its state, without a
// transition.
type query interface {
	Event
	answer(a *Appliance)
}

type statusQuery struct{ reply chan Status }
type healthQuery struct{ reply chan api.Health }

func (statusQuery) isEvent() {}
func (healthQuery) isEvent() {}

func (q statusQuery) answer(a *Appliance) {
	s := a.state
	st := Status{Phase: s.Phase, Mode: s.Mode(), Refused: s.Refused, Screen: a.screen, Entry: s.Entry.Step, Enroll: s.Enroll.Step,
		Outcome: s.Entry.Outcome, Reason: s.Entry.Reason, Frame: s.Entry.Frame, Tamper: s.Tamper,
		Hand: s.Guidance.Ready || (len(s.Guidance.Hints) > 0 && !slices.Equal(s.Guidance.Hints, []palm.Hint{palm.HintNoHand})), Camera: s.Camera, PanelUp: s.PanelUp,
		Health: a.health(), Software: SoftwareStatus{Slot: string(s.Software.Slot), Version: s.Software.Version, Failed: s.Software.Failed}}
	if s.Config != nil {
		st.Config, st.Protocol = s.Config.Version, s.Config.Panel.Protocol
	}
	q.reply <- st
}

func (q healthQuery) answer(a *Appliance) { q.reply <- a.health() }

// Status asks the lifecycle for a snapshot.
func (a *Appliance) Status(ctx context.Context) (Status, error) {
	q := statusQuery{reply: make(chan Status, 1)}
	if err := a.Post(ctx, q); err != nil {
		return Status{}, err
	}
	select {
	case st := <-q.reply:
		return st, nil
	case <-ctx.Done():
		return Status{}, ctx.Err()
	}
}
