// Package osdpreader reads badges from an OSDP card reader on a serial
// line of its own (a second RS-485 port, often a USB adapter on the desk's
// USB-A), palmd being the reader's control panel with the osdp package's
// CP. It is the one badge driver that speaks a protocol: the scanner is an
// OSDP peripheral, and a read is its card data (osdp_RAW bits, or
// osdp_FMT characters from readers that send them).
package osdpreader

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

// Reader is an OSDP card reader at Address on Device, at Baud.
type Reader struct {
	Device  string
	Baud    int
	Address byte
	Log     *slog.Logger
}

var _ badge.Scanner = Reader{}

// readTimeout is how the CP keeps time on the line: longer than a USB
// adapter's 16 ms latency timer, so frames are not split.
const readTimeout = 25 * time.Millisecond

// Run implements badge.Scanner.
func (r Reader) Run(ctx context.Context, reads chan<- badge.Read) error {
	port, err := serial.Open(r.Device, r.Baud, readTimeout)
	if err != nil {
		return err
	}
	defer port.Close()
	return Serve(ctx, port, r.Address, r.Log, reads)
}

// Serve polls the reader at addr on link as its control panel and passes
// its card reads on, until ctx ends or the CP fails. The link is in the
// clear: a desk's reader sits on a short cable beside the desk.
func Serve(ctx context.Context, link osdp.Link, addr byte, log *slog.Logger, reads chan<- badge.Read) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: addr}}, Logger: log})
	if err != nil {
		return fmt.Errorf("osdpreader: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	runErr := make(chan error, 1)
	wg.Go(func() { runErr <- cp.Run(ctx, link) })
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("osdpreader: %w", err)
		case ev := <-cp.Events():
			r, ok := readOf(ev)
			if !ok {
				logEvent(log, ev)
				continue
			}
			select {
			case reads <- r:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// readOf is the badge read a card event carries.
func readOf(ev osdp.Event) (badge.Read, bool) {
	if ev.Kind != osdp.EventCard {
		return badge.Read{}, false
	}
	r := badge.Read{Text: ev.Text, At: ev.Time}
	if ev.Text == "" {
		r.Bits = make([]bool, 0, ev.Bits)
		for i := 0; i < ev.Bits && i/8 < len(ev.Data); i++ {
			r.Bits = append(r.Bits, ev.Data[i/8]&(0x80>>(i%8)) != 0)
		}
	}
	return r, true
}

// logEvent says what the reader's link does; never card data.
func logEvent(log *slog.Logger, ev osdp.Event) {
	switch ev.Kind {
	case osdp.EventOnline:
		log.Info("badge reader online", "addr", ev.Addr)
	case osdp.EventOffline:
		log.Warn("badge reader offline", "addr", ev.Addr)
	case osdp.EventStatus:
		if ev.Tamper != nil && *ev.Tamper {
			log.Warn("badge reader tamper", "addr", ev.Addr)
		}
	}
}
