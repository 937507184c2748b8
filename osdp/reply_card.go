package osdp

import (
	"encoding/binary"
	"fmt"
)

// RAW card data format codes.
const (
	RawFormatUnspecified byte = 0x00
	RawFormatWiegand     byte = 0x01
)

// RAW is the osdp_RAW reply: card data as bits, MSB of the first byte
// first, padded with zero bits to whole bytes.
type RAW struct {
	Reader, Format byte
	BitCount       uint16
	Data           []byte
}

// MarshalBinary encodes the payload; Data must be exactly ceil(BitCount/8).
func (r RAW) MarshalBinary() ([]byte, error) {
	if want := (int(r.BitCount) + 7) / 8; len(r.Data) != want || want == 0 {
		return nil, wrap("raw", fmt.Errorf("%w: %d data bytes for %d bits", ErrPayloadLength, len(r.Data), r.BitCount))
	}
	b := binary.LittleEndian.AppendUint16([]byte{r.Reader, r.Format}, r.BitCount)
	return append(b, r.Data...), nil
}

// UnmarshalBinary decodes the payload with strict length checks.
func (r *RAW) UnmarshalBinary(b []byte) error {
	if len(b) < 4 {
		return wrap("raw", errLen(len(b), 4))
	}
	bits := binary.LittleEndian.Uint16(b[2:])
	if bits == 0 {
		return wrap("raw", fmt.Errorf("%w: zero bits", ErrPayloadValue))
	}
	if err := exact("raw", b, 4+(int(bits)+7)/8); err != nil {
		return err
	}
	*r = RAW{b[0], b[1], bits, append([]byte(nil), b[4:]...)}
	return nil
}

// FMT read directions.
const (
	ReadForward byte = 0x00
	ReadReverse byte = 0x01
)

// FMT is the osdp_FMT reply: card data as ASCII characters.
type FMT struct {
	Reader, Direction byte
	Data              []byte
}

// MarshalBinary encodes the payload; at most 255 characters.
func (f FMT) MarshalBinary() ([]byte, error) {
	if len(f.Data) > 255 {
		return nil, wrap("fmt", fmt.Errorf("%w: %d characters", ErrPayloadLength, len(f.Data)))
	}
	return append([]byte{f.Reader, f.Direction, byte(len(f.Data))}, f.Data...), nil
}

// UnmarshalBinary decodes the payload; the count byte must match.
func (f *FMT) UnmarshalBinary(b []byte) error {
	if len(b) < 3 {
		return wrap("fmt", errLen(len(b), 3))
	}
	if err := exact("fmt", b, 3+int(b[2])); err != nil {
		return err
	}
	*f = FMT{b[0], b[1], append([]byte(nil), b[3:]...)}
	return nil
}

// KEYPAD is the osdp_KEYPAD reply: key presses as ASCII digits, '*' is
// 0x7F and '#' is 0x0D.
type KEYPAD struct {
	Reader byte
	Digits []byte
}

// MarshalBinary encodes the payload; at most 255 digits.
func (k KEYPAD) MarshalBinary() ([]byte, error) {
	if len(k.Digits) > 255 {
		return nil, wrap("keypad", fmt.Errorf("%w: %d digits", ErrPayloadLength, len(k.Digits)))
	}
	return append([]byte{k.Reader, byte(len(k.Digits))}, k.Digits...), nil
}

// UnmarshalBinary decodes the payload; the count byte must match.
func (k *KEYPAD) UnmarshalBinary(b []byte) error {
	if len(b) < 2 {
		return wrap("keypad", errLen(len(b), 2))
	}
	if err := exact("keypad", b, 2+int(b[1])); err != nil {
		return err
	}
	*k = KEYPAD{b[0], append([]byte(nil), b[2:]...)}
	return nil
}

// CCRYPT is the osdp_CCRYPT reply.
type CCRYPT struct {
	ClientUID, RndB [8]byte
	Cryptogram      [KeySize]byte
}

// MarshalBinary encodes the 32-byte payload.
func (c CCRYPT) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(append(append(b, c.ClientUID[:]...), c.RndB[:]...), c.Cryptogram[:]...)
	return b, nil
}

// UnmarshalBinary decodes the 32-byte payload.
func (c *CCRYPT) UnmarshalBinary(b []byte) error {
	if err := exact("ccrypt", b, 32); err != nil {
		return err
	}
	copy(c.ClientUID[:], b)
	copy(c.RndB[:], b[8:])
	copy(c.Cryptogram[:], b[16:])
	return nil
}

// RMACI is the osdp_RMAC_I reply: the initial R-MAC.
type RMACI struct{ RMAC [KeySize]byte }

// MarshalBinary encodes the 16-byte payload.
func (r RMACI) MarshalBinary() ([]byte, error) { return append([]byte(nil), r.RMAC[:]...), nil }

// UnmarshalBinary decodes the 16-byte payload.
func (r *RMACI) UnmarshalBinary(b []byte) error {
	if err := exact("rmac_i", b, KeySize); err != nil {
		return err
	}
	copy(r.RMAC[:], b)
	return nil
}

// NAK is the osdp_NAK reply: a reason code and optional detail.
type NAK struct {
	Reason byte
	Data   []byte
}

// MarshalBinary encodes reason and detail.
func (n NAK) MarshalBinary() ([]byte, error) { return append([]byte{n.Reason}, n.Data...), nil }

// UnmarshalBinary decodes reason and detail.
func (n *NAK) UnmarshalBinary(b []byte) error {
	if len(b) < 1 {
		return wrap("nak", errLen(0, 1))
	}
	*n = NAK{b[0], append([]byte(nil), b[1:]...)}
	return nil
}

// CheckEmpty validates the payload of a reply or command that carries no
// data (osdp_ACK, osdp_BUSY, osdp_POLL, osdp_LSTAT...). osdp_ID and
// osdp_CAP carry one byte, 0x00 for the standard reply.
func CheckEmpty(name string, b []byte) error { return exact(name, b, 0) }
