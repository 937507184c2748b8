package badge

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"time"
)

// InputEvent is the kernel's struct input_event (linux/input.h): when,
// type, code and value.
type InputEvent struct {
	Time       time.Time
	Type, Code uint16
	Value      int32
}

// Input event types and values the decoder uses.
const (
	EvSyn = 0x00
	EvKey = 0x01
	EvMsc = 0x04

	keyUp     = 0
	keyDown   = 1
	keyRepeat = 2
)

// Key codes (linux/input-event-codes.h) a keyboard-wedge badge scanner
// types: digits on the main row and the keypad, the separators between a
// facility code and a card number, shift, and the keys that end a read.
const (
	keyMinus      = 12
	keyTab        = 15
	keyEnter      = 28
	keySemicolon  = 39
	keyLeftShift  = 42
	keyComma      = 51
	keyRightShift = 54
	keyKPMinus    = 74
	keyKPEnter    = 96
)

// digitKeys maps the digit keys to their characters.
var digitKeys = map[uint16]byte{
	2: '1', 3: '2', 4: '3', 5: '4', 6: '5', 7: '6', 8: '7', 9: '8', 10: '9', 11: '0',
	79: '1', 80: '2', 81: '3', 75: '4', 76: '5', 77: '6', 71: '7', 72: '8', 73: '9', 82: '0',
}

// Unknown stands in a read for a key the decoder has no character for: the
// read is kept whole, so that its consumer can say it does not decode.
const Unknown = '?'

// maxGap is the longest pause between two keys of one read: a scanner
// types a read in a burst, so a pause means a stray keystroke or a read
// cut short, which is dropped rather than glued to the next.
const maxGap = 500 * time.Millisecond

// WedgeDecoder turns a keyboard-wedge scanner's key events into reads:
// each key press is a character, Enter, keypad Enter or Tab ends the read.
// Key releases, auto-repeats and other event types are ignored. It uses
// the events' own times, so a recorded sequence decodes the same.
type WedgeDecoder struct {
	buf   []byte
	shift bool
	last  time.Time
}

// Feed takes one event; it returns a read when the event ended one.
func (d *WedgeDecoder) Feed(ev InputEvent) (Read, bool) {
	if ev.Type != EvKey {
		return Read{}, false
	}
	if ev.Code == keyLeftShift || ev.Code == keyRightShift {
		d.shift = ev.Value != keyUp
		return Read{}, false
	}
	if ev.Value != keyDown {
		return Read{}, false
	}
	if len(d.buf) > 0 && ev.Time.Sub(d.last) > maxGap {
		d.buf = d.buf[:0]
	}
	d.last = ev.Time
	switch ev.Code {
	case keyEnter, keyKPEnter, keyTab:
		if len(d.buf) == 0 {
			return Read{}, false
		}
		r := Read{Text: string(d.buf), At: ev.Time}
		d.buf = d.buf[:0]
		return r, true
	}
	if len(d.buf) < maxText {
		d.buf = append(d.buf, d.char(ev.Code))
	}
	return Read{}, false
}

// char is what a key types with the shift state.
func (d *WedgeDecoder) char(code uint16) byte {
	if c, ok := digitKeys[code]; ok && !d.shift {
		return c
	}
	switch {
	case code == keySemicolon && d.shift:
		return ':'
	case (code == keyMinus || code == keyKPMinus) && !d.shift:
		return '-'
	case code == keyComma && !d.shift:
		return ','
	}
	return Unknown
}

// eventSize is sizeof(struct input_event): two longs of time, then
// 2+2+4 bytes.
const eventSize = 2*bits.UintSize/8 + 8

// ErrShortEvent is a read from an input device that is not a whole
// number of events.
var ErrShortEvent = errors.New("badge: input device returned a partial event")

// ReadEvents reads whole events from an input device's stream and feeds
// each to fn until the stream ends or fn returns false.
func ReadEvents(r io.Reader, fn func(InputEvent) bool) error {
	buf := make([]byte, 64*eventSize)
	for {
		n, err := r.Read(buf)
		if n%eventSize != 0 {
			return fmt.Errorf("%w (%d bytes)", ErrShortEvent, n)
		}
		for off := 0; off < n; off += eventSize {
			if !fn(decodeEvent(buf[off : off+eventSize])) {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

// decodeEvent reads one event in the machine's byte order.
func decodeEvent(b []byte) InputEvent {
	var sec, usec int64
	w := bits.UintSize / 8
	if w == 8 {
		sec, usec = int64(binary.NativeEndian.Uint64(b)), int64(binary.NativeEndian.Uint64(b[8:]))
	} else {
		sec, usec = int64(binary.NativeEndian.Uint32(b)), int64(binary.NativeEndian.Uint32(b[4:]))
	}
	b = b[2*w:]
	return InputEvent{
		Time: time.Unix(sec, usec*1000), Type: binary.NativeEndian.Uint16(b), Code: binary.NativeEndian.Uint16(b[2:]),
		Value: int32(binary.NativeEndian.Uint32(b[4:])),
	}
}

// EncodeEvent writes one event as the kernel would, for simulators and
// recordings.
func EncodeEvent(ev InputEvent) []byte {
	w := bits.UintSize / 8
	b := make([]byte, eventSize)
	sec, usec := ev.Time.Unix(), int64(ev.Time.Nanosecond()/1000)
	if w == 8 {
		binary.NativeEndian.PutUint64(b, uint64(sec))
		binary.NativeEndian.PutUint64(b[8:], uint64(usec))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(sec))
		binary.NativeEndian.PutUint32(b[4:], uint32(usec))
	}
	binary.NativeEndian.PutUint16(b[2*w:], ev.Type)
	binary.NativeEndian.PutUint16(b[2*w+2:], ev.Code)
	binary.NativeEndian.PutUint32(b[2*w+4:], uint32(ev.Value))
	return b
}

// Typing is the events a keyboard-wedge scanner sends to type text and
// end the read with Enter, as the kernel reports a USB HID keyboard: for
// each key the HID usage (MSC_SCAN), the press, a report boundary, the
// release and a boundary; shift around ':'. Characters it has no key for
// are typed as '?' would be (shift+slash), which decodes as Unknown.
func Typing(text string, start time.Time, perKey time.Duration) []InputEvent {
	var out []InputEvent
	at := start
	key := func(code uint16, value int32) {
		out = append(out, InputEvent{Time: at, Type: EvMsc, Code: 4, Value: int32(hidUsage[code])},
			InputEvent{Time: at, Type: EvKey, Code: code, Value: value}, InputEvent{Time: at, Type: EvSyn})
	}
	press := func(code uint16, shifted bool) {
		if shifted {
			key(keyLeftShift, keyDown)
		}
		key(code, keyDown)
		at = at.Add(perKey / 2)
		key(code, keyUp)
		if shifted {
			key(keyLeftShift, keyUp)
		}
		at = at.Add(perKey / 2)
	}
	for i := 0; i < len(text); i++ {
		code, shifted := keyOf(text[i])
		press(code, shifted)
	}
	press(keyEnter, false)
	return out
}

// keySlash is '/', typed shifted for '?'.
const keySlash = 53

func keyOf(c byte) (code uint16, shifted bool) {
	for k, ch := range digitKeys {
		if ch == c && k <= 11 {
			return k, false
		}
	}
	switch c {
	case ':':
		return keySemicolon, true
	case '-':
		return keyMinus, false
	case ',':
		return keyComma, false
	}
	return keySlash, true
}

// hidUsage is the USB HID keyboard usage (page 7) the kernel reports in
// MSC_SCAN for each key.
var hidUsage = map[uint16]uint32{
	2: 0x7001e, 3: 0x7001f, 4: 0x70020, 5: 0x70021, 6: 0x70022, 7: 0x70023, 8: 0x70024, 9: 0x70025, 10: 0x70026,
	11: 0x70027, keyEnter: 0x70028, keyMinus: 0x7002d, keySemicolon: 0x70033, keyComma: 0x70036,
	keySlash: 0x70038, keyLeftShift: 0x700e1,
}
