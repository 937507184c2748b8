package osdp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestPacketRoundTrip(t *testing.T) {
	mac := []byte{1, 2, 3, 4}
	tests := []struct {
		name string
		p    Packet
	}{
		{"poll crc", Packet{Addr: 0, Seq: 0, UseCRC: true, Code: CmdPOLL}},
		{"poll checksum 1.x", Packet{Addr: 5, Seq: 1, Code: CmdPOLL}},
		{"reply with data", Packet{Addr: 0x7E, Reply: true, Seq: 3, UseCRC: true, Code: ReplyPDID, Data: bytes.Repeat([]byte{0xAA}, 12)}},
		{"broadcast", Packet{Addr: AddrBroadcast, Seq: 2, UseCRC: true, Code: CmdCOMSET, Data: []byte{1, 0x80, 0x25, 0, 0}}},
		{"scb no mac", Packet{Addr: 1, Seq: 1, UseCRC: true, SCB: []byte{3, SCS11, 0}, Code: CmdCHLNG, Data: make([]byte, 8)}},
		{"scb with mac", Packet{Addr: 1, Seq: 2, UseCRC: true, SCB: []byte{2, SCS15}, Code: CmdPOLL, MAC: mac}},
		{"scb mac checksum", Packet{Addr: 1, Seq: 2, SCB: []byte{2, SCS17}, Code: CmdLED, Data: make([]byte, 16), MAC: mac}},
		{"multipart", Packet{Addr: 9, Seq: 1, UseCRC: true, Code: ReplyXRD, Data: []byte{1}, Multipart: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(b) != tt.p.EncodedLen() || int(b[2])|int(b[3])<<8 != len(b) {
				t.Fatalf("length: encoded %d, LEN field %d, EncodedLen %d", len(b), int(b[2])|int(b[3])<<8, tt.p.EncodedLen())
			}
			got, err := ParsePacket(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.p) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", *got, tt.p)
			}
		})
	}
}

// TestPacketLayout checks the byte layout against OSDP 2.2 section 5.7.
func TestPacketLayout(t *testing.T) {
	p := Packet{Addr: 0x05, Reply: true, Seq: 2, UseCRC: true, SCB: []byte{2, SCS16}, Code: ReplyACK, MAC: []byte{9, 8, 7, 6}, Multipart: true}
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	head := []byte{SOM, 0x85, 14, 0, 0x80 | CtrlSCB | CtrlCRC | 2, 2, SCS16, ReplyACK, 9, 8, 7, 6}
	if !bytes.Equal(b[:len(head)], head) {
		t.Fatalf("header % X, want % X", b[:len(head)], head)
	}
	crc := CRC16(b[:12])
	if b[12] != byte(crc) || b[13] != byte(crc>>8) {
		t.Fatalf("CRC bytes % X, want little-endian %04X", b[12:], crc)
	}
	p1 := Packet{Addr: 0, Code: CmdPOLL}
	b1, _ := p1.MarshalBinary()
	if want := []byte{SOM, 0, 7, 0, 0, CmdPOLL, Checksum([]byte{SOM, 0, 7, 0, 0, CmdPOLL})}; !bytes.Equal(b1, want) {
		t.Fatalf("1.x poll % X, want % X", b1, want)
	}
}

func TestAppendPacketErrors(t *testing.T) {
	tests := []struct {
		name string
		p    Packet
		want error
	}{
		{"address", Packet{Addr: 0x80}, ErrFormat},
		{"seq", Packet{Seq: 4}, ErrFormat},
		{"scb length byte", Packet{SCB: []byte{3, SCS15}}, ErrSCB},
		{"scb too short", Packet{SCB: []byte{1}}, ErrSCB},
		{"missing mac", Packet{SCB: []byte{2, SCS15}}, ErrFormat},
		{"unexpected mac", Packet{MAC: []byte{1, 2, 3, 4}}, ErrFormat},
		{"too big", Packet{UseCRC: true, Data: make([]byte, MaxPacketSize)}, ErrLength},
	}
	for _, tt := range tests {
		if _, err := AppendPacket(nil, &tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParsePacketErrors(t *testing.T) {
	good, _ := (&Packet{Addr: 1, UseCRC: true, Code: CmdPOLL}).MarshalBinary()
	goodSum, _ := (&Packet{Addr: 1, Code: CmdPOLL}).MarshalBinary()
	mod := func(b []byte, f func([]byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	fixCRC := func(b []byte) []byte {
		c := CRC16(b[:len(b)-2])
		b[len(b)-2], b[len(b)-1] = byte(c), byte(c>>8)
		return b
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"short", good[:5], ErrShort},
		{"som", mod(good, func(b []byte) []byte { b[0] = 0x54; return b }), ErrSOM},
		{"len field", mod(good, func(b []byte) []byte { b[2]++; return b }), ErrLength},
		{"truncated", good[:len(good)-1], ErrLength},
		{"crc", mod(good, func(b []byte) []byte { b[5] ^= 1; return b }), ErrCRC},
		{"checksum", mod(goodSum, func(b []byte) []byte { b[5] ^= 1; return b }), ErrChecksum},
		{"scb overruns", mod(good, func(b []byte) []byte {
			b = append(b[:5:5], 0x10, SCS15, CmdPOLL, 0, 0)
			b[2], b[4] = byte(len(b)), CtrlCRC|CtrlSCB
			return fixCRC(b)
		}), ErrSCB},
		{"mac missing", mod(good, func(b []byte) []byte {
			b = append(b[:5:5], 2, SCS15, CmdPOLL, 0, 0)
			b[2], b[4] = byte(len(b)), CtrlCRC|CtrlSCB
			return fixCRC(b)
		}), ErrShort},
	}
	for _, tt := range tests {
		if _, err := ParsePacket(tt.in); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParsePacketDoesNotAlias(t *testing.T) {
	b, _ := (&Packet{UseCRC: true, Code: ReplyRAW, Data: []byte{0, 1, 8, 0, 0xAB}}).MarshalBinary()
	p, err := ParsePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if p.Data[4] != 0xAB {
		t.Fatal("packet data aliases the input buffer")
	}
}

// TestPublishedRAWFrame parses the "Present card" osdp_RAW frame from the
// libosdp-conformance README (JixunW-BSquare/libosdp-conformance), which
// lists the frame without its CRC; the CRC is appended here.
func TestPublishedRAWFrame(t *testing.T) {
	frame := []byte{0x53, 0x80, 0x16, 0x00, 0x07, 0x50, 0x00, 0x00, 0x4b, 0x00,
		0x09, 0xa4, 0x49, 0x4a, 0xa3, 0x27, 0x4c, 0xd5, 0x2b, 0xc0}
	c := CRC16(frame)
	frame = append(frame, byte(c), byte(c>>8))
	p, err := ParsePacket(frame)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Reply || p.Addr != 0 || p.Seq != 3 || !p.UseCRC || p.Code != ReplyRAW {
		t.Fatalf("header %+v", p)
	}
	var raw RAW
	if err := raw.UnmarshalBinary(p.Data); err != nil {
		t.Fatal(err)
	}
	if raw.Reader != 0 || raw.Format != RawFormatUnspecified || raw.BitCount != 75 || len(raw.Data) != 10 || raw.Data[0] != 0x09 {
		t.Fatalf("raw %+v", raw)
	}
	again, _ := p.MarshalBinary()
	if !bytes.Equal(again, frame) {
		t.Fatalf("re-encoded % X, want % X", again, frame)
	}
}
