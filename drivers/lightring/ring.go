package lightring

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/devices/v3/nrzled"
)

// FrameRate is how often a moving pattern is redrawn: smooth to the eye,
// and a 24-LED frame takes under 1 ms on a 2.5 MHz SPI bus.
const FrameRate = 50

// Ring is a ring of WS2812-type LEDs on an SPI bus (MOSI drives the data
// line through a level shifter), driven by periph's nrzled.
type Ring struct {
	leds  io.Writer // nrzled.Dev: RGB bytes in, NRZ symbols out
	n     int
	mu    sync.Mutex
	cur   Pattern
	since time.Time
	wake  chan struct{}
}

// Open puts a ring of n LEDs on port (spireg.Open("SPI0.0") on a board;
// periph's spitest in tests). The port stays the caller's to close.
func Open(port spi.Port, n int) (*Ring, error) {
	dev, err := nrzled.NewSPI(port, &nrzled.Opts{NumPixels: n, Channels: 3, Freq: 2500 * physic.KiloHertz})
	if err != nil {
		return nil, fmt.Errorf("lightring: %w", err)
	}
	return &Ring{leds: dev, n: n, wake: make(chan struct{}, 1)}, nil
}

// Show switches to p; Run draws it. It never blocks.
func (r *Ring) Show(p Pattern) {
	r.mu.Lock()
	r.cur, r.since = p, time.Now()
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run draws the current pattern until ctx ends, then turns the ring off.
// A solid pattern is drawn once; a moving one FrameRate times a second.
func (r *Ring) Run(ctx context.Context) error {
	tick := time.NewTicker(time.Second / FrameRate)
	defer tick.Stop()
	for {
		r.mu.Lock()
		p, since := r.cur, r.since
		r.mu.Unlock()
		if _, err := r.leds.Write(Frame(p, time.Since(since), r.n)); err != nil {
			return fmt.Errorf("lightring: %w", err)
		}
		moving := p.Motion != Solid && p.Motion != "" && p.Period > 0
		var next <-chan time.Time
		if moving {
			next = tick.C
		}
		select {
		case <-ctx.Done():
			_, err := r.leds.Write(make([]byte, 3*r.n))
			return err
		case <-r.wake:
		case <-next:
		}
	}
}
