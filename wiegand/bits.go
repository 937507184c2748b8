package wiegand

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrParity: a received frame fails one of its format's parity checks.
	ErrParity = errors.New("parity error")
	// ErrLength: a frame's bit count does not match its format.
	ErrLength = errors.New("wrong frame length")
	// ErrRange: a value does not fit the field it is encoded into.
	ErrRange = errors.New("value out of range")
	// ErrNoField: the format has no field for the value given.
	ErrNoField = errors.New("format has no such field")
	// ErrLayout: a custom layout description is invalid.
	ErrLayout = errors.New("invalid layout")
	// ErrUnknownFormat: no standard format has the requested name.
	ErrUnknownFormat = errors.New("unknown format")
	// ErrTiming: transmitter timing outside what panels accept.
	ErrTiming = errors.New("timing out of range")
)

// Bits is a Wiegand frame, first bit on the wire first.
type Bits []bool

// String returns the frame as '0' and '1' characters.
func (b Bits) String() string {
	var s strings.Builder
	s.Grow(len(b))
	for _, v := range b {
		if v {
			s.WriteByte('1')
		} else {
			s.WriteByte('0')
		}
	}
	return s.String()
}

// ParseBits reads a frame written as '0' and '1' characters; spaces and
// underscores are ignored so that people can group bits.
func ParseBits(s string) (Bits, error) {
	b := make(Bits, 0, len(s))
	for i, c := range s {
		switch c {
		case '0':
			b = append(b, false)
		case '1':
			b = append(b, true)
		case ' ', '_':
		default:
			return nil, fmt.Errorf("wiegand: bit string: character %q at %d is not 0 or 1", c, i)
		}
	}
	return b, nil
}

// Equal reports whether two frames have the same bits.
func (b Bits) Equal(o Bits) bool {
	if len(b) != len(o) {
		return false
	}
	for i := range b {
		if b[i] != o[i] {
			return false
		}
	}
	return true
}
