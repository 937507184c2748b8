package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/qr"
	"github.com/palmd/palmd/firmware/release"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/firmware/update"
)

// errReboot ends palmd so that the reader restarts (the service asked).
var errReboot = errors.New("palmd: reboot requested by the service")

// rebootError carries errReboot out of the appliance to main, which
// reboots the device, or in simulation starts palmd afresh.
type rebootError struct {
	device  bool
	program string // in simulation, what to run instead (an updated program)
}

func (e *rebootError) Error() string { return errReboot.Error() }
func (e *rebootError) Unwrap() error { return errReboot }

// cloudLink is the reader's life with its service: waiting for an
// activation code, activating, then staying in sync until deactivated.
type cloudLink struct {
	log      *slog.Logger
	db       *store.DB
	ids      *identity.Dir
	people   *people.Directory
	act      *cloud.Activator
	sync     *cloud.Syncer
	frames   chan image.Image
	awaiting atomic.Bool
	config   atomic.Pointer[api.Config]
	reboot   atomic.Bool
	program  atomic.Pointer[string] // the program to restart into, after an update
	health   func() api.Health
	applyFn  func(api.Config) error
}

// openCloud sets up the service link when [service] is configured.
func openCloud(cfg *localconfig.Config, db *store.DB, dir *people.Directory, log *slog.Logger) (*cloudLink, error) {
	s := cfg.Service
	if s.URL == "" {
		return nil, nil
	}
	anchors, err := loadAnchors(s.TrustAnchor)
	if err != nil {
		return nil, err
	}
	pin, err := loadPublicKey(s.ActivationKey, "service.activation_key")
	if err != nil {
		return nil, err
	}
	ids, err := identity.NewDir(filepath.Join(cfg.Device.StateDir, "identity"))
	if err != nil {
		return nil, err
	}
	c := &cloudLink{log: log, db: db, ids: ids, people: dir, frames: make(chan image.Image, 1)}
	c.act = &cloud.Activator{Service: s.URL, Anchors: anchors, PinnedKey: pin, Serial: cfg.Device.Name, Identity: ids}
	c.sync = &cloud.Syncer{Service: s.URL, Anchors: anchors, Identity: ids, Store: db, Device: c,
		Gallery: dir, Log: log, AfterRound: c.afterRound}
	if running, ok := cloud.RunningConfig(db); ok {
		c.config.Store(&running)
	}
	if s.ReleaseKey != "" {
		if c.sync.Software, err = c.updates(s, cfg.Device.StateDir); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// updates sets up software updates: releases signed with the release key
// replace the program at service.install_to (default: this one).
func (c *cloudLink) updates(s localconfig.Service, stateDir string) (*cloud.Updates, error) {
	key, err := loadPublicKey(s.ReleaseKey, "service.release_key")
	if err != nil {
		return nil, err
	}
	target := s.InstallTo
	if target == "" {
		if target, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("service.install_to: %w", err)
		}
	}
	return &cloud.Updates{Running: version, Arch: runtime.GOARCH, ReleaseKey: key,
		Dir: filepath.Join(stateDir, "updates"), Installer: &restartingInstaller{swap: update.Swap{Target: target}, link: c}}, nil
}

// restartingInstaller swaps the program and has palmd restart into it
// after the sync round.
type restartingInstaller struct {
	swap update.Swap
	link *cloudLink
}

func (i *restartingInstaller) Install(path string, m release.Manifest) error {
	if err := i.swap.Install(path, m); err != nil {
		return err
	}
	i.link.log.Warn("software update installed; restarting", "version", m.Version, "program", i.swap.Target)
	i.link.program.Store(&i.swap.Target)
	i.link.reboot.Store(true)
	return nil
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

// Run activates when needed and syncs until ctx ends; a deactivation
// returns to waiting for a code.
func (c *cloudLink) Run(ctx context.Context) error {
	for {
		if _, _, err := c.ids.Load(); errors.Is(err, identity.ErrNotActivated) {
			if err := c.awaitActivation(ctx); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		c.log.Info("service: in sync", "url", c.act.Service)
		err := c.sync.Run(ctx)
		if !errors.Is(err, cloud.ErrDeactivated) {
			return err
		}
		c.config.Store(nil)
	}
}

// awaitActivation reads camera frames until one holds a code that
// activates the reader. Each refusal is logged as the screen shows it.
func (c *cloudLink) awaitActivation(ctx context.Context) error {
	dec, err := qr.NewDecoder(qr.Config{})
	if err != nil {
		return fmt.Errorf("activation: QR decoder: %w", err)
	}
	defer dec.Close()
	scanner := qr.NewScanner(dec, qrBudget)
	c.log.Info("Scan QR code")
	c.awaiting.Store(true)
	defer c.awaiting.Store(false)
	refused := refusal{pause: retryRefused}
	for {
		var frame image.Image
		select {
		case <-ctx.Done():
			return ctx.Err()
		case frame = <-c.frames:
		}
		res, err := scanner.Scan(grayOf(frame))
		if err != nil {
			c.log.Info("no activation code in view")
			continue
		}
		if refused.holds(res.Payload, time.Now()) {
			continue
		}
		start := time.Now()
		_, cfg, err := c.act.Activate(ctx, res.Payload)
		if err != nil {
			c.log.Warn("activation refused", "reason", err)
			refused.note(res.Payload, time.Now())
			continue
		}
		if err := c.ApplyConfig(cfg); err == nil {
			err = cloud.SaveRunning(c.db, cfg)
		}
		if err != nil {
			c.log.Error("activation: first configuration", "err", err)
		}
		c.log.Info("Activation complete!", "took", time.Since(start).Round(time.Millisecond))
		return nil
	}
}

// qrBudget is the decoding time a camera frame gets while the "Scan QR
// code" screen is up: a few frames' worth, so the cascade's slower
// attempts run on some frames rather than none.
const qrBudget = 60 * time.Millisecond

// retryRefused is how long a refused code in view is left alone.
const retryRefused = 5 * time.Second

// refusal remembers the code last refused, so that it is tried again only
// after a pause: the phone stays in view for many frames, and a service
// that was unreachable may be back.
type refusal struct {
	pause   time.Duration
	payload string
	at      time.Time
}

func (r *refusal) note(payload string, now time.Time) { r.payload, r.at = payload, now }

// holds reports whether payload was refused less than a pause ago.
func (r *refusal) holds(payload string, now time.Time) bool {
	return payload == r.payload && now.Sub(r.at) < r.pause
}

// grayOf gives the decoder the frame as 8-bit grayscale, converting only
// when the frame is not gray already.
func grayOf(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g
}

// ApplyConfig implements cloud.Device: the whole configuration switches
// at once.
func (c *cloudLink) ApplyConfig(cfg api.Config) error {
	if c.applyFn != nil {
		if err := c.applyFn(cfg); err != nil {
			return err
		}
	}
	c.config.Store(&cfg)
	c.log.Info("configuration applied", "version", cfg.Version, "mode", cfg.Mode, "panel", cfg.Panel.Protocol, "badge_format", cfg.Badge.Format)
	return nil
}

// Health implements cloud.Device.
func (c *cloudLink) Health() api.Health { return c.health() }

// Execute implements cloud.Device: a reboot happens after the round that
// acknowledged it.
func (c *cloudLink) Execute(cmd api.Command) error {
	if cmd.Kind != api.CommandReboot {
		return fmt.Errorf("unknown command %q", cmd.Kind)
	}
	c.log.Warn("service: reboot requested")
	c.reboot.Store(true)
	return nil
}

func (c *cloudLink) afterRound() error {
	if c.reboot.Load() {
		return errReboot
	}
	return nil
}

// Wipe implements cloud.Device: templates, configuration, events and keys
// of the state store go with the identity.
func (c *cloudLink) Wipe() error {
	c.people.Gallery.Clear()
	return c.db.Wipe()
}

// scanning reports whether the reader waits for an activation code.
func (c *cloudLink) scanning() bool { return c.awaiting.Load() }

// offer hands a camera frame to the activation scan; frames that arrive
// while the previous one is being read are dropped, as a camera's are.
func (c *cloudLink) offer(img *image.Gray) {
	select {
	case c.frames <- img:
	default:
	}
}

var _ cloud.Device = (*cloudLink)(nil)
