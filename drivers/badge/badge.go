// Package badge reads employee badges at an enrollment desk: a USB HID
// keyboard-wedge scanner (its Linux input device, grabbed so that its
// keystrokes never reach the kiosk browser) and a serial scanner (a line
// per read); osdpreader adds an OSDP card reader. Each yields Reads on a
// channel; what a read means (a badge format, parity) is its consumer's
// business.
package badge

import (
	"context"
	"time"
)

// Read is one badge presented to a scanner: the characters it typed (a
// keyboard wedge, a serial scanner), without the end of the read, or the
// card data a card reader sent (Bits, first bit first).
type Read struct {
	Text string
	Bits []bool
	At   time.Time
}

// Scanner yields badge reads until ctx ends or the scanner fails.
type Scanner interface {
	Run(ctx context.Context, reads chan<- Read) error
}

// maxText bounds a read: no badge scanner types more, and a stuck key
// must not grow a buffer for ever.
const maxText = 64
