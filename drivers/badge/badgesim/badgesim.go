// Package badgesim simulates the badge scanners of an enrollment desk
// behind the real backends' code: a keyboard wedge whose input events
// (the kernel's binary struct input_event) go through a pipe to
// badge.Events, a serial scanner on the master of a kernel
// pseudo-terminal whose slave the reader opens with badge.Serial, and an
// OSDP card reader (a PD) on a pty that osdpreader polls as its panel,
// and a Wiegand card reader pulsing simulated D0/D1 lines that
// wiegandreader watches.
package badgesim

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/serial"
)

// Scanner presents badges: what a person holding a badge to the scanner
// makes it type.
type Scanner interface {
	// Present makes the scanner read text ("12:3456", or whatever a
	// misconfigured scanner would type).
	Present(text string) error
	Close() error
}

// perKey is a fast scanner's typing pace.
const perKey = 4 * time.Millisecond

// Wedge is a simulated keyboard-wedge scanner.
type Wedge struct {
	mu sync.Mutex
	w  *os.File
}

// NewWedge returns the simulator and the scanner the reader runs (the
// real decoder, on the simulator's event stream).
func NewWedge() (*Wedge, badge.Events, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, badge.Events{}, fmt.Errorf("badgesim: %w", err)
	}
	return &Wedge{w: w}, badge.Events{Src: r}, nil
}

// Present implements Scanner: the key events of typing text and Enter.
func (s *Wedge) Present(text string) error {
	var b []byte
	for _, ev := range badge.Typing(text, time.Now(), perKey) {
		b = append(b, badge.EncodeEvent(ev)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("badgesim: wedge: %w", err)
	}
	return nil
}

// Close implements Scanner.
func (s *Wedge) Close() error { return s.w.Close() }

// Serial is a simulated serial scanner on a pseudo-terminal.
type Serial struct {
	mu sync.Mutex
	m  *serial.PTYLink
}

// NewSerial returns the simulator and the scanner the reader runs: the
// real serial backend on the pty's slave.
func NewSerial() (*Serial, badge.Serial, error) {
	m, path, err := serial.OpenPTYLink(100 * time.Millisecond)
	if err != nil {
		return nil, badge.Serial{}, err
	}
	return &Serial{m: m}, badge.Serial{Device: path, Baud: 9600}, nil
}

// Present implements Scanner: one line.
func (s *Serial) Present(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.m.Write([]byte(text + "\r\n"))
	return err
}

// Close implements Scanner.
func (s *Serial) Close() error { return s.m.Close() }

// New returns the simulator of a kind ("wedge", "serial" or "osdp") and
// the scanner the reader runs.
func New(kind string) (Scanner, badge.Scanner, error) {
	switch kind {
	case "wedge", "":
		return NewWedge()
	case "serial":
		return NewSerial()
	case "osdp":
		return NewOSDP()
	case "wiegand":
		return NewWiegand()
	}
	return nil, nil, errors.New("badgesim: want a wedge, serial, osdp or wiegand scanner")
}
