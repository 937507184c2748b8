package appliance

import (
	"context"
	"errors"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/release"
)

// Cloud is the Service of a reader whose local configuration names one:
// firmware/cloud's activation and sync.
type Cloud struct {
	Activator *cloud.Activator
	Identity  *identity.Dir
	// Syncer is copied for each sync and given the device's hooks.
	Syncer cloud.Syncer
	// Updates, if set, fetches releases; Install puts them in place.
	Updates *cloud.Updates
	Install cloud.Installer
}

var _ Service = (*Cloud)(nil)

// Activated implements Service.
func (c *Cloud) Activated() bool {
	_, _, err := c.Identity.Load()
	return err == nil
}

// Activate implements Service.
func (c *Cloud) Activate(ctx context.Context, code string) (api.Config, error) {
	_, cfg, err := c.Activator.Activate(ctx, code)
	return cfg, err
}

// Sync implements Service.
func (c *Cloud) Sync(ctx context.Context, dev Device) error {
	if !c.Activated() {
		return errors.New("appliance: no identity to sync with")
	}
	s := c.Syncer
	s.Device, s.AfterRound, s.OnRound = dev, dev.AfterRound, dev.RoundDone
	if c.Updates != nil {
		u := *c.Updates
		u.Installer = reportingInstaller{c.Install, dev}
		s.Software = &u
	}
	return s.Run(ctx)
}

// reportingInstaller tells the lifecycle an update is going in, and that
// it is in (the restart then comes after the round).
type reportingInstaller struct {
	cloud.Installer
	dev Device
}

// Trying implements cloud.Trial for an inner installer that has slots:
// nothing is fetched while the running release is on trial.
func (r reportingInstaller) Trying() bool {
	t, ok := r.Installer.(cloud.Trial)
	return ok && t.Trying()
}

// Target names what a reporting installer's inner installer replaces.
type Target interface{ Program() string }

func (r reportingInstaller) Install(path string, m release.Manifest) error {
	r.dev.Installing(m.Version)
	program := ""
	if t, ok := r.Installer.(Target); ok {
		program = t.Program()
	}
	err := r.Installer.Install(path, m)
	r.dev.Installed(program, err)
	return err
}
