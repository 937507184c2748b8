package osdp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Framing constants (OSDP 2.2 section 5.7).
const (
	SOM           byte = 0x53 // start of message
	MarkByte      byte = 0xFF // optional line mark a CP may send before SOM (OSDP 2.2 5.7)
	AddrBroadcast byte = 0x7F // configuration/broadcast address
	AddrReplyFlag byte = 0x80 // set in ADDR on every PD reply

	CtrlSeqMask   byte = 0x03 // sequence number, bits 0-1
	CtrlCRC       byte = 0x04 // set: 16-bit CRC, clear: 8-bit checksum
	CtrlSCB       byte = 0x08 // security control block present
	CtrlMultipart byte = 0x80 // multi-part message

	// MaxPacketSize bounds a frame (SOM through check bytes). The LEN field
	// could say 65535; no serial OSDP device buffers more than this.
	MaxPacketSize = 1440
	// MACSize is the number of MAC bytes carried in a packet.
	MACSize = 4

	headerSize = 5 // SOM, ADDR, LEN_LSB, LEN_MSB, CTRL
)

// Sentinel errors returned by ParsePacket, Decoder.Next and AppendPacket.
var (
	ErrShort    = errors.New("osdp: packet too short")
	ErrSOM      = errors.New("osdp: missing start of message")
	ErrLength   = errors.New("osdp: bad packet length")
	ErrCRC      = errors.New("osdp: bad CRC")
	ErrChecksum = errors.New("osdp: bad checksum")
	ErrSCB      = errors.New("osdp: malformed security control block")
	ErrFormat   = errors.New("osdp: invalid packet field")
)

// Packet is one OSDP frame, command or reply.
type Packet struct {
	Addr      byte   // 0x00..0x7E, AddrBroadcast for broadcast
	Reply     bool   // ADDR high bit: set on PD replies
	Seq       byte   // sequence number 0..3
	UseCRC    bool   // 16-bit CRC (OSDP 2.x) instead of the 8-bit checksum (1.x)
	SCB       []byte // security control block incl. its length and type bytes; nil if absent
	Code      byte   // command or reply code
	Data      []byte // payload, possibly encrypted
	MAC       []byte // MACSize bytes when the SCB type is SCS_15..SCS_18
	Multipart bool   // CTRL bit 7
	// Mark: the frame was preceded by MarkByte on the line (set by the
	// Decoder), or is to be (AppendPacket writes it). A PD mirrors the
	// panel's choice in its reply. It is not part of the frame: LEN, the
	// check bytes and the MAC do not cover it, and ParsePacket, which
	// takes one frame, never sets it.
	Mark bool
}

// SCBType returns the security block type, or 0 when there is no SCB.
func (p *Packet) SCBType() byte {
	if len(p.SCB) < 2 {
		return 0
	}
	return p.SCB[1]
}

// hasMAC reports whether an SCB type carries a MAC after the data.
func hasMAC(scbType byte) bool { return scbType >= SCS15 && scbType <= SCS18 }

// MarshalBinary encodes p as one complete frame.
func (p *Packet) MarshalBinary() ([]byte, error) { return AppendPacket(nil, p) }

// UnmarshalBinary decodes one complete frame into p.
func (p *Packet) UnmarshalBinary(b []byte) error {
	q, err := ParsePacket(b)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}

// EncodedLen returns the size of p on the wire.
func (p *Packet) EncodedLen() int {
	n := headerSize + len(p.SCB) + 1 + len(p.Data) + len(p.MAC) + 1
	if p.UseCRC {
		n++
	}
	return n
}

func (p *Packet) validate() error {
	switch {
	case p.Addr > AddrBroadcast:
		return fmt.Errorf("%w: address 0x%02X", ErrFormat, p.Addr)
	case p.Seq > CtrlSeqMask:
		return fmt.Errorf("%w: sequence %d", ErrFormat, p.Seq)
	case p.SCB != nil && (len(p.SCB) < 2 || int(p.SCB[0]) != len(p.SCB)):
		return fmt.Errorf("%w: length byte does not match block", ErrSCB)
	case hasMAC(p.SCBType()) != (len(p.MAC) == MACSize):
		return fmt.Errorf("%w: MAC must be %d bytes exactly with SCS_15..18", ErrFormat, MACSize)
	case p.EncodedLen() > MaxPacketSize:
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrLength, p.EncodedLen(), MaxPacketSize)
	}
	return nil
}

// appendBody appends SOM through the data (everything the MAC covers),
// with LEN computed for a packet carrying macLen MAC bytes.
func appendBody(dst []byte, p *Packet, macLen int) []byte {
	n := headerSize + len(p.SCB) + 1 + len(p.Data) + macLen + 1
	ctrl := p.Seq & CtrlSeqMask
	if p.UseCRC {
		n++
		ctrl |= CtrlCRC
	}
	if p.SCB != nil {
		ctrl |= CtrlSCB
	}
	if p.Multipart {
		ctrl |= CtrlMultipart
	}
	addr := p.Addr
	if p.Reply {
		addr |= AddrReplyFlag
	}
	dst = append(dst, SOM, addr, byte(n), byte(n>>8), ctrl)
	dst = append(dst, p.SCB...)
	dst = append(dst, p.Code)
	return append(dst, p.Data...)
}

// AppendPacket appends the wire encoding of p to dst.
func AppendPacket(dst []byte, p *Packet) ([]byte, error) {
	if err := p.validate(); err != nil {
		return dst, fmt.Errorf("osdp: encode: %w", err)
	}
	if p.Mark {
		dst = append(dst, MarkByte)
	}
	start := len(dst)
	dst = appendBody(dst, p, len(p.MAC))
	dst = append(dst, p.MAC...)
	if p.UseCRC {
		return binary.LittleEndian.AppendUint16(dst, CRC16(dst[start:])), nil
	}
	return append(dst, Checksum(dst[start:])), nil
}

// ParsePacket decodes exactly one complete frame. The returned packet does
// not alias b.
func ParsePacket(b []byte) (*Packet, error) {
	if len(b) < headerSize+2 {
		return nil, ErrShort
	}
	if b[0] != SOM {
		return nil, ErrSOM
	}
	if n := int(binary.LittleEndian.Uint16(b[2:])); n != len(b) || n > MaxPacketSize {
		return nil, fmt.Errorf("%w: LEN %d, have %d", ErrLength, n, len(b))
	}
	ctrl := b[4]
	body, err := checkTrailer(b, ctrl&CtrlCRC != 0)
	if err != nil {
		return nil, err
	}
	buf := append([]byte(nil), body...) // one copy, sliced below
	p := &Packet{
		Addr:      b[1] &^ AddrReplyFlag,
		Reply:     b[1]&AddrReplyFlag != 0,
		Seq:       ctrl & CtrlSeqMask,
		UseCRC:    ctrl&CtrlCRC != 0,
		Multipart: ctrl&CtrlMultipart != 0,
	}
	if ctrl&CtrlSCB != 0 {
		if len(buf) < 1 || buf[0] < 2 || int(buf[0]) >= len(buf) {
			return nil, ErrSCB
		}
		p.SCB, buf = buf[:buf[0]:buf[0]], buf[buf[0]:]
	}
	if len(buf) < 1 {
		return nil, ErrShort
	}
	p.Code, buf = buf[0], buf[1:]
	if hasMAC(p.SCBType()) {
		if len(buf) < MACSize {
			return nil, fmt.Errorf("%w: no room for MAC", ErrShort)
		}
		p.MAC, buf = buf[len(buf)-MACSize:], buf[:len(buf)-MACSize]
	}
	if len(buf) > 0 {
		p.Data = buf[:len(buf):len(buf)]
	}
	return p, nil
}

// checkTrailer verifies the CRC or checksum and returns the bytes between
// the header and the check bytes.
func checkTrailer(b []byte, useCRC bool) ([]byte, error) {
	if useCRC {
		if len(b) < headerSize+3 {
			return nil, ErrShort
		}
		end := len(b) - 2
		if CRC16(b[:end]) != binary.LittleEndian.Uint16(b[end:]) {
			return nil, ErrCRC
		}
		return b[headerSize:end], nil
	}
	end := len(b) - 1
	if Checksum(b[:end]) != b[end] {
		return nil, ErrChecksum
	}
	return b[headerSize:end], nil
}
