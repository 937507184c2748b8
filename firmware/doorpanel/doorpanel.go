// Package doorpanel is the simulated door controller: an OSDP CP that polls
// the reader, grants the badges on its list and answers each card read
// the way real panels do, with a temporary green (grant) or red (deny)
// LED and a beep.
package doorpanel

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// Config sets up the simulated panel.
type Config struct {
	Address byte
	// SCBK is the reader's key; nil with Install opens the Secure Channel
	// on SCBK-D and installs a fresh random key, as a panel does when it
	// adopts a new reader.
	SCBK    []byte
	Install bool
	Format  *wiegand.Format
	Grants  []wiegand.Badge
	// Feedback is how long the grant/deny LED shows; default 3 s.
	Feedback time.Duration
	Logger   *slog.Logger
}

// Access is one card read and the panel's answer.
type Access struct {
	Badge   wiegand.Badge
	Granted bool
	Err     string // the read could not be decoded
}

// Panel is a running simulated door controller.
type Panel struct {
	cfg       Config
	installed atomic.Bool // the key this panel installed is in place
	cp        *osdp.CP
	access    chan Access
}

// New returns a panel for one reader.
func New(cfg Config) (*Panel, error) {
	if cfg.Feedback <= 0 {
		cfg.Feedback = 3 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: cfg.Address, SCBK: cfg.SCBK, Install: cfg.Install}}, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("doorpanel: %w", err)
	}
	return &Panel{cfg: cfg, cp: cp, access: make(chan Access, 16)}, nil
}

// Access delivers every decision the panel takes; reading it is optional.
func (p *Panel) Access() <-chan Access { return p.access }

// Run polls the reader on link until ctx ends.
func (p *Panel) Run(ctx context.Context, link osdp.Link) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.cp.Run(ctx, link) }()
	for ev := range p.cp.Events() {
		p.handle(ctx, ev)
	}
	return <-done
}

func (p *Panel) handle(ctx context.Context, ev osdp.Event) {
	log := p.cfg.Logger
	switch ev.Kind {
	case osdp.EventOnline:
		log.Info("door panel: reader online", "addr", ev.Addr, "secure", ev.Secure)
		if p.cfg.Install && p.cfg.SCBK == nil && !p.installed.Load() {
			go p.installKey(ctx, ev.Addr)
		}
	case osdp.EventOffline:
		log.Warn("door panel: reader offline", "addr", ev.Addr)
	case osdp.EventStatus:
		log.Info("door panel: reader status", "tamper", *ev.Tamper)
	case osdp.EventInputs:
		log.Info("door panel: reader inputs", "states", ev.States)
	case osdp.EventCard:
		go p.decide(ctx, ev)
	case osdp.EventSecureFailed:
		log.Warn("door panel: secure channel failed", "reason", ev.Reason, "err", ev.Err)
	}
}

// decide answers one card read with LED and buzzer feedback.
func (p *Panel) decide(ctx context.Context, ev osdp.Event) {
	a := Access{}
	bits := unpackBits(ev.Data, ev.Bits)
	badge, err := p.cfg.Format.Decode(bits)
	if err != nil {
		a.Err = err.Error()
	} else {
		a.Badge, a.Granted = badge, slices.Contains(p.cfg.Grants, badge)
	}
	color, beeps := byte(osdp.ColorRed), byte(3)
	if a.Granted {
		color, beeps = osdp.ColorGreen, 1
	}
	timer := uint16(p.cfg.Feedback / (100 * time.Millisecond))
	led, _ := osdp.LED{Records: []osdp.LEDRecord{{Temp: osdp.LEDTemporary{
		Control: osdp.LEDTempSet, OnTime: 1, OnColor: color, OffColor: color, Timer: timer,
	}}}}.MarshalBinary()
	buz, _ := osdp.BUZ{Tone: osdp.ToneDefault, OnTime: 1, OffTime: 1, Count: beeps}.MarshalBinary()
	if _, err := p.cp.Send(ctx, ev.Addr, osdp.CmdLED, led); err != nil {
		p.cfg.Logger.Warn("door panel: LED feedback failed", "err", err)
	}
	if _, err := p.cp.Send(ctx, ev.Addr, osdp.CmdBUZ, buz); err != nil {
		p.cfg.Logger.Warn("door panel: buzzer feedback failed", "err", err)
	}
	p.cfg.Logger.Info("door panel: card read", "granted", a.Granted, "undecodable", a.Err != "")
	select {
	case p.access <- a:
	default:
	}
}

func (p *Panel) installKey(ctx context.Context, addr byte) {
	var key [osdp.KeySize]byte
	if _, err := rand.Read(key[:]); err != nil {
		p.cfg.Logger.Error("door panel: no randomness for a key", "err", err)
		return
	}
	if err := p.cp.SetKey(ctx, addr, key); err != nil {
		p.cfg.Logger.Warn("door panel: could not install a key", "err", err)
		return
	}
	p.installed.Store(true)
	p.cfg.Logger.Info("door panel: installed a secure channel key on the reader")
}

// unpackBits reads n bits, MSB first.
func unpackBits(data []byte, n int) wiegand.Bits {
	bits := make(wiegand.Bits, 0, n)
	for i := 0; i < n && i/8 < len(data); i++ {
		bits = append(bits, data[i/8]&(0x80>>(i%8)) != 0)
	}
	return bits
}
