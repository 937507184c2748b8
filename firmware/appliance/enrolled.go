package appliance

// The runtime's side of an enrollment: the badge scanner's reads to the
// lifecycle, and a finished enrollment sealed, made searchable and queued
// for upload.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

// startBadges runs the badge scanner and passes its reads on. A scanner
// that stops (a USB scanner unplugged) is started again with backoff, so
// that plugging it back is enough.
func (a *Appliance) startBadges(ctx context.Context) {
	reads := make(chan badge.Read)
	a.wg.Go(func() {
		wait := minScannerRetry
		for {
			start := time.Now()
			err := a.cfg.Badges.Run(ctx, reads)
			if ctx.Err() != nil {
				return
			}
			if time.Since(start) > maxScannerRetry {
				wait = minScannerRetry // it ran a while: a new failure
			}
			a.log.Error("badge scanner stopped; starting it again", "err", err, "in", wait)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, maxScannerRetry)
		}
	})
	a.wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case r := <-reads:
				a.post(ctx, BadgeRead{r}) // never logged: a badge number
			}
		}
	})
}

// The badge scanner's restart backoff.
const (
	minScannerRetry = 500 * time.Millisecond
	maxScannerRetry = 30 * time.Second
)

// saveProfile seals the new profile and makes it searchable, then queues
// its upload: the outbox holds only its ID (the templates stay sealed in
// the vault), and the event's ID is the profile's, which makes the
// upload idempotent. If the upload cannot be queued the profile is taken
// back, so a reader never keeps a person the service will not learn of.
func (a *Appliance) saveProfile(e SaveProfile) error {
	ev, err := cloud.NewEvent(api.EventEnrolled, nil, time.Now())
	if err != nil {
		return err
	}
	p := api.Profile{ID: ev.ID, Badge: e.Badge}
	for _, hand := range e.Templates {
		for _, t := range hand {
			b, err := t.MarshalBinary()
			if err != nil {
				return fmt.Errorf("enrollment: template: %w", err)
			}
			p.Templates = append(p.Templates, b)
		}
	}
	if err := a.cfg.People.Enrol(p, e.Replaces); err != nil {
		return err
	}
	ev.Data, err = json.Marshal(api.Enrolled{Profile: p.ID, Replaces: e.Replaces})
	if err == nil {
		err = a.cfg.Outbox.Record(ev)
	}
	if err != nil {
		if derr := a.cfg.People.Delete(p.ID); derr != nil {
			a.log.Error("taking back a profile whose upload could not be queued", "err", derr)
		}
		return fmt.Errorf("enrollment: queueing the upload: %w", err)
	}
	a.log.Info("enrolled", "hands", len(e.Hands), "templates", len(p.Templates), "re-enrollment", e.Replaces != "")
	return nil
}
