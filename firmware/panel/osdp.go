package panel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// OSDPConfig sets up the reader's side of an OSDP link. Settings come from
// the store; the panel may change the address, speed and key, and those
// changes are persisted.
type OSDPConfig struct {
	ID       osdp.PDID
	Link     osdp.Link
	Settings *Settings
	// Follow, when set, is a service configuration's address and speed:
	// Run takes them (see Settings.FollowService) and sets the line's
	// speed before it answers.
	Follow *Com
	// Secure requires the Secure Channel: the stored key, or install mode
	// (SCBK-D) while no key is set. Without it the reader talks in the
	// clear and leaves the stored key unused.
	Secure bool
	Format *wiegand.Format // badge format of card reads
	Logger *slog.Logger
}

// OSDP is the reader's side of an OSDP link: a PD on the RS-485 line.
type OSDP struct {
	pd     *osdp.PD
	link   osdp.Link
	follow *Com
	baud   uint32
	io     IO
	format *wiegand.Format
	st     *Settings
	log    *slog.Logger
	now    func() time.Time

	mu        sync.Mutex
	led       osdp.LEDState
	awaiting  bool     // a card went out and the panel has not answered yet
	said      []string // the panel's texts since the card went out
	decisions chan Decision
}

var _ Link = (*OSDP)(nil)

// NewOSDP makes the PD for io.
func NewOSDP(cfg OSDPConfig, io IO) (*OSDP, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Format == nil || cfg.Link == nil || cfg.Settings == nil {
		return nil, errors.New("panel: osdp: a link, settings and a badge format are required")
	}
	st := cfg.Settings.OSDP()
	if f := cfg.Follow; f != nil {
		c := cfg.Settings.Following(*f)
		st.Address, st.Baud = c.Address, c.Baud
	}
	pdc := osdp.PDConfig{Address: st.Address, ID: cfg.ID, Logger: cfg.Logger}
	if cfg.Secure {
		pdc.SCBK, pdc.InstallMode = st.SCBK, st.InstallMode
	}
	p := &OSDP{link: cfg.Link, follow: cfg.Follow, baud: st.Baud, io: io, format: cfg.Format, st: cfg.Settings, log: cfg.Logger, now: time.Now, decisions: make(chan Decision, 4)}
	pd, err := osdp.NewPD(pdc, p)
	if err != nil {
		return nil, fmt.Errorf("panel: %w", err)
	}
	p.pd = pd
	return p, nil
}

// Run answers the panel until ctx ends. Every read of the line returns
// within its timeout, so the beat proves the PD's loop turns even when no
// panel polls.
func (p *OSDP) Run(ctx context.Context, beat func()) error {
	link := beatingLink{p.link, beat}
	if f := p.follow; f != nil {
		if err := p.st.FollowService(*f); err != nil {
			return err
		}
	}
	if err := link.SetBaud(int(p.baud)); err != nil {
		return fmt.Errorf("panel: osdp at %d baud: %w", p.baud, err)
	}
	return p.pd.Run(ctx, link)
}

// beatingLink beats on every read, however it ends.
type beatingLink struct {
	osdp.Link
	beat func()
}

func (l beatingLink) Read(b []byte) (int, error) {
	n, err := l.Link.Read(b)
	l.beat()
	return n, err
}

// SetBaud passes COMSET's new speed to the port.
func (l beatingLink) SetBaud(baud int) error {
	bs, ok := l.Link.(osdp.BaudSetter)
	if !ok {
		return errors.New("panel: the serial line cannot change speed")
	}
	return bs.SetBaud(baud)
}

// Online reports whether the panel has polled within 8 s.
func (p *OSDP) Online() bool { return p.pd.Online() }

// Decisions delivers the panel's grant or deny after each card read.
func (p *OSDP) Decisions() <-chan Decision { return p.decisions }

// Send queues a recognised person's badge for the panel's next poll.
func (p *OSDP) Send(b wiegand.Badge) error {
	bits, err := p.format.Encode(b)
	if err != nil {
		return fmt.Errorf("panel: badge does not fit %s: %w", p.format.Name(), err)
	}
	if err := p.pd.Present(osdp.Card{Bits: len(bits), Data: packBits(bits)}); err != nil {
		return fmt.Errorf("panel: %w", err)
	}
	p.mu.Lock()
	p.awaiting, p.said = true, nil
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

// Output implements osdp.Device: the panel drives the outputs it was given.
// "Allow the timed operation to complete" is treated as "abort": the
// outputs have no queue of permanent states.
func (p *OSDP) Output(c osdp.OutputControl) error {
	i := int(c.Output)
	if i >= len(p.io.Outputs) {
		return fmt.Errorf("panel: no output %d", c.Output)
	}
	if !p.io.driven(i) {
		return fmt.Errorf("panel: output %d follows the reader's grants, not the panel", c.Output)
	}
	o := p.io.Outputs[i]
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
		if d == 0 {
			return nil
		}
		return o.OffFor(d)
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
	d := Decision{Granted: c == osdp.ColorGreen, Reason: strings.Join(p.said, "; "), At: now}
	select {
	case p.decisions <- d:
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

// Text implements osdp.Device: what the panel writes while a card waits
// for its answer is the reason that goes with the answer.
func (p *OSDP) Text(t osdp.TEXT) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.awaiting && len(p.said) < 4 {
		p.said = append(p.said, string(t.Text))
	}
}

// KeySet implements osdp.Device: persisted before the PD acknowledges.
func (p *OSDP) KeySet(k [osdp.KeySize]byte) error {
	if err := p.st.SetKey(k[:]); err != nil {
		return err
	}
	p.log.Info("panel: secure channel key installed; install mode off")
	return nil
}

// ComSet implements osdp.Device.
func (p *OSDP) ComSet(addr byte, baud uint32) error {
	if err := p.st.SetCom(addr, baud); err != nil {
		return err
	}
	p.log.Info("panel: new OSDP address and speed", "addr", addr, "baud", baud)
	return nil
}

var _ osdp.Device = (*OSDP)(nil)
