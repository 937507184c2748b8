package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/store"
)

// heartbeatEvery is how often the main loop proves it is alive; the systemd
// watchdog is fed only while it does.
const heartbeatEvery = time.Second

// appliance is the running reader: its I/O board and, in simulation, the
// control endpoint that plays the hardware.
type appliance struct {
	log    *slog.Logger
	board  *ioboard.Board
	sim    *pinsim.Board // nil on real hardware
	panel  *panelLink    // nil without [rs485]
	cloud  *cloudLink    // nil without [service]
	db     *store.DB
	people *people.Directory
	vision *vision // nil without a camera

	control   net.Listener // nil unless simulate.control is set
	started   chan struct{}
	heartbeat atomic.Int64 // unix nanoseconds of the main loop's last beat
}

func newAppliance(cfg *localconfig.Config, db *store.DB, log *slog.Logger) (*appliance, error) {
	a := &appliance{log: log, started: make(chan struct{}), db: db}
	var src ioboard.Pins
	if cfg.Device.Backend == localconfig.BackendSim {
		a.sim = simulatedBoard(cfg)
		src = a.sim
	} else {
		real, err := pins.Open()
		if err != nil {
			return nil, err
		}
		src = real
	}
	board, err := ioboard.Open(cfg, src)
	if err != nil {
		return nil, err
	}
	a.board = board
	// The lock type changes nothing in the firmware, only the wiring: say
	// which contact this installation expects so the installer can check.
	contact, err := output.Lock(cfg.Relay.Lock).Contact()
	if err != nil {
		board.Close()
		return nil, err
	}
	log.Info("relay", "lock", cfg.Relay.Lock, "wire_lock_on", contact, "coil_active_low", cfg.Relay.ActiveLow)
	if a.panel, err = openPanel(cfg, db, board, src, log); err != nil {
		board.Close()
		return nil, fmt.Errorf("panel: %w", err)
	}
	if a.people, err = people.Open(db); err != nil {
		a.closeHardware()
		return nil, err
	}
	if n := a.people.Outdated; n > 0 {
		log.Warn("profiles coded by an older pipeline are not matched; they need enrolling again", "profiles", n)
	}
	if a.cloud, err = openCloud(cfg, db, a.people, log); err != nil {
		a.closeHardware()
		return nil, fmt.Errorf("service: %w", err)
	}
	if a.cloud != nil {
		a.cloud.health, a.cloud.applyFn = a.health, a.applyConfig
	}
	if a.panel != nil {
		a.panel.recognised = func(badge string) { a.record("Successful Recognition", badge) }
	}
	if a.vision, err = a.openVision(cfg); err != nil {
		a.closeHardware()
		return nil, err
	}
	if addr := cfg.Simulate.Control; addr != "" {
		if a.control, err = net.Listen("tcp", addr); err != nil {
			a.closeHardware()
			return nil, fmt.Errorf("simulator control: %w", err)
		}
	}
	return a, nil
}

// simulatedBoard makes the configured lines, at rest: case closed, door
// contact and panel LED inactive.
func simulatedBoard(cfg *localconfig.Config) *pinsim.Board {
	p := cfg.Pins
	b := pinsim.NewBoard(p.Relay, p.GPO, p.GPI, p.Tamper, p.WiegandD0, p.WiegandD1, p.WiegandLED)
	b.Sim(p.Tamper).Set(gpio.Level(!cfg.Tamper.ActiveLow))
	b.Sim(p.GPI).Set(gpio.Level(cfg.GPI.ActiveLow))
	b.Sim(p.WiegandLED).Set(gpio.Level(cfg.Wiegand.LEDGrantLevel == "low"))
	return b
}

// Run serves until ctx ends, then leaves every output in its safe state.
func (a *appliance) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.closeHardware()

	if a.panel != nil {
		panelDone := make(chan error, 1)
		go func() { panelDone <- a.panel.Run(ctx) }()
		defer func() {
			cancel()
			if err := <-panelDone; err != nil {
				a.log.Error("panel link", "err", err)
			}
		}()
	}
	cloudDone := make(chan error, 1)
	if a.cloud != nil {
		go func() { cloudDone <- a.cloud.Run(ctx) }()
	}
	if a.vision != nil {
		go func() {
			if err := a.vision.Run(ctx); err != nil {
				a.log.Error("vision stopped", "err", err)
			}
		}()
	}
	if a.control != nil {
		srv := &http.Server{Handler: a.controlHandler(), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(a.control)
		defer srv.Close()
		a.log.Info("simulator control endpoint", "url", "http://"+a.control.Addr().String()+"/pins")
	}
	events := make(chan ioboard.Event)
	boardDone := make(chan error, 1)
	go func() { boardDone <- a.board.Run(ctx, events) }()

	a.log.Info("inputs", "tamper_open", a.board.Tamper.Open(), "gpi", a.board.GPI.Asserted(), "panel_grant", a.board.LED.Asserted())
	a.beat()
	close(a.started)
	tick := time.NewTicker(heartbeatEvery)
	defer tick.Stop()
	for {
		select {
		case ev := <-events:
			a.onInput(ev)
		case <-tick.C:
			a.beat()
		case err := <-cloudDone:
			if errors.Is(err, errReboot) {
				cancel()
				<-boardDone
				rb := &rebootError{device: a.sim == nil}
				if p := a.cloud.program.Load(); p != nil {
					rb.program = *p
				}
				return rb
			}
			if ctx.Err() == nil {
				a.log.Error("service link stopped", "err", err)
			}
		case <-ctx.Done():
			<-boardDone
			return ctx.Err()
		}
	}
}

// onInput logs each input change; tamper is an alarm.
func (a *appliance) onInput(ev ioboard.Event) {
	switch ev.Kind {
	case ioboard.KindTamper:
		if ev.Asserted {
			a.log.Warn("tamper: case opened")
		} else {
			a.log.Info("tamper: case closed")
		}
	default:
		a.log.Info("input changed", "input", string(ev.Kind), "asserted", ev.Asserted)
	}
}

// controlHandler serves the simulator endpoint: the pins, and playing a
// recognised person when a panel link is up.
func (a *appliance) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/pins", a.sim.Handler())
	mux.Handle("/pins/", a.sim.Handler())
	if a.panel != nil {
		mux.HandleFunc("POST /identify", a.panel.handleIdentify)
	}
	if a.vision != nil && a.vision.sim != nil {
		mux.HandleFunc("POST /camera", a.vision.handleFrame)
	}
	return mux
}

// openVision starts the camera: simulated, or the configured device.
func (a *appliance) openVision(cfg *localconfig.Config) (*vision, error) {
	v := &vision{log: a.log, cloud: a.cloud}
	switch {
	case cfg.Device.Backend == localconfig.BackendSim:
		v.sim = camera.NewSim(640, 480, 15)
		v.cam = v.sim
	case cfg.Camera.Device != "":
		c := cfg.Camera
		cam, err := camera.OpenDevice(camera.DeviceConfig{Path: c.Device, Width: c.Width, Height: c.Height, FPS: c.FPS, Exposure: c.Exposure})
		if err != nil {
			return nil, err
		}
		v.cam = cam
	default:
		return nil, nil
	}
	fmr := cmp.Or(cfg.Recognition.FalseMatchRate, defaultFalseMatchRate)
	th := match.PalmTail.Threshold(fmr)
	a.log.Info("recognition", "false_match_rate", fmr, "threshold", th)
	e, err := newEntry(a.log, a.people, a.panel, a.record, th)
	if err != nil {
		v.cam.Close()
		return nil, err
	}
	v.entry = e
	return v, nil
}

// closeHardware leaves the outputs safe and closes the serial lines.
func (a *appliance) closeHardware() {
	if a.panel != nil {
		a.panel.Close()
	}
	a.board.Close()
}

func (a *appliance) beat() { a.heartbeat.Store(time.Now().UnixNano()) }

// WaitStarted returns once Run serves.
func (a *appliance) WaitStarted(ctx context.Context) error {
	select {
	case <-a.started:
		return nil
	case <-ctx.Done():
		return errors.New("palmd: stopped before it started")
	}
}

// Alive reports whether the main loop beat recently.
func (a *appliance) Alive() bool {
	return time.Since(time.Unix(0, a.heartbeat.Load())) < 3*heartbeatEvery
}
