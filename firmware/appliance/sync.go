package appliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

// startSync runs the service link on a goroutine of its own, once.
func (a *Appliance) startSync(ctx context.Context) {
	if a.cfg.Service == nil || a.syncing {
		return
	}
	a.syncing = true
	dev := &syncDevice{a: a, ctx: ctx}
	a.wg.Go(func() {
		err := a.cfg.Service.Sync(ctx, dev)
		ev := SyncEnded{Err: err}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, cloud.ErrDeactivated):
			ev = SyncEnded{Deactivated: true}
		case errors.Is(err, errRestart):
			ev = SyncEnded{Restart: &dev.restart}
		default:
			a.log.Error("service link stopped", "err", err)
		}
		a.post(ctx, syncStopped{ev})
	})
}

// syncStopped wraps SyncEnded so that the runtime notes the sync is over
// before the lifecycle sees it.
type syncStopped struct{ SyncEnded }

// errRestart ends a sync whose round asked the reader to restart.
var errRestart = errors.New("appliance: restart requested")

// syncDevice is the reader as the sync goroutine sees it. Its methods run
// on that goroutine; what changes the reader goes to the lifecycle as an
// event and waits for its answer.
type syncDevice struct {
	a       *Appliance
	ctx     context.Context
	restart Restart
	pending bool
}

var _ Device = (*syncDevice)(nil)

// ApplyConfig implements cloud.Device.
func (d *syncDevice) ApplyConfig(c api.Config) error {
	reply := make(chan error, 1)
	if err := d.a.Post(d.ctx, ConfigArrived{Config: c, Reply: reply}); err != nil {
		return err
	}
	select {
	case err := <-reply:
		return err
	case <-d.ctx.Done():
		return d.ctx.Err()
	}
}

// Health implements cloud.Device.
func (d *syncDevice) Health() api.Health {
	q := healthQuery{reply: make(chan api.Health, 1)}
	if d.a.Post(d.ctx, q) != nil {
		return api.Health{Status: "CRITICAL", Failing: []string{"stopping"}}
	}
	select {
	case h := <-q.reply:
		return h
	case <-d.ctx.Done():
		return api.Health{Status: "CRITICAL", Failing: []string{"stopping"}}
	}
}

// Execute implements cloud.Device: a reboot happens after the round that
// acknowledged it, or the reader would reboot for ever.
func (d *syncDevice) Execute(c api.Command) error {
	if c.Kind != api.CommandReboot {
		return fmt.Errorf("unknown command %q", c.Kind)
	}
	d.a.log.Warn("service: reboot requested")
	d.restart, d.pending = Restart{Reason: "reboot requested by the service"}, true
	return nil
}

// Wipe implements cloud.Device: templates, configuration, keys and events
// go with the identity (the Syncer wipes that); the lifecycle forgets its
// state when the sync ends.
func (d *syncDevice) Wipe() error { return d.a.cfg.Wiper.Wipe() }

// AfterRound implements Device.
func (d *syncDevice) AfterRound() error {
	if d.pending {
		return errRestart
	}
	return nil
}

// RoundDone implements Device.
func (d *syncDevice) RoundDone(err error) { d.a.post(d.ctx, RoundDone{Err: err}) }

// Installing implements Device.
func (d *syncDevice) Installing(version string) {
	d.a.log.Warn("software update: installing", "version", version)
	d.a.post(d.ctx, UpdateInstalling{Version: version})
}

// Installed implements Device.
func (d *syncDevice) Installed(program string, err error) {
	if err != nil {
		d.a.log.Error("software update failed; the running version stays", "err", err)
		d.a.post(d.ctx, UpdateEnded{Err: err})
		return
	}
	d.restart, d.pending = Restart{Reason: "software update installed", Program: program}, true
}
