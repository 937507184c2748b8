package update

import (
	"errors"

	"github.com/palmd/palmd/firmware/release"
)

// Status is how the running release came to run.
type Status string

// The statuses of the running slot.
const (
	// StatusConfirmed: the running release passed its trial (or was the
	// first one installed).
	StatusConfirmed Status = "confirmed"
	// StatusTrying: the running release is on trial; the bootloader
	// starts it again only while it has tries left.
	StatusTrying Status = "trying"
	// StatusRolledBack: the release on trial ran out of tries and the
	// bootloader went back to the confirmed one, which runs now.
	StatusRolledBack Status = "rolled-back"
)

// State is what the lifecycle knows of its slots.
type State struct {
	Status  Status
	Slot    string // the running slot ("a", "b")
	Version string // the release in the running slot
	Failed  string // the release that was rolled back (StatusRolledBack)
}

// Slots is an A/B pair of slots as the lifecycle needs it: a release goes
// into the slot that is not running and is tried on the next starts; the
// running release confirms itself once it is healthy, or gives up.
type Slots interface {
	// Install writes a verified release into the inactive slot and marks
	// it to be tried on the next start. The caller restarts.
	Install(path string, m release.Manifest) error
	// Confirm marks the running slot good: the bootloader keeps starting
	// it. It does nothing when the running slot is already good.
	Confirm() error
	// Reject marks the running slot, on trial, bad: the next start is the
	// confirmed slot.
	Reject() error
	// State reports the running slot and how it came to run.
	State() (State, error)
}

// ErrTrying: a release cannot go in while the running one is on trial,
// for the only other slot holds the release to go back to.
var ErrTrying = errors.New("update: the running release is still on trial")

// Trying implements cloud.Trial: no release is fetched while the running
// one is on trial.
func (d Dir) Trying() bool {
	st, err := d.State()
	return err == nil && st.Status == StatusTrying
}

var _ Slots = Dir{}
