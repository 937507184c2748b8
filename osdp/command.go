package osdp

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
)

// Payload errors. Unmarshal errors wrap one of these with the payload name.
var (
	ErrPayloadLength = errors.New("osdp: bad payload length")
	ErrPayloadValue  = errors.New("osdp: bad payload value")
)

func errLen(got, want int) error {
	return fmt.Errorf("%w: %d bytes, want %d", ErrPayloadLength, got, want)
}

func wrap(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("osdp: %s: %w", name, err)
}

// exact checks a fixed-size payload.
func exact(name string, b []byte, n int) error {
	if len(b) != n {
		return wrap(name, errLen(len(b), n))
	}
	return nil
}

// records checks a payload made of whole fixed-size records, at least one.
func records(name string, b []byte, size int) error {
	if len(b) == 0 || len(b)%size != 0 {
		return wrap(name, fmt.Errorf("%w: %d bytes is not a whole number of %d-byte records", ErrPayloadLength, len(b), size))
	}
	return nil
}

// Output control codes for OUT records.
const (
	OutNOP             byte = 0x00
	OutPermOffAbort    byte = 0x01 // permanent off, abort timed operation
	OutPermOnAbort     byte = 0x02 // permanent on, abort timed operation
	OutPermOffAllow    byte = 0x03 // permanent off, allow timed operation to complete
	OutPermOnAllow     byte = 0x04 // permanent on, allow timed operation to complete
	OutTempOnResume    byte = 0x05 // temporary on, resume permanent state on timeout
	OutTempOffResume   byte = 0x06 // temporary off, resume permanent state on timeout
	outControlCodeLast      = OutTempOffResume
)

// OutputControl is one osdp_OUT record. Timer is in units of 100 ms.
type OutputControl struct {
	Output, Control byte
	Timer           uint16
}

// OUT is the osdp_OUT payload.
type OUT struct{ Records []OutputControl }

// MarshalBinary encodes the records.
func (o OUT) MarshalBinary() ([]byte, error) {
	if len(o.Records) == 0 {
		return nil, wrap("out", fmt.Errorf("%w: no records", ErrPayloadLength))
	}
	b := make([]byte, 0, 4*len(o.Records))
	for _, r := range o.Records {
		b = append(b, r.Output, r.Control)
		b = binary.LittleEndian.AppendUint16(b, r.Timer)
	}
	return b, nil
}

// UnmarshalBinary decodes 4-byte records.
func (o *OUT) UnmarshalBinary(b []byte) error {
	if err := records("out", b, 4); err != nil {
		return err
	}
	o.Records = make([]OutputControl, 0, len(b)/4)
	for ; len(b) > 0; b = b[4:] {
		if b[1] > outControlCodeLast {
			return wrap("out", fmt.Errorf("%w: control code %d", ErrPayloadValue, b[1]))
		}
		o.Records = append(o.Records, OutputControl{b[0], b[1], binary.LittleEndian.Uint16(b[2:])})
	}
	return nil
}

// BUZ tone codes.
const (
	ToneNone    byte = 0x00 // no tone (deprecated)
	ToneOff     byte = 0x01
	ToneDefault byte = 0x02
)

// BUZ is the osdp_BUZ payload. Times are in units of 100 ms; Count 0
// repeats until told otherwise.
type BUZ struct{ Reader, Tone, OnTime, OffTime, Count byte }

// MarshalBinary encodes the 5-byte payload.
func (z BUZ) MarshalBinary() ([]byte, error) {
	return []byte{z.Reader, z.Tone, z.OnTime, z.OffTime, z.Count}, nil
}

// UnmarshalBinary decodes the 5-byte payload.
func (z *BUZ) UnmarshalBinary(b []byte) error {
	if err := exact("buz", b, 5); err != nil {
		return err
	}
	*z = BUZ{b[0], b[1], b[2], b[3], b[4]}
	return nil
}

// TEXT command codes.
const (
	TextPermNoWrap byte = 0x01
	TextPermWrap   byte = 0x02
	TextTempNoWrap byte = 0x03
	TextTempWrap   byte = 0x04
)

// TEXT is the osdp_TEXT payload. TempTime is in seconds.
type TEXT struct {
	Reader, Command, TempTime, Row, Column byte
	Text                                   []byte
}

// MarshalBinary encodes the payload; Text is at most 255 bytes.
func (t TEXT) MarshalBinary() ([]byte, error) {
	if len(t.Text) > 255 {
		return nil, wrap("text", fmt.Errorf("%w: text of %d bytes", ErrPayloadLength, len(t.Text)))
	}
	b := []byte{t.Reader, t.Command, t.TempTime, t.Row, t.Column, byte(len(t.Text))}
	return append(b, t.Text...), nil
}

// UnmarshalBinary decodes the payload; the length byte must match.
func (t *TEXT) UnmarshalBinary(b []byte) error {
	if len(b) < 6 {
		return wrap("text", errLen(len(b), 6))
	}
	if err := exact("text", b, 6+int(b[5])); err != nil {
		return err
	}
	*t = TEXT{b[0], b[1], b[2], b[3], b[4], append([]byte(nil), b[6:]...)}
	return nil
}

// COMSET is the osdp_COMSET payload (new address 0x00..0x7E, baud rate)
// and, with the same layout, the
// osdp_COM reply.
type COMSET struct {
	Address byte
	Baud    uint32
}

// COM is the osdp_COM reply: the settings the PD will use.
type COM = COMSET

// MarshalBinary encodes address and little-endian baud rate.
func (c COMSET) MarshalBinary() ([]byte, error) {
	if c.Address >= AddrBroadcast {
		return nil, wrap("comset", fmt.Errorf("%w: address 0x%02X", ErrPayloadValue, c.Address))
	}
	return binary.LittleEndian.AppendUint32([]byte{c.Address}, c.Baud), nil
}

// UnmarshalBinary decodes the 5-byte payload.
func (c *COMSET) UnmarshalBinary(b []byte) error {
	if err := exact("comset", b, 5); err != nil {
		return err
	}
	if b[0] >= AddrBroadcast {
		return wrap("comset", fmt.Errorf("%w: address 0x%02X", ErrPayloadValue, b[0]))
	}
	*c = COMSET{b[0], binary.LittleEndian.Uint32(b[1:])}
	return nil
}

// KEYSET is the osdp_KEYSET payload. KeyType KeyTypeSCBK carries a
// 16-byte key.
type KEYSET struct {
	KeyType byte
	Key     []byte
}

// MarshalBinary encodes key type, length and key.
func (k KEYSET) MarshalBinary() ([]byte, error) {
	if err := k.check(); err != nil {
		return nil, err
	}
	return append([]byte{k.KeyType, byte(len(k.Key))}, k.Key...), nil
}

func (k KEYSET) check() error {
	if k.KeyType != KeyTypeSCBK {
		return wrap("keyset", fmt.Errorf("%w: key type %d", ErrPayloadValue, k.KeyType))
	}
	if len(k.Key) != KeySize {
		return wrap("keyset", errLen(len(k.Key), KeySize))
	}
	return nil
}

// UnmarshalBinary decodes the payload; the length byte must match.
func (k *KEYSET) UnmarshalBinary(b []byte) error {
	if len(b) < 2 {
		return wrap("keyset", errLen(len(b), 2))
	}
	if err := exact("keyset", b, 2+int(b[1])); err != nil {
		return err
	}
	v := KEYSET{b[0], append([]byte(nil), b[2:]...)}
	if err := v.check(); err != nil {
		return err
	}
	*k = v
	return nil
}

// CHLNG is the osdp_CHLNG payload: the CP's random number RND.A.
type CHLNG struct{ RndA [8]byte }

// MarshalBinary encodes RND.A.
func (c CHLNG) MarshalBinary() ([]byte, error) { return append([]byte(nil), c.RndA[:]...), nil }

// UnmarshalBinary decodes RND.A.
func (c *CHLNG) UnmarshalBinary(b []byte) error {
	if err := exact("chlng", b, 8); err != nil {
		return err
	}
	copy(c.RndA[:], b)
	return nil
}

// SCRYPT is the osdp_SCRYPT payload: the server cryptogram.
type SCRYPT struct{ Cryptogram [KeySize]byte }

// MarshalBinary encodes the cryptogram.
func (s SCRYPT) MarshalBinary() ([]byte, error) { return append([]byte(nil), s.Cryptogram[:]...), nil }

// UnmarshalBinary decodes the cryptogram.
func (s *SCRYPT) UnmarshalBinary(b []byte) error {
	if err := exact("scrypt", b, KeySize); err != nil {
		return err
	}
	copy(s.Cryptogram[:], b)
	return nil
}

// ACURXSIZE is the osdp_ACURXSIZE payload: the CP's receive buffer size.
type ACURXSIZE struct{ MaxSize uint16 }

// MarshalBinary encodes the little-endian size.
func (a ACURXSIZE) MarshalBinary() ([]byte, error) {
	return binary.LittleEndian.AppendUint16(nil, a.MaxSize), nil
}

// UnmarshalBinary decodes the size.
func (a *ACURXSIZE) UnmarshalBinary(b []byte) error {
	if err := exact("acurxsize", b, 2); err != nil {
		return err
	}
	a.MaxSize = binary.LittleEndian.Uint16(b)
	return nil
}

// KEEPACTIVE is the osdp_KEEPACTIVE payload: keep-alive time in ms.
type KEEPACTIVE struct{ Time uint16 }

// MarshalBinary encodes the little-endian time.
func (k KEEPACTIVE) MarshalBinary() ([]byte, error) {
	return binary.LittleEndian.AppendUint16(nil, k.Time), nil
}

// UnmarshalBinary decodes the time.
func (k *KEEPACTIVE) UnmarshalBinary(b []byte) error {
	if err := exact("keepactive", b, 2); err != nil {
		return err
	}
	k.Time = binary.LittleEndian.Uint16(b)
	return nil
}

// MFG is the osdp_MFG payload and, with the same layout, osdp_MFGREP:
// a 3-byte IEEE OUI followed by vendor data.
type MFG struct {
	OUI  [3]byte
	Data []byte
}

// MFGREP is the osdp_MFGREP reply.
type MFGREP = MFG

// MarshalBinary encodes OUI and data.
func (m MFG) MarshalBinary() ([]byte, error) { return append(m.OUI[:3:3], m.Data...), nil }

// UnmarshalBinary decodes OUI and data.
func (m *MFG) UnmarshalBinary(b []byte) error {
	if len(b) < 3 {
		return wrap("mfg", errLen(len(b), 3))
	}
	copy(m.OUI[:], b)
	m.Data = append([]byte(nil), b[3:]...)
	return nil
}

// Compile-time checks that every payload is a binary (un)marshaler.
var (
	_ encoding.BinaryMarshaler   = OUT{}
	_ encoding.BinaryUnmarshaler = (*OUT)(nil)
	_ encoding.BinaryUnmarshaler = (*LED)(nil)
	_ encoding.BinaryUnmarshaler = (*BUZ)(nil)
	_ encoding.BinaryUnmarshaler = (*TEXT)(nil)
	_ encoding.BinaryUnmarshaler = (*COMSET)(nil)
	_ encoding.BinaryUnmarshaler = (*KEYSET)(nil)
	_ encoding.BinaryUnmarshaler = (*CHLNG)(nil)
	_ encoding.BinaryUnmarshaler = (*SCRYPT)(nil)
	_ encoding.BinaryUnmarshaler = (*ACURXSIZE)(nil)
	_ encoding.BinaryUnmarshaler = (*KEEPACTIVE)(nil)
	_ encoding.BinaryUnmarshaler = (*MFG)(nil)
)
