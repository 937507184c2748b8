package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/palmd/palmd/biometric/cohort"
	"github.com/palmd/palmd/biometric/match"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/drivers/badge/wiegandreader"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/sdnotify"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/firmware/update"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/osdp"
)

// defaultFalsePositiveRate is the share of presentations of someone not
// enrolled that may identify as an enrolled person, when the local
// configuration names no rate: one in 100,000.
const defaultFalsePositiveRate = 1e-5

// duplicateFalseMatchRate is the rate per comparison at which an
// enrollment's capture counts as a palm already enrolled. Looser than
// identification's: on synthetic presentations one capture finds its
// enrolled twin 29 times in 30 at 1e-6 against 20 in 30 at 1e-9, and a
// missed duplicate gives one palm two badges, while a false one (about
// 1 % of enrollments with 10,000 people enrolled) sends the person to
// security.
const duplicateFalseMatchRate = 1e-6

// serialReadTimeout is how the OSDP stack keeps time on the line; longer
// than a USB adapter's 16 ms latency timer so frames are not split.
const serialReadTimeout = 25 * time.Millisecond

// reader is the appliance with the hardware it runs on.
type reader struct {
	app      *appliance.Appliance
	notifier *sdnotify.Notifier
	board    *ioboard.Board
	sim      *simulation               // nil on real hardware
	lines    wiegandreader.LineWatcher // the board's GPIO lines (real hardware)
	face     *face                     // the touchscreen page, light ring and speaker
	opts     options
	closers  []io.Closer
	log      *slog.Logger
}

// run serves until ctx ends or the reader must restart; the simulators
// (when simulated) run beside it and stop with it.
func (r *reader) run(ctx context.Context) (appliance.Restart, error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	r.face.start(ctx, &wg, r.app)
	if r.sim != nil {
		if err := r.sim.start(ctx, &wg, r.app, r.face.url()); err != nil {
			cancel()
			wg.Wait()
			return appliance.Restart{}, err
		}
	}
	restart, err := r.app.Run(ctx)
	cancel()
	wg.Wait()
	return restart, err
}

// close leaves the outputs safe and releases the lines and devices.
func (r *reader) close() {
	if r.board != nil {
		if err := r.board.Close(); err != nil {
			r.log.Error("leaving the outputs safe", "err", err)
		}
	}
	if r.face != nil {
		r.face.close()
	}
	for i := len(r.closers) - 1; i >= 0; i-- {
		_ = r.closers[i].Close()
	}
}

// build makes the reader the local configuration describes.
func build(cfg *localconfig.Config, db *store.DB, log *slog.Logger, opts options) (*reader, error) {
	r := &reader{notifier: sdnotify.FromEnv(), log: log, opts: opts}
	ok := false
	defer func() {
		if !ok {
			r.close()
		}
	}()
	var src ioboard.Pins
	if cfg.Device.Backend == localconfig.BackendSim {
		r.sim = newSimulation(cfg, log)
		src = r.sim.pins
	} else {
		real, err := pins.Open()
		if err != nil {
			return nil, err
		}
		src, r.lines = real, real
	}
	var err error
	if r.face, err = buildFace(opts, r.sim, log); err != nil {
		return nil, err
	}
	board, err := ioboard.Open(cfg, src)
	if err != nil {
		return nil, err
	}
	r.board = board
	// The lock type changes nothing in the firmware, only the wiring: say
	// which contact this installation expects so the installer can check.
	contact, err := output.Lock(cfg.Relay.Lock).Contact()
	if err != nil {
		return nil, err
	}
	log.Info("relay", "lock", cfg.Relay.Lock, "wire_lock_on", contact, "coil_active_low", cfg.Relay.ActiveLow)
	ac, err := r.ports(cfg, db, src, log)
	if err != nil {
		return nil, err
	}
	if r.app, err = appliance.New(ac); err != nil {
		return nil, err
	}
	ok = true
	return r, nil
}

// ports assembles what the appliance is made of.
func (r *reader) ports(cfg *localconfig.Config, db *store.DB, src ioboard.Pins, log *slog.Logger) (appliance.Config, error) {
	b := r.board
	opener, err := r.panels(cfg, db, src, log)
	if err != nil {
		return appliance.Config{}, fmt.Errorf("panel: %w", err)
	}
	dir, err := people.Open(db)
	if err != nil {
		return appliance.Config{}, err
	}
	if n := dir.Outdated; n > 0 {
		log.Warn("profiles coded by an older pipeline are not matched; they need enrolling again", "profiles", n)
	}
	if n := len(dir.Unreadable); n > 0 {
		log.Warn("damaged profiles destroyed; the whole gallery is fetched again at the next sync", "profiles", n)
	}
	nm := &network.NetworkManager{}
	ac := appliance.Config{
		Caps:   appliance.Caps{RS485: opener.Port != nil, SilenceDenies: cfg.Wiegand.Silence == "denied"},
		Outbox: cloud.Outbox{DB: db}, Configs: cloud.Configs{DB: db},
		Wiper: wiper{dir, db}, Inputs: b, Panels: opener, Outputs: [2]panel.Output{b.Relay, b.GPO},
		Watchdog: r.notifier, Probes: appliance.HostProbes{StateDir: cfg.Device.StateDir},
		Network: nm, Uplink: nm, Version: version, Log: log, People: dir,
	}
	if ac.Badges, err = badgeScanner(cfg.Badge, r.sim, r.lines, log); err != nil {
		return appliance.Config{}, err
	}
	if r.sim != nil && r.sim.badges != nil {
		r.closers = append(r.closers, r.sim.badges)
	}
	r.face.ports(&ac, r.opts, r.sim, log)
	if r.sim != nil {
		ac.Panels, ac.Network, ac.Uplink = r.sim.followSite(opener), r.sim.network, r.sim.network
	}
	if ac.Camera, err = r.camera(cfg, dir, log); err != nil {
		return appliance.Config{}, err
	}
	if cfg.Service.URL != "" {
		c, err := service(cfg, db, dir, log)
		if err != nil {
			return appliance.Config{}, fmt.Errorf("service: %w", err)
		}
		ac.Service = c
		if cl, ok := c.Install.(io.Closer); ok {
			r.closers = append(r.closers, cl) // RAUC's bus connection
		}
		if slots, ok := c.Install.(update.Slots); ok {
			ac.Software, ac.ConfirmAfter = appliance.SlotSoftware{Slots: slots, Updates: c.Updates}, cfg.Service.ConfirmAfter.Duration
			ac.TrialLimit = cfg.Service.TrialLimit.Duration
		}
	}
	return ac, nil
}

// panels prepares the door controller links: the RS-485 line when there
// is one, the Wiegand port always.
func (r *reader) panels(cfg *localconfig.Config, db *store.DB, src ioboard.Pins, log *slog.Logger) (*panel.Opener, error) {
	b := r.board
	settings, err := panel.LoadSettings(db)
	if err != nil {
		return nil, err
	}
	o := &panel.Opener{
		ID:       osdp.PDID{Vendor: [3]byte{'P', 'L', 'M'}, Model: 1, Version: 1, FirmwareMajor: 0, FirmwareMinor: 1},
		Settings: settings, D0: b.D0, D1: b.D1, LED: b.LED, Logger: log,
		IO: panel.IO{Outputs: []panel.Output{b.Relay, b.GPO}, GPI: b.GPI.Asserted, Tamper: b.Tamper.Open},
	}
	switch dev := cfg.RS485.Device; {
	case dev == "sim":
		var port, master io.Closer
		if port, master, err = r.sim.openPanelLine(settings.OSDP()); err == nil {
			r.closers = append(r.closers, master, port)
			o.Port = port.(osdp.Link)
		}
	case dev != "":
		o.Port, err = r.openPort(cfg, src)
	}
	if err != nil {
		return nil, err
	}
	if o.Port != nil {
		log.Info("osdp", "serial", cfg.RS485.Device, "install_mode", settings.OSDP().InstallMode)
	}
	return o, nil
}

// openPort opens the RS-485 port and sets up its direction control.
func (r *reader) openPort(cfg *localconfig.Config, src ioboard.Pins) (osdp.Link, error) {
	dev := cfg.RS485.Device
	dir, err := serial.ParseDirection(cfg.RS485.Direction)
	if err != nil {
		return nil, err
	}
	if dir == serial.DirectionKernel {
		if err := serial.EnableKernelRS485(dev); err != nil {
			return nil, err
		}
	}
	port, err := serial.Open(dev, int(panel.DefaultOSDP.Baud), serialReadTimeout)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, port)
	if dir != serial.DirectionGPIO {
		return port, nil
	}
	de, err := src.ByName(cfg.RS485.DEPin)
	if err != nil {
		return nil, fmt.Errorf("rs485.de_pin: %w", err)
	}
	return serial.NewDEPort(port, de, int(panel.DefaultOSDP.Baud))
}

// camera builds the camera worker: the simulator's camera, the configured
// device, or none.
func (r *reader) camera(cfg *localconfig.Config, dir *people.Directory, log *slog.Logger) (appliance.Camera, error) {
	var open vision.Opener
	switch c := cfg.Camera; {
	case r.sim != nil:
		open = r.sim.camera.Open
	case c.Device != "":
		dc := camera.DeviceConfig{Path: c.Device, Format: c.Format, Width: c.Width, Height: c.Height, FPS: c.FPS, Exposure: c.Exposure}
		open = func() (camera.Source, error) { return camera.OpenDevice(dc) }
	default:
		return nil, nil
	}
	// Each frame's search is scaled by the frame's cohort, against the
	// shipped one, and decided at its scores' tail (README, "The probe's
	// cohort").
	co, err := cohort.Templates()
	if err != nil {
		return nil, fmt.Errorf("recognition: %w", err)
	}
	rc := recognize.Config{FalseMatchRate: cfg.Recognition.FalseMatchRate, Cohort: co, Tail: &match.PalmCohortTail}
	if rc.FalseMatchRate == 0 {
		rc.FalsePositiveRate = cmp.Or(cfg.Recognition.FalsePositiveRate, defaultFalsePositiveRate)
	}
	palms, err := recognize.New(rc, dir.Gallery)
	if err != nil {
		return nil, err
	}
	log.Info("recognition", "false_positive_rate", rc.FalsePositiveRate, "false_match_rate", rc.FalseMatchRate,
		"threshold_now", palms.Threshold())
	r.closers = append(r.closers, palms)
	enrol := vision.Enrolments{Reader: palms, Duplicate: match.PalmTail.Threshold(duplicateFalseMatchRate)}
	codes, err := vision.NewCodes()
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, codes)
	return vision.New(vision.Config{Open: open, Codes: codes, Palms: palms, Enrol: enrol, Log: log})
}

// service sets up activation and the sync with the service named in
// [service].
func service(cfg *localconfig.Config, db *store.DB, dir *people.Directory, log *slog.Logger) (*appliance.Cloud, error) {
	s := cfg.Service
	anchors, err := loadAnchors(s.TrustAnchor)
	if err != nil {
		return nil, err
	}
	pin, err := loadPublicKey(s.ActivationKey, "service.activation_key")
	if err != nil {
		return nil, err
	}
	ids, err := identity.NewDir(filepath.Join(cfg.Device.StateDir, "identity"), db)
	if err != nil {
		return nil, err
	}
	c := &appliance.Cloud{
		Activator: &cloud.Activator{Service: s.URL, Anchors: anchors, PinnedKey: pin, Serial: cfg.Device.Name, Identity: ids},
		Identity:  ids,
		Syncer:    cloud.Syncer{Service: s.URL, Anchors: anchors, Identity: ids, Store: db, Gallery: dir, Log: log},
	}
	if s.ReleaseKey == "" {
		return c, nil
	}
	key, err := loadPublicKey(s.ReleaseKey, "service.release_key")
	if err != nil {
		return nil, err
	}
	c.Updates = &cloud.Updates{Running: version, Arch: runtime.GOARCH, ReleaseKey: key, Dir: filepath.Join(cfg.Device.StateDir, "updates")}
	switch s.Slots {
	case "":
	case localconfig.SlotsRAUC:
		// A bundle goes into the inactive slot through RAUC; the reader
		// reboots and the bootloader tries it.
		if c.Install, err = update.DialRAUC("", filepath.Join(cfg.Device.StateDir, "rauc-trial.json")); err != nil {
			return nil, fmt.Errorf("service.slots: %w", err)
		}
		return c, nil
	default:
		// A release goes into the inactive slot; palmd exits and the
		// bootloader (palmctl boot in simulation) tries it.
		c.Install = update.Dir{Root: s.Slots}
		return c, nil
	}
	target := s.InstallTo
	if target == "" {
		if target, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("service.install_to: %w", err)
		}
	}
	c.Install = update.Swap{Target: target}
	return c, nil
}

func loadAnchors(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("service.trust_anchor: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("service.trust_anchor: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// loadPublicKey reads a PEM Ed25519 public key named by the field of the
// local configuration.
func loadPublicKey(path, field string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || len(blk.Bytes) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s: %s is not a PEM Ed25519 public key", field, path)
	}
	return ed25519.PublicKey(blk.Bytes), nil
}

// wiper forgets the enrolled people and wipes the store on deactivation.
type wiper struct {
	dir *people.Directory
	db  *store.DB
}

func (w wiper) Wipe() error {
	w.dir.Gallery.Clear()
	return w.db.Wipe()
}

// logDisplay is the screen until ui/ serves one: each screen is logged
// once, when it comes up.
type logDisplay struct{ log *slog.Logger }

func (d logDisplay) Show(s appliance.Screen) {
	args := []any{"name", s.Name, "language", s.Language}
	if len(s.Hints) > 0 {
		args = append(args, "hints", s.Hints)
	}
	if s.Reason != "" {
		args = append(args, "reason", s.Reason)
	}
	d.log.Info("screen", args...)
}
