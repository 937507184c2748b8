package badgesim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/badge/osdpreader"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// OSDP is a simulated OSDP card reader (a PD) on the master of a kernel
// pty; the reader's osdpreader polls it through the real serial driver.
type OSDP struct {
	pd     *osdp.PD
	m      *serial.PTYLink
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// readerAddr is the simulated card reader's OSDP address.
const readerAddr = 0

// NewOSDP starts the simulated card reader and returns it with the
// scanner the reader runs.
func NewOSDP() (*OSDP, osdpreader.Reader, error) {
	m, path, err := serial.OpenPTYLink(25 * time.Millisecond)
	if err != nil {
		return nil, osdpreader.Reader{}, err
	}
	pd, err := osdp.NewPD(osdp.PDConfig{Address: readerAddr, ID: osdp.PDID{Vendor: [3]byte{'S', 'I', 'M'}, Model: 2, Version: 1}}, cardReader{})
	if err != nil {
		m.Close()
		return nil, osdpreader.Reader{}, fmt.Errorf("badgesim: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &OSDP{pd: pd, m: m, cancel: cancel}
	s.wg.Go(func() { _ = pd.Run(ctx, m) })
	return s, osdpreader.Reader{Device: path, Baud: 9600, Address: readerAddr}, nil
}

// cardFormats are the cards the simulated reader can read, the smallest
// that holds a badge first: a badge that fits no site format's size is
// read as the larger card it is, and refused by a site that expects
// another.
var cardFormats = []string{"h10301", "h10306", "corp1000-35", "corp1000-48"}

// Present implements Scanner: a card with FACILITY:CARD.
func (s *OSDP) Present(text string) error {
	bits, err := cardBits(text)
	if err != nil {
		return err
	}
	data := make([]byte, (len(bits)+7)/8)
	for i, b := range bits {
		if b {
			data[i/8] |= 0x80 >> (i % 8)
		}
	}
	return s.pd.Present(osdp.Card{Bits: len(bits), Data: data})
}

// cardBits is the card a simulated card reader reads for FACILITY:CARD:
// the first of cardFormats that holds it.
func cardBits(text string) (wiegand.Bits, error) {
	f, c, ok := strings.Cut(text, ":")
	facility, ferr := strconv.ParseUint(f, 10, 64)
	card, cerr := strconv.ParseUint(c, 10, 64)
	if !ok || ferr != nil || cerr != nil {
		return nil, errors.New("badgesim: the simulated card reader reads cards: want FACILITY:CARD")
	}
	for _, name := range cardFormats {
		format, _ := wiegand.Lookup(name)
		if bits, err := format.Encode(wiegand.Badge{Facility: facility, Card: card}); err == nil {
			return bits, nil
		}
	}
	return nil, fmt.Errorf("badgesim: no card format holds %s", text)
}

// Close implements Scanner: the simulated reader stops.
func (s *OSDP) Close() error {
	s.cancel()
	s.wg.Wait()
	return s.m.Close()
}

// cardReader is the simulated reader's hardware: no inputs, outputs or
// display; the feedback the desk would send is ignored.
type cardReader struct{}

func (cardReader) Status() osdp.DeviceStatus       { return osdp.DeviceStatus{} }
func (cardReader) Output(osdp.OutputControl) error { return errors.New("no outputs") }
func (cardReader) LED(osdp.LEDRecord)              {}
func (cardReader) Buzzer(osdp.BUZ)                 {}
func (cardReader) Text(osdp.TEXT)                  {}
func (cardReader) KeySet([osdp.KeySize]byte) error { return errors.New("no key store") }
func (cardReader) ComSet(byte, uint32) error       { return errors.New("fixed address and speed") }
