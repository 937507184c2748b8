package badgesim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/badge/wiegandreader"
	"github.com/palmd/palmd/drivers/pins"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/wiegand"
)

// The simulated card reader's data lines.
const (
	wiegandD0 = "BADGE_D0"
	wiegandD1 = "BADGE_D1"
)

// Wiegand is a simulated Wiegand card reader: the real transmitter pulses
// two simulated lines, which the desk watches through wiegandreader as it
// would a board's GPIO inputs.
type Wiegand struct {
	mu      sync.Mutex
	tx      *wiegand.Transmitter
	watched chan struct{} // closed once the desk watches the lines
}

// simFrameTimeout ends a simulated card's frame, and the simulated
// reader takes pulses of any width: the transmitter's pulses are timed by
// a goroutine a loaded machine can hold up for tens of milliseconds, and
// a simulated pin stamps an edge when its Out runs, so a late falling
// edge makes a short pulse. On a real line either would be the card
// reader's fault.
const simFrameTimeout = 500 * time.Millisecond

// watchWait is how long a card waits for the desk to watch the lines: a
// frame sent before would be lost, as a real reader's is while palmd
// starts.
const watchWait = 5 * time.Second

// NewWiegand returns the simulated card reader and the scanner the reader
// runs.
func NewWiegand() (*Wiegand, wiegandreader.Reader, error) {
	board := pinsim.NewBoard(wiegandD0, wiegandD1)
	tx, err := wiegand.NewTransmitter(board.Sim(wiegandD0), board.Sim(wiegandD1), wiegand.TransmitterConfig{})
	if err != nil {
		return nil, wiegandreader.Reader{}, fmt.Errorf("badgesim: %w", err)
	}
	s := &Wiegand{tx: tx, watched: make(chan struct{})}
	rx := wiegand.ReceiverConfig{FrameTimeout: simFrameTimeout, MinPulseWidth: time.Nanosecond}
	return s, wiegandreader.Reader{Board: &watchedBoard{Board: board, s: s}, D0: wiegandD0, D1: wiegandD1, Receiver: rx}, nil
}

// watchedBoard tells the simulator when the desk starts watching.
type watchedBoard struct {
	*pinsim.Board
	s    *Wiegand
	once sync.Once
}

func (b *watchedBoard) WatchLines(names []string, pull gpio.Pull) (*pins.Lines, error) {
	l, err := b.Board.WatchLines(names, pull)
	if err == nil {
		b.once.Do(func() { close(b.s.watched) })
	}
	return l, err
}

// Present implements Scanner: a card with FACILITY:CARD, sent as a frame.
func (s *Wiegand) Present(text string) error {
	bits, err := cardBits(text)
	if err != nil {
		return err
	}
	select {
	case <-s.watched:
	case <-time.After(watchWait):
		return errors.New("badgesim: wiegand: the desk is not watching the card reader's lines")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.tx.Send(context.Background(), bits); err != nil {
		return fmt.Errorf("badgesim: wiegand: %w", err)
	}
	return nil
}

// Close implements Scanner; the lines stay idle.
func (s *Wiegand) Close() error { return nil }
