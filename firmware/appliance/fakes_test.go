package appliance

import (
	"context"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

// world is the fake outside of an appliance: every port records what it
// was asked and can be played from the test.
type world struct {
	mu       sync.Mutex
	screens  []Screen
	events   []api.Event
	running  *api.Config
	wiped    bool
	looks    []vision.Purpose
	links    []*fakeLink
	pulses   [2][]time.Duration
	released [2]int
	wifi     []*network.WiFi
	feeds    int
	inputs   chan ioboard.Event
	camera   chan vision.Output // outputs the test has the camera send
	beats    chan struct{}      // camera progress the test makes
	service  *fakeService
}

func newWorld() *world {
	return &world{inputs: make(chan ioboard.Event), camera: make(chan vision.Output), beats: make(chan struct{}),
		service: &fakeService{rounds: make(chan func(Device) error)}}
}

func (w *world) config(caps Caps) Config {
	return Config{
		Caps: caps, Display: w, Outbox: w, Configs: w, Wiper: w, Service: w.service, Camera: w, Inputs: fakeInputs{w.inputs},
		Panels: w, Outputs: [2]panel.Output{&fakeOutput{w, 0}, &fakeOutput{w, 1}}, Network: w, Watchdog: w,
		Probes: w, Version: "test",
	}
}

func (w *world) Show(s Screen) { w.mu.Lock(); w.screens = append(w.screens, s); w.mu.Unlock() }

func (w *world) screen() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.screens) == 0 {
		return ""
	}
	return w.screens[len(w.screens)-1].Name
}

func (w *world) Record(ev api.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, ev)
	return nil
}

func (w *world) recorded() []api.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]api.Event(nil), w.events...)
}

func (w *world) Running() (api.Config, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == nil {
		return api.Config{}, false
	}
	return *w.running, true
}

func (w *world) SaveRunning(c api.Config) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running = &c
	return nil
}

func (w *world) Wipe() error { w.mu.Lock(); w.wiped = true; w.mu.Unlock(); return nil }

func (w *world) Look(p vision.Purpose) { w.mu.Lock(); w.looks = append(w.looks, p); w.mu.Unlock() }

func (w *world) look() vision.Purpose {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.looks) == 0 {
		return vision.LookForNothing
	}
	return w.looks[len(w.looks)-1]
}

// Run plays the camera: outputs and beats the test sends.
func (w *world) Run(ctx context.Context, out func(vision.Output), beat func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-w.camera:
			out(o)
		case <-w.beats:
			beat()
		}
	}
}

func (w *world) Open(s panel.Spec) (panel.Link, error) {
	l := &fakeLink{spec: s, decisions: make(chan panel.Decision, 1), online: true}
	w.mu.Lock()
	w.links = append(w.links, l)
	w.mu.Unlock()
	return l, nil
}

func (w *world) link() *fakeLink {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.links) == 0 {
		return nil
	}
	return w.links[len(w.links)-1]
}

func (w *world) Apply(_ context.Context, c *network.WiFi) error {
	w.mu.Lock()
	w.wifi = append(w.wifi, c)
	w.mu.Unlock()
	return nil
}

func (w *world) Feed() error { w.mu.Lock(); w.feeds++; w.mu.Unlock(); return nil }

func (w *world) fed() int { w.mu.Lock(); defer w.mu.Unlock(); return w.feeds }

func (w *world) Storage() error               { return nil }
func (w *world) Temperature() (float64, bool) { return 40, true }
func (w *world) pulsed(i int) []time.Duration { w.mu.Lock(); defer w.mu.Unlock(); return w.pulses[i] }
func (w *world) releases(i int) int           { w.mu.Lock(); defer w.mu.Unlock(); return w.released[i] }
func (w *world) wifiApplied() []*network.WiFi { w.mu.Lock(); defer w.mu.Unlock(); return w.wifi }
func (w *world) linksOpened() int             { w.mu.Lock(); defer w.mu.Unlock(); return len(w.links) }

// fakeLink is a door controller link the test answers for.
type fakeLink struct {
	spec      panel.Spec
	mu        sync.Mutex
	sent      []wiegand.Badge
	decisions chan panel.Decision
	online    bool
	running   bool
	stopped   bool
}

func (l *fakeLink) Run(ctx context.Context, beat func()) error {
	l.mu.Lock()
	l.running = true
	l.mu.Unlock()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.running, l.stopped = false, true
			l.mu.Unlock()
			return nil
		case <-t.C:
			beat()
		}
	}
}

func (l *fakeLink) Send(b wiegand.Badge) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, b)
	return nil
}

func (l *fakeLink) Decisions() <-chan panel.Decision { return l.decisions }
func (l *fakeLink) Online() bool                     { l.mu.Lock(); defer l.mu.Unlock(); return l.online }

func (l *fakeLink) badges() []wiegand.Badge {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]wiegand.Badge(nil), l.sent...)
}

func (l *fakeLink) isStopped() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.stopped }

type fakeOutput struct {
	w *world
	i int
}

func (o *fakeOutput) Pulse(d time.Duration) error {
	o.w.mu.Lock()
	defer o.w.mu.Unlock()
	o.w.pulses[o.i] = append(o.w.pulses[o.i], d)
	return nil
}
func (o *fakeOutput) Hold() error                { return nil }
func (o *fakeOutput) OffFor(time.Duration) error { return nil }
func (o *fakeOutput) State() output.State        { return output.State{} }
func (o *fakeOutput) Release() error {
	o.w.mu.Lock()
	defer o.w.mu.Unlock()
	o.w.released[o.i]++
	return nil
}

// fakeService is a service the test plays: activation answers, and a sync
// that runs the test's steps with the device.
type fakeService struct {
	mu        sync.Mutex
	activated bool
	activate  func(code string) (api.Config, error)
	rounds    chan func(Device) error // each runs as one round
}

func (s *fakeService) Activated() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.activated }

func (s *fakeService) Activate(_ context.Context, code string) (api.Config, error) {
	cfg, err := s.activate(code)
	if err == nil {
		s.mu.Lock()
		s.activated = true
		s.mu.Unlock()
	}
	return cfg, err
}

func (s *fakeService) Sync(ctx context.Context, dev Device) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case round := <-s.rounds:
			if err := round(dev); err != nil {
				return err
			}
			if err := dev.AfterRound(); err != nil {
				return err
			}
		}
	}
}

// fakeInputs plays the GPI and tamper switch (ioboard's Run).
type fakeInputs struct{ ch chan ioboard.Event }

func (f fakeInputs) Run(ctx context.Context, events chan<- ioboard.Event) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e := <-f.ch:
			select {
			case events <- e:
			case <-ctx.Done():
			}
		}
	}
}

// fakeUplink is the first boot's network as the test plays it: the
// networks in range, and a join that answers with the test's error or
// blocks until the join's context ends when hang is set.
type fakeUplink struct {
	mu       sync.Mutex
	networks []network.Network
	joinErr  error
	hang     bool
	joins    []*network.WiFi
}

func (u *fakeUplink) Scan(context.Context) ([]network.Network, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.networks, nil
}

func (u *fakeUplink) Join(ctx context.Context, w *network.WiFi) error {
	u.mu.Lock()
	u.joins = append(u.joins, w)
	hang, err := u.hang, u.joinErr
	u.mu.Unlock()
	if hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return err
}

func (u *fakeUplink) joined() []*network.WiFi {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*network.WiFi(nil), u.joins...)
}

// feedback records the light ring's patterns and the sounds played.
type feedback struct {
	mu     sync.Mutex
	lights []Light
	sounds []Sound
}

func (f *feedback) Show(l Light) { f.mu.Lock(); f.lights = append(f.lights, l); f.mu.Unlock() }
func (f *feedback) Play(s Sound) { f.mu.Lock(); f.sounds = append(f.sounds, s); f.mu.Unlock() }
func (f *feedback) light() Light { f.mu.Lock(); defer f.mu.Unlock(); return f.lights[len(f.lights)-1] }
func (f *feedback) played() []Sound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sound(nil), f.sounds...)
}
