// Package panelsim simulates the door controller a reader talks to: an
// OSDP control panel on the far end of a serial line, and a Wiegand panel
// listening on simulated D0/D1 lines and answering on the LED line. Each
// decodes the badge in the site's format, grants the badges on its list,
// and answers the way real panels do.
package panelsim

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// Access is one badge the panel received and its answer.
type Access struct {
	Badge    wiegand.Badge
	Bits     int
	Granted  bool
	Err      string    // the read could not be decoded in the panel's format
	Read     time.Time // when the whole read had arrived on the wire
	Answered time.Time // when the panel began its answer (zero: none)
}

// Grants is the list of badges a simulated panel opens the door for.
type Grants []wiegand.Badge

// decide decodes a read in format and looks the badge up.
func (g Grants) decide(format *wiegand.Format, bits wiegand.Bits) Access {
	a := Access{Bits: len(bits)}
	badge, err := format.Decode(bits)
	if err != nil {
		a.Err = fmt.Sprintf("card format not recognised: the panel expects %s (%d bits), the reader sent %d bits", format.Name(), format.Bits(), len(bits))
		return a
	}
	a.Badge, a.Granted = badge, slices.Contains(g, badge)
	return a
}

// OSDPConfig sets up the simulated OSDP panel.
type OSDPConfig struct {
	Address byte
	// SCBK is the reader's key; nil with Install opens the Secure Channel
	// on SCBK-D and installs a fresh random key, as a panel does when it
	// adopts a new reader.
	SCBK    []byte
	Install bool
	// Plain talks to the reader without the Secure Channel.
	Plain  bool
	Format *wiegand.Format
	Grants Grants
	// Feedback is how long the grant/deny LED shows; default 3 s.
	Feedback time.Duration
	// PollInterval paces the polls; default 20 ms, about what a poll and
	// its reply take on the wire at 9600 baud, which a pty does not
	// impose. Polling a pty flat out would cost the simulated reader more
	// CPU than any real line could make it spend.
	PollInterval time.Duration
	Logger       *slog.Logger
}

// OSDP is a running simulated OSDP door controller.
type OSDP struct {
	log      *slog.Logger
	access   chan Access
	reconfig chan struct{}

	mu   sync.Mutex
	cfg  OSDPConfig
	mute bool
}

// Mute makes the panel collect card reads without answering them, as a
// panel does that waits on its host; false answers again.
func (p *OSDP) Mute(mute bool) {
	p.mu.Lock()
	p.mute = mute
	p.mu.Unlock()
}

func (p *OSDP) muted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mute
}

// NewOSDP returns a panel for one reader.
func NewOSDP(cfg OSDPConfig) (*OSDP, error) {
	if cfg.Feedback <= 0 {
		cfg.Feedback = 3 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 20 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Format == nil {
		return nil, errors.New("panelsim: a badge format is required")
	}
	return &OSDP{cfg: cfg, log: cfg.Logger, access: make(chan Access, 16), reconfig: make(chan struct{}, 1)}, nil
}

// Access delivers every decision the panel takes; reading it is optional.
func (p *OSDP) Access() <-chan Access { return p.access }

// Configure changes what the installer set on the panel: the reader's
// address, whether the line is secured, the site's badge format. The
// panel starts polling afresh with them.
func (p *OSDP) Configure(addr byte, secure bool, format *wiegand.Format) {
	p.mu.Lock()
	p.cfg.Address, p.cfg.Plain, p.cfg.Format = addr, !secure, format
	p.mu.Unlock()
	select {
	case p.reconfig <- struct{}{}:
	default:
	}
}

func (p *OSDP) config() OSDPConfig {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cfg
}

// Run polls the reader on link until ctx ends, starting afresh after each
// Configure.
func (p *OSDP) Run(ctx context.Context, link osdp.Link) error {
	for {
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.poll(runCtx, link) }()
		select {
		case <-ctx.Done():
			cancel()
			return <-done
		case <-p.reconfig:
			cancel()
			if err := <-done; err != nil {
				return err
			}
		}
	}
}

// poll runs one control panel until ctx ends.
func (p *OSDP) poll(ctx context.Context, link osdp.Link) error {
	cfg := p.config()
	peer := osdp.PeerConfig{Address: cfg.Address, SCBK: cfg.SCBK, Install: cfg.Install && cfg.SCBK == nil}
	if cfg.Plain {
		peer = osdp.PeerConfig{Address: cfg.Address}
	}
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: []osdp.PeerConfig{peer}, PollInterval: cfg.PollInterval, Logger: p.log})
	if err != nil {
		return fmt.Errorf("panelsim: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx, link) }()
	var work sync.WaitGroup
	for ev := range cp.Events() {
		p.handle(ctx, cp, cfg, ev, &work)
	}
	cancel()
	work.Wait()
	if err := <-done; err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

func (p *OSDP) handle(ctx context.Context, cp *osdp.CP, cfg OSDPConfig, ev osdp.Event, work *sync.WaitGroup) {
	log := p.log
	switch ev.Kind {
	case osdp.EventOnline:
		log.Info("door panel: reader online", "addr", ev.Addr, "secure", ev.Secure)
		if cfg.Install && cfg.SCBK == nil && !cfg.Plain {
			work.Go(func() { p.installKey(ctx, cp, ev.Addr) })
		}
	case osdp.EventOffline:
		log.Warn("door panel: reader offline", "addr", ev.Addr)
	case osdp.EventStatus:
		log.Info("door panel: reader status", "tamper", *ev.Tamper)
	case osdp.EventInputs:
		log.Info("door panel: reader inputs", "states", ev.States)
	case osdp.EventCard:
		work.Go(func() { p.decide(ctx, cp, cfg, ev) })
	case osdp.EventSecureFailed:
		log.Warn("door panel: secure channel failed", "reason", ev.Reason, "err", ev.Err)
	}
}

// decide answers one card read: a text saying why when the read could not
// be decoded, then LED and buzzer feedback.
func (p *OSDP) decide(ctx context.Context, cp *osdp.CP, cfg OSDPConfig, ev osdp.Event) {
	a := cfg.Grants.decide(cfg.Format, unpackBits(ev.Data, ev.Bits))
	a.Read = ev.Time
	if p.muted() {
		p.log.Info("door panel: card read left unanswered (muted)")
		select {
		case p.access <- a:
		default:
		}
		return
	}
	if a.Err != "" {
		txt, _ := osdp.TEXT{Reader: 0, Command: 1 /* permanent text, no wrap */, Row: 1, Column: 1, Text: []byte(a.Err)}.MarshalBinary()
		if _, err := cp.Send(ctx, ev.Addr, osdp.CmdTEXT, txt); err != nil {
			p.log.Warn("door panel: text failed", "err", err)
		}
	}
	color, beeps := byte(osdp.ColorRed), byte(3)
	if a.Granted {
		color, beeps = osdp.ColorGreen, 1
	}
	timer := uint16(cfg.Feedback / (100 * time.Millisecond))
	led, _ := osdp.LED{Records: []osdp.LEDRecord{{Temp: osdp.LEDTemporary{
		Control: osdp.LEDTempSet, OnTime: 1, OnColor: color, OffColor: color, Timer: timer,
	}}}}.MarshalBinary()
	buz, _ := osdp.BUZ{Tone: osdp.ToneDefault, OnTime: 1, OffTime: 1, Count: beeps}.MarshalBinary()
	a.Answered = time.Now()
	if _, err := cp.Send(ctx, ev.Addr, osdp.CmdLED, led); err != nil {
		p.log.Warn("door panel: LED feedback failed", "err", err)
	}
	if _, err := cp.Send(ctx, ev.Addr, osdp.CmdBUZ, buz); err != nil {
		p.log.Warn("door panel: buzzer feedback failed", "err", err)
	}
	p.log.Info("door panel: card read", "granted", a.Granted, "undecodable", a.Err != "")
	select {
	case p.access <- a:
	default:
	}
}

// installKey adopts a reader in install mode with a fresh key, which the
// panel keeps for its next polls.
func (p *OSDP) installKey(ctx context.Context, cp *osdp.CP, addr byte) {
	var key [osdp.KeySize]byte
	if _, err := rand.Read(key[:]); err != nil {
		p.log.Error("door panel: no randomness for a key", "err", err)
		return
	}
	if err := cp.SetKey(ctx, addr, key); err != nil {
		p.log.Warn("door panel: could not install a key", "err", err)
		return
	}
	p.mu.Lock()
	p.cfg.SCBK = key[:]
	p.mu.Unlock()
	p.log.Info("door panel: installed a secure channel key on the reader")
}

// unpackBits reads n bits, MSB first.
func unpackBits(data []byte, n int) wiegand.Bits {
	bits := make(wiegand.Bits, 0, n)
	for i := 0; i < n && i/8 < len(data); i++ {
		bits = append(bits, data[i/8]&(0x80>>(i%8)) != 0)
	}
	return bits
}
