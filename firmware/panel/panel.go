// Package panel connects the reader to its door controller. Over OSDP the
// reader is a PD whose outputs, status and feedback are the I/O board's and
// whose card reads are the badges of recognised people; over Wiegand the
// badge goes out on D0/D1 and the controller answers on the LED line. Both
// are a Link: send a badge, receive the controller's Decision.
//
// Opener builds the Link a Spec (the protocol part of the service's
// configuration) asks for, on the reader's hardware, so that the reader can
// switch protocol, address, speed or timing while it runs.
package panel

import (
	"context"
	"time"

	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/wiegand"
)

// Decision is the door controller's answer to a badge.
type Decision struct {
	Granted bool
	// Reason is what the controller said with its answer, when it said
	// anything (an OSDP panel's text, e.g. "card format not recognised").
	Reason string
	At     time.Time
}

// Link is a running connection to the door controller.
type Link interface {
	// Run serves the link until ctx ends. It calls beat at least once a
	// second while its loop makes progress, so that its owner can tell a
	// wedged link from a quiet one.
	Run(ctx context.Context, beat func()) error
	// Send hands a recognised person's badge to the controller; it does
	// not wait for the wire.
	Send(b wiegand.Badge) error
	// Decisions delivers the controller's answer to each badge sent.
	Decisions() <-chan Decision
	// Online reports whether the link works: an OSDP panel polling, or
	// the Wiegand lines idle and not shorted.
	Online() bool
}

// Output is a relay or GPO as drivers/output provides it.
type Output interface {
	Pulse(d time.Duration) error
	Hold() error
	Release() error
	OffFor(d time.Duration) error
	State() output.State
}

var _ Output = (*output.Output)(nil)

// IO is the reader hardware the panel may drive and must report: outputs
// in OSDP order (0 relay, 1 GPO), the GPI, the tamper switch.
type IO struct {
	Outputs []Output
	// Driven says which outputs follow the panel's OUT commands; the
	// others belong to the reader (pulsed on a grant, or unused) and an
	// OUT for them is refused.
	Driven []bool
	GPI    func() bool
	Tamper func() bool
}

func (io IO) driven(i int) bool { return i < len(io.Driven) && io.Driven[i] }
