package panelsim

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/wiegand"
)

// WiegandConfig sets up the simulated Wiegand panel on the reader's pins.
type WiegandConfig struct {
	D0, D1 *pinsim.Pin // the reader's data lines, listened to
	LED    *pinsim.Pin // the reader's LED input, driven
	// GrantLevel is the level the panel drives the LED line to for a
	// grant (the reader's wiegand.led_grant_level).
	GrantLevel gpio.Level
	Format     *wiegand.Format
	Grants     Grants
	// Feedback is how long a grant holds the LED line; default 1.5 s.
	Feedback time.Duration
	// FrameTimeout is the silence that ends a frame; default 250 ms, above
	// the 25 ms of a real panel, because a loaded host may pause the
	// simulated transmitter mid-frame.
	FrameTimeout time.Duration
	Logger       *slog.Logger
}

// Deny blinks: two assertions of the LED line, each shorter than what a
// reader takes for a grant.
const (
	denyBlink = 100 * time.Millisecond
	denyGap   = 100 * time.Millisecond
)

// Wiegand is a running simulated Wiegand door controller: it decodes each
// frame on D0/D1 and answers on the LED line, held for a grant and two
// short blinks for a deny.
type Wiegand struct {
	cfg    WiegandConfig
	access chan Access
	rx     *wiegand.Receiver
	detach func()

	mu     sync.Mutex
	format *wiegand.Format
	mute   bool
}

// NewWiegand returns a panel listening on the reader's lines.
func NewWiegand(cfg WiegandConfig) (*Wiegand, error) {
	if cfg.D0 == nil || cfg.D1 == nil || cfg.LED == nil || cfg.Format == nil {
		return nil, errors.New("panelsim: wiegand: D0, D1, LED and a badge format are required")
	}
	if cfg.Feedback <= 0 {
		cfg.Feedback = 1500 * time.Millisecond
	}
	if cfg.FrameTimeout <= 0 {
		cfg.FrameTimeout = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// No glitch filter: simulated lines have no noise, and a loaded host
	// can stamp a pulse's Low edge late enough to make it look like one.
	rx, err := wiegand.NewReceiver(wiegand.ReceiverConfig{FrameTimeout: cfg.FrameTimeout, MinPulseWidth: time.Nanosecond})
	if err != nil {
		return nil, err
	}
	cfg.LED.Set(!cfg.GrantLevel)
	// Listening starts now, so that no frame sent before Run is lost.
	detach := rx.Attach(watch(cfg.D0), watch(cfg.D1))
	return &Wiegand{cfg: cfg, format: cfg.Format, access: make(chan Access, 16), rx: rx, detach: detach}, nil
}

// Access delivers every decision the panel takes; reading it is optional.
func (p *Wiegand) Access() <-chan Access { return p.access }

// SetFormat changes the badge format the panel decodes (the site's).
func (p *Wiegand) SetFormat(f *wiegand.Format) {
	p.mu.Lock()
	p.format = f
	p.mu.Unlock()
}

// Mute makes the panel take frames without answering, as a panel does
// that waits on its host; false answers again.
func (p *Wiegand) Mute(mute bool) {
	p.mu.Lock()
	p.mute = mute
	p.mu.Unlock()
}

// Run answers frames until ctx ends; then the panel stops listening.
func (p *Wiegand) Run(ctx context.Context) error {
	defer p.rx.Close()
	defer p.detach()
	for {
		select {
		case <-ctx.Done():
			return nil
		case f := <-p.rx.Frames():
			p.answer(ctx, f)
		}
	}
}

func watch(pin *pinsim.Pin) wiegand.Subscribe {
	return func(fn func(gpio.Level, time.Time)) func() {
		return pin.Watch(func(e pinsim.Edge) { fn(e.Level, e.At) })
	}
}

func (p *Wiegand) answer(ctx context.Context, f wiegand.Frame) {
	p.mu.Lock()
	format, mute := p.format, p.mute
	p.mu.Unlock()
	a := p.cfg.Grants.decide(format, f.Bits)
	a.Read = f.End
	p.cfg.Logger.Info("door panel: wiegand frame", "bits", len(f.Bits), "granted", a.Granted, "undecodable", a.Err != "", "answered", !mute)
	if !mute {
		a.Answered = time.Now()
	}
	select {
	case p.access <- a:
	default:
	}
	if mute {
		return
	}
	if a.Granted {
		p.assert(ctx, p.cfg.Feedback)
		return
	}
	p.assert(ctx, denyBlink)
	if sleep(ctx, denyGap) {
		p.assert(ctx, denyBlink)
	}
}

// assert holds the LED line at the grant level for d.
func (p *Wiegand) assert(ctx context.Context, d time.Duration) {
	p.cfg.LED.Set(p.cfg.GrantLevel)
	sleep(ctx, d)
	p.cfg.LED.Set(!p.cfg.GrantLevel)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
