package osdp

import (
	"encoding"
	"encoding/binary"
	"fmt"
)

// PDID is the osdp_PDID reply (12 bytes).
type PDID struct {
	Vendor                                      [3]byte // IEEE OUI
	Model, Version                              byte
	Serial                                      uint32 // little-endian on the wire
	FirmwareMajor, FirmwareMinor, FirmwareBuild byte
}

// MarshalBinary encodes the 12-byte payload.
func (p PDID) MarshalBinary() ([]byte, error) {
	b := append(p.Vendor[:3:3], p.Model, p.Version)
	b = binary.LittleEndian.AppendUint32(b, p.Serial)
	return append(b, p.FirmwareMajor, p.FirmwareMinor, p.FirmwareBuild), nil
}

// UnmarshalBinary decodes the 12-byte payload.
func (p *PDID) UnmarshalBinary(b []byte) error {
	if err := exact("pdid", b, 12); err != nil {
		return err
	}
	copy(p.Vendor[:], b)
	p.Model, p.Version = b[3], b[4]
	p.Serial = binary.LittleEndian.Uint32(b[5:])
	p.FirmwareMajor, p.FirmwareMinor, p.FirmwareBuild = b[9], b[10], b[11]
	return nil
}

// PDCAP function codes (OSDP 2.2 Annex B).
const (
	CapContactStatus    byte = 1
	CapOutputControl    byte = 2
	CapCardDataFormat   byte = 3
	CapReaderLED        byte = 4
	CapReaderAudible    byte = 5
	CapReaderText       byte = 6
	CapTimeKeeping      byte = 7 // deprecated
	CapCheckCharacter   byte = 8 // compliance 1: CRC-16 supported
	CapCommSecurity     byte = 9 // compliance bit 0: AES-128; items bit 0: SCBK-D
	CapReceiveBuffer    byte = 10
	CapLargestMessage   byte = 11
	CapSmartCard        byte = 12
	CapReaders          byte = 13
	CapBiometrics       byte = 14
	CapSecurePINEntry   byte = 15
	CapOSDPVersion      byte = 16
	capFunctionCodeLast      = CapOSDPVersion
)

// Capability is one PDCAP entry.
type Capability struct{ Function, Compliance, Items byte }

// PDCAP is the osdp_PDCAP reply.
type PDCAP struct{ Caps []Capability }

// MarshalBinary encodes the 3-byte entries.
func (p PDCAP) MarshalBinary() ([]byte, error) {
	if len(p.Caps) == 0 {
		return nil, wrap("pdcap", fmt.Errorf("%w: no capabilities", ErrPayloadLength))
	}
	b := make([]byte, 0, 3*len(p.Caps))
	for _, c := range p.Caps {
		b = append(b, c.Function, c.Compliance, c.Items)
	}
	return b, nil
}

// UnmarshalBinary decodes the entries. Unknown function codes are kept:
// later spec revisions add them and a CP must skip what it does not know.
func (p *PDCAP) UnmarshalBinary(b []byte) error {
	if err := records("pdcap", b, 3); err != nil {
		return err
	}
	p.Caps = make([]Capability, 0, len(b)/3)
	for ; len(b) > 0; b = b[3:] {
		p.Caps = append(p.Caps, Capability{b[0], b[1], b[2]})
	}
	return nil
}

// Lookup returns the entry for a function code.
func (p PDCAP) Lookup(function byte) (Capability, bool) {
	for _, c := range p.Caps {
		if c.Function == function {
			return c, true
		}
	}
	return Capability{}, false
}

// LSTATR is the osdp_LSTATR reply: 0 normal, 1 tamper / power failure.
type LSTATR struct{ Tamper, Power byte }

// MarshalBinary encodes the 2-byte payload.
func (l LSTATR) MarshalBinary() ([]byte, error) { return []byte{l.Tamper, l.Power}, nil }

// UnmarshalBinary decodes the 2-byte payload.
func (l *LSTATR) UnmarshalBinary(b []byte) error {
	if err := exact("lstatr", b, 2); err != nil {
		return err
	}
	if b[0] > 1 || b[1] > 1 {
		return wrap("lstatr", fmt.Errorf("%w: % X", ErrPayloadValue, b))
	}
	*l = LSTATR{b[0], b[1]}
	return nil
}

// IOStatus is the osdp_ISTATR and osdp_OSTATR reply: one byte per input
// or output, 0 inactive, 1 active.
type IOStatus struct{ States []bool }

// ISTATR and OSTATR share the IOStatus layout.
type (
	ISTATR = IOStatus
	OSTATR = IOStatus
)

// MarshalBinary encodes one byte per state.
func (s IOStatus) MarshalBinary() ([]byte, error) {
	if len(s.States) == 0 {
		return nil, wrap("iostatus", fmt.Errorf("%w: no states", ErrPayloadLength))
	}
	b := make([]byte, len(s.States))
	for i, on := range s.States {
		if on {
			b[i] = 1
		}
	}
	return b, nil
}

// UnmarshalBinary decodes one byte per state.
func (s *IOStatus) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return wrap("iostatus", errLen(0, 1))
	}
	states := make([]bool, len(b))
	for i, v := range b {
		if v > 1 {
			return wrap("iostatus", fmt.Errorf("%w: state %d at %d", ErrPayloadValue, v, i))
		}
		states[i] = v == 1
	}
	s.States = states
	return nil
}

// Reader tamper status values for RSTATR.
const (
	ReaderNormal       byte = 0
	ReaderNotConnected byte = 1
	ReaderTamper       byte = 2
)

// RSTATR is the osdp_RSTATR reply: one status byte per attached reader.
type RSTATR struct{ Status []byte }

// MarshalBinary encodes the statuses.
func (r RSTATR) MarshalBinary() ([]byte, error) {
	if len(r.Status) == 0 {
		return nil, wrap("rstatr", fmt.Errorf("%w: no readers", ErrPayloadLength))
	}
	return append([]byte(nil), r.Status...), nil
}

// UnmarshalBinary decodes the statuses.
func (r *RSTATR) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return wrap("rstatr", errLen(0, 1))
	}
	for _, v := range b {
		if v > ReaderTamper {
			return wrap("rstatr", fmt.Errorf("%w: status %d", ErrPayloadValue, v))
		}
	}
	r.Status = append([]byte(nil), b...)
	return nil
}

var (
	_ encoding.BinaryUnmarshaler = (*PDID)(nil)
	_ encoding.BinaryUnmarshaler = (*PDCAP)(nil)
	_ encoding.BinaryUnmarshaler = (*LSTATR)(nil)
	_ encoding.BinaryUnmarshaler = (*IOStatus)(nil)
	_ encoding.BinaryUnmarshaler = (*RSTATR)(nil)
	_ encoding.BinaryUnmarshaler = (*RAW)(nil)
	_ encoding.BinaryUnmarshaler = (*FMT)(nil)
	_ encoding.BinaryUnmarshaler = (*KEYPAD)(nil)
	_ encoding.BinaryUnmarshaler = (*CCRYPT)(nil)
	_ encoding.BinaryUnmarshaler = (*RMACI)(nil)
	_ encoding.BinaryUnmarshaler = (*NAK)(nil)
)
