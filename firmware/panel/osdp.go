// Package panel connects the reader to its door controller: over OSDP the
// reader is a PD whose outputs, status and feedback are the I/O board's,
// and whose card reads are the badges of recognised people.
package panel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// Output is a relay or GPO as drivers/output provides it.
type Output interface {
	Pulse(d time.Duration) error
	Hold() error
	Release() error
	State() output.State
}

// IO is the reader hardware the panel may drive and must report: outputs
// in OSDP order (0 relay, 1 GPO), the GPI, the tamper switch.
type IO struct {
	Outputs []Output
	GPI     func() bool
	Tamper  func() bool
}

// Decision is the panel's answer to a card read, read off its LED feedback.
type Decision struct {
	Granted bool
	At      time.Time
}

// OSDP is the reader's side of an OSDP link.
type OSDP struct {
	pd       *osdp.PD
	io       IO
	format   *wiegand.Format
	settings *Settings
	log      *slog.Logger
	now      func() time.Time

	mu        sync.Mutex
	led       osdp.LEDState
	awaiting  bool // a card went out and the panel has not answered yet
	decisions chan Decision
}

// OSDPConfig sets up the link. Settings come from the store; the panel may
// change the address, speed and key, and those changes are persisted.
type OSDPConfig struct {
	ID       osdp.PDID
	Settings *Settings
	Format   *wiegand.Format // badge format of card reads
	Logger   *slog.Logger
}

// NewOSDP makes the PD for io.
func NewOSDP(cfg OSDPConfig, io IO) (*OSDP, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	st := cfg.Settings.OSDP()
	p := &OSDP{io: io, format: cfg.Format, settings: cfg.Settings, log: cfg.Logger, now: time.Now, decisions: make(chan Decision, 4)}
	pd, err := osdp.NewPD(osdp.PDConfig{
		Address: st.Address, ID: cfg.ID, SCBK: st.SCBK, InstallMode: st.InstallMode, Logger: cfg.Logger,
	}, p)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	p.pd = pd
	return p, nil
}

// Run answers the panel on link until ctx ends.
func (p *OSDP) Run(ctx context.Context, link osdp.Link) error { return p.pd.Run(ctx, link) }

// Online reports whether the panel has polled within 8 s (health check).
func (p *OSDP) Online() bool { return p.pd.Online() }

// Decisions delivers the panel's grant or deny after each card read.
func (p *OSDP) Decisions() <-chan Decision { return p.decisions }

// SetFormat switches the badge format (a new configuration).
func (p *OSDP) SetFormat(f *wiegand.Format) {
	p.mu.Lock()
	p.format = f
	p.mu.Unlock()
}

// Send queues a recognised person's badge for the panel's next poll.
func (p *OSDP) Send(b wiegand.Badge) error {
	p.mu.Lock()
	format := p.format
	p.mu.Unlock()
	bits, err := format.Encode(b)
	if err != nil {
		return fmt.Errorf("panel: badge does not fit %s: %w", format.Name(), err)
	}
	if err := p.pd.Present(osdp.Card{Bits: len(bits), Data: packBits(bits)}); err != nil {
		return fmt.Errorf("panel: %w", err)
	}
	p.mu.Lock()
	p.awaiting = true
	p.mu.Unlock()
	return nil
}

// packBits packs bits MSB first, as osdp_RAW carries them.
func packBits(bits wiegand.Bits) []byte {
	out := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// Status implements osdp.Device.
func (p *OSDP) Status() osdp.DeviceStatus {
	st := osdp.DeviceStatus{Tamper: p.io.Tamper(), Inputs: []bool{p.io.GPI()}}
	for _, o := range p.io.Outputs {
		st.Outputs = append(st.Outputs, o.State().Energised)
	}
	return st
}

// Output implements osdp.Device: the panel drives the relay and GPO.
// "Allow the timed operation to complete" is treated as "abort": the
// outputs have no queue of permanent states.
func (p *OSDP) Output(c osdp.OutputControl) error {
	if int(c.Output) >= len(p.io.Outputs) {
		return fmt.Errorf("panel: no output %d", c.Output)
	}
	o := p.io.Outputs[c.Output]
	d := time.Duration(c.Timer) * 100 * time.Millisecond
	switch c.Control {
	case osdp.OutPermOnAbort, osdp.OutPermOnAllow:
		return o.Hold()
	case osdp.OutPermOffAbort, osdp.OutPermOffAllow:
		return o.Release()
	case osdp.OutTempOnResume:
		if d == 0 {
			return nil
		}
		return o.Pulse(d)
	case osdp.OutTempOffResume:
		if !o.State().Energised || d == 0 {
			return nil
		}
		if err := o.Release(); err != nil {
			return err
		}
		time.AfterFunc(d, func() { _ = o.Hold() })
	}
	return nil
}

// LED implements osdp.Device. The first temporary colour after a card read
// is the panel's decision: green grants, red denies.
func (p *OSDP) LED(r osdp.LEDRecord) {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.led.Apply(r, now)
	c, temp := p.led.TemporaryColor(now)
	if !temp || !p.awaiting || (c != osdp.ColorGreen && c != osdp.ColorRed) {
		return
	}
	p.awaiting = false
	select {
	case p.decisions <- Decision{Granted: c == osdp.ColorGreen, At: now}:
	default:
		p.log.Warn("panel: decision dropped: nobody is reading them")
	}
}

// LEDColor is the light ring colour the panel asks for at now.
func (p *OSDP) LEDColor(now time.Time) byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.led.Color(now)
}

// Buzzer implements osdp.Device.
func (p *OSDP) Buzzer(z osdp.BUZ) {
	p.log.Debug("panel: buzzer", "tone", z.Tone, "on", z.OnTime, "off", z.OffTime, "count", z.Count)
}

// Text implements osdp.Device.
func (p *OSDP) Text(t osdp.TEXT) { p.log.Info("panel: text", "text", string(t.Text)) }

// KeySet implements osdp.Device: persisted before the PD acknowledges.
func (p *OSDP) KeySet(k [osdp.KeySize]byte) error {
	if err := p.settings.SetKey(k[:]); err != nil {
		return err
	}
	p.log.Info("panel: secure channel key installed; install mode off")
	return nil
}

// ComSet implements osdp.Device.
func (p *OSDP) ComSet(addr byte, baud uint32) error {
	if err := p.settings.SetCom(addr, baud); err != nil {
		return err
	}
	p.log.Info("panel: new OSDP address and speed", "addr", addr, "baud", baud)
	return nil
}

var _ osdp.Device = (*OSDP)(nil)
