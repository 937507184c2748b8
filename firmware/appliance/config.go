package appliance

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/panel"
)

// apply makes the hardware run a configuration the lifecycle accepted, all
// or nothing: if a part fails, what ran before keeps running and the
// configuration is refused.
func (a *Appliance) apply(ctx context.Context, e ApplyConfig) []Event {
	err := a.switchTo(ctx, e.Config)
	if err == nil && e.Save {
		err = a.cfg.Configs.SaveRunning(e.Config)
	}
	if e.Reply != nil {
		e.Reply <- err
	}
	c := e.Config
	if err != nil {
		a.log.Warn("configuration refused; the previous one stays", "version", c.Version, "reason", err)
		return []Event{configRefused{Err: err}}
	}
	a.log.Info("configuration applied", "version", c.Version, "mode", c.Mode, "panel", c.Panel.Protocol,
		"badge_format", c.Badge.Format, "relay", c.Relay.Follow, "gpo", c.Relay.GPOFunc, "language", c.Language)
	return []Event{configApplied{Config: c}}
}

// switchTo brings the network and the panel link to c.
func (a *Appliance) switchTo(ctx context.Context, c api.Config) error {
	cur := a.state.Config
	if cur == nil || !reflect.DeepEqual(cur.WiFi, c.WiFi) {
		var w *network.WiFi
		if c.WiFi != nil {
			w = &network.WiFi{SSID: c.WiFi.SSID, Passphrase: c.WiFi.Passphrase}
		}
		if err := a.cfg.Network.Apply(ctx, w); err != nil {
			return fmt.Errorf("wifi: %w", err)
		}
	}
	key := linkKeyOf(c)
	if a.link != nil && a.link.key == key {
		return nil
	}
	spec, err := specOf(c)
	if err != nil {
		return err
	}
	old := a.link
	a.stopLink()
	if err := a.startLink(ctx, key, spec); err != nil {
		if old != nil {
			if rerr := a.startLink(ctx, old.key, old.spec); rerr != nil {
				a.log.Error("the previous door controller link did not come back", "err", rerr)
			}
		}
		return err
	}
	a.releaseUndriven(old, spec)
	return nil
}

// releaseUndriven de-energises outputs the panel drove and no longer
// does, so that a hold the panel gave does not outlive its control.
func (a *Appliance) releaseUndriven(old *runningLink, now panel.Spec) {
	if old == nil {
		return
	}
	for i, o := range a.cfg.Outputs {
		if old.spec.Driven[i] && !now.Driven[i] {
			if err := o.Release(); err != nil {
				a.log.Error("releasing an output the panel no longer drives", "output", i, "err", err)
			}
		}
	}
}

// linkKey is what of a configuration the panel link depends on: a new
// configuration that changes none of it keeps the link running.
type linkKey struct {
	Panel       api.PanelConfig
	Badge       api.BadgeConfig
	Follow, GPO string
}

func linkKeyOf(c api.Config) linkKey {
	return linkKey{Panel: c.Panel, Badge: c.Badge, Follow: c.Relay.Follow, GPO: c.Relay.GPOFunc}
}

// specOf is the panel link a configuration asks for.
func specOf(c api.Config) (panel.Spec, error) {
	f, err := c.BadgeFormat()
	if err != nil {
		return panel.Spec{}, fmt.Errorf("badge: %w", err)
	}
	p := c.Panel
	return panel.Spec{
		Protocol: p.Protocol, Format: f,
		Driven:  []bool{c.Relay.Follow == "panel", c.Relay.GPOFunc == "panel"},
		Address: byte(p.Address), Baud: uint32(p.Baud), Secure: p.Secure,
		Pulse: time.Duration(p.PulseUS) * time.Microsecond, Interval: time.Duration(p.GapUS) * time.Microsecond,
	}, nil
}

// runningLink is the door controller link and the goroutines serving it.
type runningLink struct {
	panel.Link
	key    linkKey
	spec   panel.Spec
	cancel context.CancelFunc
	done   chan struct{}
}

// startLink opens a link and serves it: its own loop, and its decisions
// passed to the lifecycle.
func (a *Appliance) startLink(ctx context.Context, key linkKey, spec panel.Spec) error {
	l, err := a.cfg.Panels.Open(spec)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &runningLink{Link: l, key: key, spec: spec, cancel: cancel, done: make(chan struct{})}
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := l.Run(ctx, a.beater(ctx, PartPanel)); err != nil && ctx.Err() == nil {
			a.log.Error("door controller link stopped", "protocol", spec.Protocol, "err", err)
		}
	})
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case d := <-l.Decisions():
				a.post(ctx, Decided{d})
			}
		}
	})
	a.wg.Go(func() {
		wg.Wait()
		close(r.done)
	})
	a.link = r
	a.log.Info("door controller link", "protocol", spec.Protocol, "format", spec.Format.Name())
	return nil
}

// stopLink ends the running link and waits for its goroutines.
func (a *Appliance) stopLink() {
	if a.link == nil {
		return
	}
	a.link.cancel()
	<-a.link.done
	a.link = nil
}
