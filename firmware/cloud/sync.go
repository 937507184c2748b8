package cloud

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"slices"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/store"
)

// Device is what the service changes on the reader.
type Device interface {
	// ApplyConfig switches to c as one step, or returns why it cannot
	// (the running configuration then stays).
	ApplyConfig(c api.Config) error
	// Health is the current health report.
	Health() api.Health
	// Execute carries out a reboot (after the acknowledgement has gone
	// out, or the reader would reboot forever); refresh and deactivation
	// are the Syncer's.
	Execute(c api.Command) error
	// Wipe destroys templates, configuration and events on deactivation.
	Wipe() error
}

// Gallery is the local copy of the site's enrolled people.
type Gallery interface {
	Add(p api.Profile) error
	Delete(ids ...string) error
	// Profile returns a profile enrolled here, for its upload; an error
	// wrapping ErrNoProfile when it was deleted since.
	Profile(id string) (api.Profile, error)
}

// ErrDeactivated is returned by Run once the service has deactivated the
// reader and its identity is gone.
var ErrDeactivated = errors.New("cloud: reader deactivated")

// Keys in the store.
const (
	keyConfig  = "cloud/config"
	keyCursor  = "cloud/gallery-cursor"
	keyCmdDone = "cloud/command-done/"
)

// Syncer keeps an activated reader in step with the service.
type Syncer struct {
	Service  string
	Anchors  *x509.CertPool // used when the identity carries no trust bundle
	Identity *identity.Dir
	Store    *store.DB
	Device   Device
	Gallery  Gallery
	Log      *slog.Logger
	// Interval between polls for configuration, commands and gallery
	// changes; default 5 s. Health goes on change and every HealthEvery
	// (default 60 s).
	Interval, HealthEvery time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failure; defaults
	// 500 ms and 1 min, with full jitter.
	MinBackoff, MaxBackoff time.Duration
	// Software, if set, fetches and installs new releases after each round.
	Software *Updates
	// AfterRound, if set, runs after every successful round; an error ends
	// Run with that error (a reboot waits for its acknowledgement so).
	AfterRound func() error
	// OnRound, if set, learns each round's outcome: nil, or why the
	// service could not be reached or refused the reader.
	OnRound func(err error)

	client     *clientState
	lastHealth *api.Health
	healthAt   time.Time
}

type clientState struct {
	do   func(ctx context.Context, method, path string, in, out any) (bool, error)
	get  func(ctx context.Context, path string, offset int64) (io.ReadCloser, int64, error)
	base string
}

// RunningConfig returns the configuration the reader last applied. It is
// sealed in the store: it carries the Wi-Fi passphrase.
func RunningConfig(db *store.DB) (api.Config, bool) {
	var c api.Config
	b, err := db.GetSecret(keyConfig)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return api.Config{}, false
	}
	return c, true
}

// SaveRunning records c as applied (after activation or a sync).
func SaveRunning(db *store.DB, c api.Config) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return db.PutSecret(keyConfig, b)
}

// Configs is the running configuration in a store, for those that keep it
// through an interface.
type Configs struct{ DB *store.DB }

// Running returns the configuration last applied.
func (c Configs) Running() (api.Config, bool) { return RunningConfig(c.DB) }

// SaveRunning records the configuration applied.
func (c Configs) SaveRunning(cfg api.Config) error { return SaveRunning(c.DB, cfg) }

func (s *Syncer) defaults() {
	if s.Interval <= 0 {
		s.Interval = 5 * time.Second
	}
	if s.HealthEvery <= 0 {
		s.HealthEvery = time.Minute
	}
	if s.MinBackoff <= 0 {
		s.MinBackoff = 500 * time.Millisecond
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = time.Minute
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
}

// Run syncs until ctx ends or the reader is deactivated. Network failures
// are retried with exponential backoff; nothing queued is lost.
func (s *Syncer) Run(ctx context.Context) error {
	s.defaults()
	if err := s.connect(); err != nil {
		return err
	}
	backoff := s.MinBackoff
	for {
		err := s.Round(ctx)
		if errors.Is(err, ErrDeactivated) || ctx.Err() != nil {
			return err
		}
		if s.OnRound != nil {
			s.OnRound(err)
		}
		if err == nil && s.AfterRound != nil {
			if stop := s.AfterRound(); stop != nil {
				return stop
			}
		}
		wait := s.Interval
		if err != nil {
			s.Log.Warn("cloud: sync failed; retrying", "err", err, "in", backoff)
			wait = time.Duration(rand.Int64N(int64(backoff)) + 1) // full jitter
			backoff = min(backoff*2, s.MaxBackoff)
		} else {
			backoff = s.MinBackoff
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// connect builds the mutual-TLS client from the stored identity.
func (s *Syncer) connect() error {
	s.defaults()
	id, cert, err := s.Identity.Load()
	if err != nil {
		return err
	}
	anchors := s.Anchors
	if id.TrustBundle != "" {
		anchors = x509.NewCertPool()
		if !anchors.AppendCertsFromPEM([]byte(id.TrustBundle)) {
			return errors.New("cloud: the stored trust bundle holds no certificate")
		}
	}
	c := httpClient(tlsPolicy(anchors, &cert))
	s.client = &clientState{base: s.Service, do: func(ctx context.Context, method, path string, in, out any) (bool, error) {
		return call(ctx, c, method, s.Service+path, in, out)
	}, get: func(ctx context.Context, path string, offset int64) (io.ReadCloser, int64, error) {
		return stream(ctx, c, s.Service+path, offset)
	}}
	return nil
}

func (s *Syncer) ensureClient() error {
	if s.client != nil {
		return nil
	}
	return s.connect()
}

// Round does one full sync: configuration, commands, gallery, health,
// events, then software. It stops at the first failure (a software update
// that fails is logged and does not count).
func (s *Syncer) Round(ctx context.Context) error {
	if err := s.ensureClient(); err != nil {
		return err
	}
	steps := []func(context.Context) error{s.syncConfig, s.syncCommands, s.syncGallery, s.syncHealth, s.Flush, s.syncSoftware}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// syncConfig fetches a newer configuration, applies it if it is valid and
// reports which one runs.
func (s *Syncer) syncConfig(ctx context.Context) error {
	cur, _ := RunningConfig(s.Store)
	var next api.Config
	changed, err := s.client.do(ctx, "GET", api.PathConfig+"?running="+fmt.Sprint(cur.Version), nil, &next)
	if err != nil || !changed {
		return err
	}
	state := api.ConfigState{Running: cur.Version}
	if err := next.Validate(); err != nil {
		state.Rejected, state.Reason = next.Version, err.Error()
	} else if err := s.Device.ApplyConfig(next); err != nil {
		state.Rejected, state.Reason = next.Version, err.Error()
	} else if err := SaveRunning(s.Store, next); err != nil {
		return err
	} else {
		state.Running = next.Version
	}
	if state.Rejected != 0 {
		s.Log.Warn("cloud: configuration refused; the previous one stays", "version", next.Version, "reason", state.Reason)
	}
	_, err = s.client.do(ctx, "POST", api.PathConfigState, state, nil)
	return err
}

// syncCommands executes each command once and acknowledges it.
func (s *Syncer) syncCommands(ctx context.Context) error {
	var cs api.Commands
	if _, err := s.client.do(ctx, "GET", api.PathCommands, nil, &cs); err != nil {
		return err
	}
	for _, c := range cs.Commands {
		if err := s.runCommand(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (s *Syncer) runCommand(ctx context.Context, c api.Command) error {
	ackPath := api.PathCommands + "/" + url.PathEscape(c.ID) + "/ack"
	if c.Kind == api.CommandDeactivate {
		// Acknowledge while the certificate still works, then forget.
		if _, err := s.client.do(ctx, "POST", ackPath, api.CommandAck{OK: true}, nil); err != nil {
			return err
		}
		s.Log.Warn("cloud: deactivated by the service; wiping identity, templates and configuration")
		return errors.Join(ErrDeactivated, s.Identity.Wipe(), s.Device.Wipe())
	}
	var ack api.CommandAck
	if b, err := s.Store.Get(keyCmdDone + c.ID); err == nil {
		_ = json.Unmarshal(b, &ack) // done before a restart: only the ack is missing
	} else {
		ack.OK = true
		if err := s.execute(c); err != nil {
			ack.OK, ack.Error = false, err.Error()
		}
		b, _ := json.Marshal(ack)
		if err := s.Store.Put(keyCmdDone+c.ID, b); err != nil {
			return err
		}
	}
	_, err := s.client.do(ctx, "POST", ackPath, ack, nil)
	return err
}

// execute carries out a command: refresh is the Syncer's own (fetch the
// whole gallery again, report health now), the rest the device's.
func (s *Syncer) execute(c api.Command) error {
	if c.Kind != api.CommandRefresh {
		return s.Device.Execute(c)
	}
	s.lastHealth = nil
	return RefetchGallery(s.Store)
}

// RefetchGallery makes the next sync fetch the whole gallery again, as
// the service's refresh command does: for a reader that lost profiles.
func RefetchGallery(db *store.DB) error { return db.Put(keyCursor, []byte("0")) }

// syncGallery applies the site's additions and deletions after the stored
// cursor, page by page.
func (s *Syncer) syncGallery(ctx context.Context) error {
	for {
		cursor := "0"
		if b, err := s.Store.Get(keyCursor); err == nil {
			cursor = string(b)
		}
		var ch api.GalleryChanges
		if _, err := s.client.do(ctx, "GET", api.PathGallery+"?cursor="+url.QueryEscape(cursor), nil, &ch); err != nil {
			return err
		}
		for _, p := range ch.Added {
			if err := s.add(p); err != nil {
				return err
			}
		}
		if err := s.unenrol(ch.Deleted); err != nil {
			return err
		}
		if err := s.Store.Put(keyCursor, []byte(ch.Cursor)); err != nil {
			return err
		}
		if !ch.More {
			return nil
		}
	}
}

// add stores a profile the service sent. One the reader refuses (it
// cannot match it) is reported and passed over, so that it does not hold
// back the rest of the gallery; any other failure (the store's) ends the
// round, and the cursor stays for the next.
func (s *Syncer) add(p api.Profile) error {
	refused := s.Gallery.Add(p)
	if refused == nil {
		return nil
	}
	if !errors.Is(refused, ErrProfileRefused) {
		return fmt.Errorf("cloud: gallery add: %w", refused)
	}
	s.Log.Warn("profile refused", "profile", p.ID, "err", refused)
	ev, err := NewEvent(api.EventProfileRefused, api.ProfileRefused{Profile: p.ID, Reason: refused.Error()}, time.Now())
	if err == nil {
		err = Record(s.Store, ev)
	}
	if err != nil {
		return fmt.Errorf("cloud: recording a refused profile: %w", err)
	}
	return nil
}

// unenrol carries out the service's deletions and reports each: a person
// deleted (unrecognisable at once, their sealed profile and key gone), or
// why not. A failed deletion is tried again at the next round, since the
// cursor stays.
func (s *Syncer) unenrol(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.Gallery.Delete(ids...)
	kind, reason := api.EventUnenrolled, ""
	if err != nil {
		kind, reason = api.EventNotUnenrolled, err.Error()
	}
	for _, id := range ids {
		ev, rerr := NewEvent(kind, api.Unenrollment{Profile: id, Reason: reason}, time.Now())
		if rerr == nil {
			rerr = Record(s.Store, ev)
		}
		if rerr != nil {
			return fmt.Errorf("cloud: recording an un-enrollment: %w", rerr)
		}
	}
	if err != nil {
		return fmt.Errorf("cloud: gallery delete: %w", err)
	}
	return nil
}

// syncHealth reports on a change of status or failing checks, and every
// HealthEvery.
func (s *Syncer) syncHealth(ctx context.Context) error {
	h := s.Device.Health()
	same := s.lastHealth != nil && s.lastHealth.Status == h.Status && slices.Equal(s.lastHealth.Failing, h.Failing)
	if same && time.Since(s.healthAt) < s.HealthEvery {
		return nil
	}
	if _, err := s.client.do(ctx, "POST", api.PathHealth, h, nil); err != nil {
		return err
	}
	s.lastHealth, s.healthAt = &h, time.Now()
	return nil
}

// Enroll uploads a person enrolled at this reader; the enrollment ID makes
// a retry harmless.
func (s *Syncer) Enroll(ctx context.Context, e api.Enrollment) error {
	if err := s.ensureClient(); err != nil {
		return err
	}
	_, err := s.client.do(ctx, "POST", api.PathEnrollments, e, nil)
	return err
}

// ErrProfileRefused is wrapped by a Gallery that cannot take a profile
// the service sent (no templates, or templates it cannot decode).
var ErrProfileRefused = errors.New("cloud: profile refused")

// ErrNoProfile is wrapped by a Gallery that no longer holds a profile.
var ErrNoProfile = errors.New("cloud: no such profile")

// upload sends the profile an EventEnrolled in the outbox names, under
// the event's ID: the service adds it once however often it is sent. A
// profile deleted before it could be uploaded has nothing left to send.
func (s *Syncer) upload(ctx context.Context, ev api.Event) error {
	var e api.Enrolled
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return fmt.Errorf("cloud: outbox enrollment %s: %w", ev.ID, err)
	}
	p, err := s.Gallery.Profile(e.Profile)
	if errors.Is(err, ErrNoProfile) {
		s.Log.Warn("cloud: an enrollment was deleted before its upload", "id", ev.ID)
		return nil
	}
	if err != nil {
		return err
	}
	return s.Enroll(ctx, api.Enrollment{ID: ev.ID, Badge: p.Badge, Templates: p.Templates, At: ev.Time})
}
