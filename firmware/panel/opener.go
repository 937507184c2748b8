package panel

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// Protocols a Spec may name.
const (
	ProtocolOSDP    = "osdp"
	ProtocolWiegand = "wiegand"
)

// Spec is what the service's configuration asks of the panel link.
type Spec struct {
	Protocol string
	Format   *wiegand.Format
	// Driven says which outputs (0 relay, 1 GPO) follow the panel's OSDP
	// output commands.
	Driven []bool
	// OSDP: the address and speed, and whether the Secure Channel is
	// required.
	Address byte
	Baud    uint32
	Secure  bool
	// Wiegand: pulse width and interval.
	Pulse, Interval time.Duration
}

// Opener builds panel links on the reader's hardware.
type Opener struct {
	ID osdp.PDID
	// Port is the RS-485 line to the panel; nil on a reader without one.
	Port     osdp.Link
	Settings *Settings
	IO       IO
	D0, D1   gpio.PinIO
	LED      LEDLine
	Logger   *slog.Logger
}

// ErrNoPort: the configuration asks for OSDP and the reader has no RS-485
// port in its local configuration.
var ErrNoPort = errors.New("panel: osdp needs an RS-485 port, and the local configuration has no [rs485]")

// Check reports why s cannot run on this reader, before anything changes.
func (o *Opener) Check(s Spec) error {
	switch s.Protocol {
	case ProtocolOSDP:
		if o.Port == nil {
			return ErrNoPort
		}
	case ProtocolWiegand:
		t := wiegand.TransmitterConfig{PulseWidth: s.Pulse, Interval: s.Interval}
		if err := t.Validate(); err != nil {
			return fmt.Errorf("panel: %w", err)
		}
	default:
		return fmt.Errorf("panel: protocol %q: want osdp or wiegand", s.Protocol)
	}
	if s.Format == nil {
		return errors.New("panel: no badge format")
	}
	return nil
}

// Open builds the link s asks for. It changes nothing until the link runs.
func (o *Opener) Open(s Spec) (Link, error) {
	if err := o.Check(s); err != nil {
		return nil, err
	}
	if s.Protocol == ProtocolWiegand {
		return NewWiegand(WiegandConfig{
			D0: o.D0, D1: o.D1, LED: o.LED, Format: s.Format, Logger: o.Logger,
			Timing: wiegand.TransmitterConfig{PulseWidth: s.Pulse, Interval: s.Interval, Logger: o.Logger},
		})
	}
	io := o.IO
	io.Driven = s.Driven
	return NewOSDP(OSDPConfig{
		ID: o.ID, Link: o.Port, Settings: o.Settings, Secure: s.Secure, Format: s.Format, Logger: o.Logger,
		Follow: &Com{Address: s.Address, Baud: s.Baud},
	}, io)
}
