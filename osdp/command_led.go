package osdp

import (
	"encoding/binary"
	"fmt"
)

// LED colours.
const (
	ColorBlack byte = iota
	ColorRed
	ColorGreen
	ColorAmber
	ColorBlue
	ColorMagenta
	ColorCyan
	ColorWhite
)

// Temporary LED control codes.
const (
	LEDTempNOP    byte = 0x00
	LEDTempCancel byte = 0x01 // cancel temporary operation, show permanent state
	LEDTempSet    byte = 0x02 // set temporary state and start the timer
)

// Permanent LED control codes.
const (
	LEDPermNOP byte = 0x00
	LEDPermSet byte = 0x01
)

// LEDTemporary is the temporary part of an LED record. Times are in units
// of 100 ms.
type LEDTemporary struct {
	Control, OnTime, OffTime, OnColor, OffColor byte
	Timer                                       uint16
}

// LEDPermanent is the permanent part of an LED record.
type LEDPermanent struct {
	Control, OnTime, OffTime, OnColor, OffColor byte
}

// LEDRecord is one 14-byte osdp_LED record.
type LEDRecord struct {
	Reader, LED byte
	Temp        LEDTemporary
	Perm        LEDPermanent
}

const ledRecordSize = 14

// LED is the osdp_LED payload.
type LED struct{ Records []LEDRecord }

// MarshalBinary encodes the records.
func (l LED) MarshalBinary() ([]byte, error) {
	if len(l.Records) == 0 {
		return nil, wrap("led", fmt.Errorf("%w: no records", ErrPayloadLength))
	}
	b := make([]byte, 0, ledRecordSize*len(l.Records))
	for _, r := range l.Records {
		t, p := r.Temp, r.Perm
		b = append(b, r.Reader, r.LED, t.Control, t.OnTime, t.OffTime, t.OnColor, t.OffColor)
		b = binary.LittleEndian.AppendUint16(b, t.Timer)
		b = append(b, p.Control, p.OnTime, p.OffTime, p.OnColor, p.OffColor)
	}
	return b, nil
}

// UnmarshalBinary decodes 14-byte records.
func (l *LED) UnmarshalBinary(b []byte) error {
	if err := records("led", b, ledRecordSize); err != nil {
		return err
	}
	l.Records = make([]LEDRecord, 0, len(b)/ledRecordSize)
	for ; len(b) > 0; b = b[ledRecordSize:] {
		if b[2] > LEDTempSet || b[9] > LEDPermSet {
			return wrap("led", fmt.Errorf("%w: control codes %d/%d", ErrPayloadValue, b[2], b[9]))
		}
		l.Records = append(l.Records, LEDRecord{
			Reader: b[0], LED: b[1],
			Temp: LEDTemporary{b[2], b[3], b[4], b[5], b[6], binary.LittleEndian.Uint16(b[7:])},
			Perm: LEDPermanent{b[9], b[10], b[11], b[12], b[13]},
		})
	}
	return nil
}
