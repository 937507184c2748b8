// Package wiegandreader reads badges from a Wiegand card reader wired to
// two GPIO inputs (D0, D1) of the enrollment desk: the kernel's edge
// events, through the wiegand receiver's noise rejection, become reads of
// card bits. What the bits mean (the site's format, parity) is the
// consumer's business, as for every badge scanner.
package wiegandreader

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/wiegand"
)

// LineWatcher captures the edges of input lines: pins.Board on a reader,
// the simulator's board in simulation.
type LineWatcher interface {
	WatchLines(names []string, pull gpio.Pull) (*pins.Lines, error)
}

// Reader is a Wiegand card reader on the lines named D0 and D1.
type Reader struct {
	Board  LineWatcher
	D0, D1 string
	// Receiver is the noise rejection; zero fields are the receiver's
	// defaults (a frame ends after 25 ms of silence, ten times a card
	// reader's bit interval; pulses under 10 µs are glitches). A
	// simulated reader, whose edges a loaded machine can delay, sets
	// its own.
	Receiver wiegand.ReceiverConfig
}

var _ badge.Scanner = Reader{}

// Run implements badge.Scanner. The lines are pulled up: a card reader's
// open-collector outputs idle High and pull Low for a bit.
func (r Reader) Run(ctx context.Context, reads chan<- badge.Read) error {
	if r.Board == nil || r.D0 == "" || r.D1 == "" {
		return errors.New("wiegandreader: name the board's D0 and D1 lines")
	}
	lines, err := r.Board.WatchLines([]string{r.D0, r.D1}, gpio.PullUp)
	if err != nil {
		return fmt.Errorf("wiegandreader: %w", err)
	}
	defer lines.Close()
	return Serve(ctx, lines, r.Receiver, reads)
}

// Serve passes the frames on lines (D0 first, then D1) as reads until ctx
// ends or the lines fail.
func Serve(ctx context.Context, lines *pins.Lines, cfg wiegand.ReceiverConfig, reads chan<- badge.Read) error {
	rx, err := wiegand.NewReceiver(cfg)
	if err != nil {
		return fmt.Errorf("wiegandreader: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	watchErr := make(chan error, 1)
	wg.Go(func() {
		defer rx.Close() // no edge comes after: the frames channel ends
		watchErr <- lines.Run(ctx, func(ev pins.LineEvent) {
			rx.Feed(wiegand.Line(ev.Line), ev.Level, ev.At)
		})
	})
	for f := range rx.Frames() {
		select {
		case reads <- badge.Read{Bits: f.Bits, At: f.End}:
		case <-ctx.Done():
		}
	}
	if err := <-watchErr; ctx.Err() == nil {
		return fmt.Errorf("wiegandreader: %w", err)
	}
	return nil
}
