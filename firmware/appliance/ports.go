package appliance

import (
	"context"

	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
)

// The ports: the outside world as the appliance needs it. Real and
// simulated implementations live beside what they drive; cmd/palmd
// chooses.

// Display shows screens (the touchscreen; a recording fake in tests).
type Display interface{ Show(Screen) }

// Outbox keeps events until the service has them (firmware/cloud).
type Outbox interface{ Record(api.Event) error }

// Wiper destroys what a deactivated reader must not keep: templates,
// configuration, keys and events.
type Wiper interface{ Wipe() error }

// Configs keeps the running configuration across restarts.
type Configs interface {
	Running() (api.Config, bool)
	SaveRunning(api.Config) error
}

// Service is the reader's cloud service.
type Service interface {
	// Activated reports whether the reader holds an identity.
	Activated() bool
	// Activate checks an activation code with the service and returns
	// the first configuration.
	Activate(ctx context.Context, code string) (api.Config, error)
	// Sync keeps the reader in step with the service until ctx ends, the
	// reader is deactivated (cloud.ErrDeactivated) or dev asks to stop.
	Sync(ctx context.Context, dev Device) error
}

// Device is what a sync needs of the reader: cloud.Device, and the hooks
// around each round and an update.
type Device interface {
	cloud.Device
	// AfterRound ends the sync (with its error) when the reader must
	// restart: a reboot was acknowledged, or an update installed.
	AfterRound() error
	// RoundDone reports each round's outcome (the service check).
	RoundDone(err error)
	// Installing says a verified release is being installed.
	Installing(version string)
	// Installed says the release is in place, program being what to
	// start, or that it failed (err).
	Installed(program string, err error)
}

// Camera is the camera worker (firmware/vision).
type Camera interface {
	Look(vision.Purpose)
	Run(ctx context.Context, out func(vision.Output), beat func())
}

// Inputs watches the GPI and the tamper switch (firmware/ioboard).
type Inputs interface {
	Run(ctx context.Context, events chan<- ioboard.Event) error
}

// Panels opens the door controller link a configuration asks for
// (firmware/panel's Opener).
type Panels interface {
	Open(panel.Spec) (panel.Link, error)
}

// Network applies the configuration's Wi-Fi credentials; nil removes
// them (drivers/network).
type Network interface {
	Apply(ctx context.Context, w *network.WiFi) error
}

// People is the reader's enrolled people (firmware/people).
type People interface {
	// ProfileOf is the profile a badge has on this reader, "" if none.
	ProfileOf(badge string) string
	// Enrol seals p and makes it searchable, then removes the profile
	// it replaces ("" none).
	Enrol(p api.Profile, replaces string) error
	// Delete makes people unrecognisable and destroys their profiles.
	Delete(ids ...string) error
}

// Watchdog is systemd's watchdog.
type Watchdog interface{ Feed() error }

// Probes measure what health reports beside the state.
type Probes interface {
	// Storage fails when the state directory cannot be written or is
	// nearly full. It must not write: it runs on every health report.
	Storage() error
	// Temperature is the hottest thermal zone, ok false without one.
	Temperature() (celsius float64, ok bool)
}

var (
	_ Panels  = (*panel.Opener)(nil)
	_ Camera  = (*vision.Worker)(nil)
	_ Inputs  = (*ioboard.Board)(nil)
	_ Network = (*network.NetworkManager)(nil)
	_ Network = (*network.Recorder)(nil)
)
