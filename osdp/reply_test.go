package osdp

import (
	"encoding"
	"errors"
	"reflect"
	"testing"
)

type payload interface {
	encoding.BinaryMarshaler
}

// payloadCases lists one valid value per payload, its encoding, and a
// fresh target for decoding.
func payloadCases() []struct {
	name string
	v    payload
	wire []byte
	new  func() encoding.BinaryUnmarshaler
} {
	type c = struct {
		name string
		v    payload
		wire []byte
		new  func() encoding.BinaryUnmarshaler
	}
	return []c{
		{"OUT", OUT{[]OutputControl{{0, OutPermOnAbort, 0}, {1, OutTempOnResume, 0x0102}}},
			[]byte{0, 2, 0, 0, 1, 5, 0x02, 0x01}, func() encoding.BinaryUnmarshaler { return new(OUT) }},
		{"LED", LED{[]LEDRecord{{Reader: 0, LED: 1,
			Temp: LEDTemporary{LEDTempSet, 5, 5, ColorGreen, ColorBlack, 0x0203},
			Perm: LEDPermanent{LEDPermSet, 1, 0, ColorRed, ColorRed}}}},
			[]byte{0, 1, 2, 5, 5, 2, 0, 0x03, 0x02, 1, 1, 0, 1, 1}, func() encoding.BinaryUnmarshaler { return new(LED) }},
		{"BUZ", BUZ{0, ToneDefault, 2, 1, 3}, []byte{0, 2, 2, 1, 3}, func() encoding.BinaryUnmarshaler { return new(BUZ) }},
		{"TEXT", TEXT{0, TextTempWrap, 5, 1, 1, []byte("Hi")}, []byte{0, 4, 5, 1, 1, 2, 'H', 'i'},
			func() encoding.BinaryUnmarshaler { return new(TEXT) }},
		{"COMSET", COMSET{0x12, 115200}, []byte{0x12, 0x00, 0xC2, 0x01, 0x00}, func() encoding.BinaryUnmarshaler { return new(COMSET) }},
		{"KEYSET", KEYSET{KeyTypeSCBK, SCBKD[:]}, append([]byte{1, 16}, SCBKD[:]...), func() encoding.BinaryUnmarshaler { return new(KEYSET) }},
		{"CHLNG", CHLNG{testRndA}, testRndA[:], func() encoding.BinaryUnmarshaler { return new(CHLNG) }},
		{"SCRYPT", SCRYPT{SCBKD}, SCBKD[:], func() encoding.BinaryUnmarshaler { return new(SCRYPT) }},
		{"ACURXSIZE", ACURXSIZE{1024}, []byte{0x00, 0x04}, func() encoding.BinaryUnmarshaler { return new(ACURXSIZE) }},
		{"KEEPACTIVE", KEEPACTIVE{5000}, []byte{0x88, 0x13}, func() encoding.BinaryUnmarshaler { return new(KEEPACTIVE) }},
		{"MFG", MFG{[3]byte{0x0A, 0x00, 0x17}, []byte{1, 2}}, []byte{0x0A, 0x00, 0x17, 1, 2}, func() encoding.BinaryUnmarshaler { return new(MFG) }},
		{"PDID", PDID{[3]byte{0x5C, 0x26, 0x23}, 1, 2, 0x04030201, 3, 1, 7},
			[]byte{0x5C, 0x26, 0x23, 1, 2, 1, 2, 3, 4, 3, 1, 7}, func() encoding.BinaryUnmarshaler { return new(PDID) }},
		{"PDCAP", PDCAP{[]Capability{{CapCheckCharacter, 1, 0}, {CapCommSecurity, 1, 1}}},
			[]byte{8, 1, 0, 9, 1, 1}, func() encoding.BinaryUnmarshaler { return new(PDCAP) }},
		{"LSTATR", LSTATR{1, 0}, []byte{1, 0}, func() encoding.BinaryUnmarshaler { return new(LSTATR) }},
		{"ISTATR", ISTATR{[]bool{true, false, true}}, []byte{1, 0, 1}, func() encoding.BinaryUnmarshaler { return new(ISTATR) }},
		{"RSTATR", RSTATR{[]byte{ReaderNormal, ReaderTamper}}, []byte{0, 2}, func() encoding.BinaryUnmarshaler { return new(RSTATR) }},
		{"RAW", RAW{0, RawFormatWiegand, 26, []byte{0x81, 0x02, 0x03, 0x40}}, []byte{0, 1, 26, 0, 0x81, 0x02, 0x03, 0x40},
			func() encoding.BinaryUnmarshaler { return new(RAW) }},
		{"FMT", FMT{0, ReadForward, []byte("1234")}, []byte{0, 0, 4, '1', '2', '3', '4'}, func() encoding.BinaryUnmarshaler { return new(FMT) }},
		{"KEYPAD", KEYPAD{0, []byte("12\x0D")}, []byte{0, 3, '1', '2', 0x0D}, func() encoding.BinaryUnmarshaler { return new(KEYPAD) }},
		{"CCRYPT", CCRYPT{testCUID, testRndB, SCBKD}, append(append(testCUID[:8:8], testRndB[:]...), SCBKD[:]...),
			func() encoding.BinaryUnmarshaler { return new(CCRYPT) }},
		{"RMACI", RMACI{SCBKD}, SCBKD[:], func() encoding.BinaryUnmarshaler { return new(RMACI) }},
		{"NAK", NAK{NakSeqNum, nil}, []byte{4}, func() encoding.BinaryUnmarshaler { return new(NAK) }},
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, tt := range payloadCases() {
		b, err := tt.v.MarshalBinary()
		if err != nil {
			t.Fatalf("%s: marshal: %v", tt.name, err)
		}
		if !reflect.DeepEqual(b, tt.wire) {
			t.Fatalf("%s: wire % X, want % X", tt.name, b, tt.wire)
		}
		got := tt.new()
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: unmarshal: %v", tt.name, err)
		}
		if v := reflect.ValueOf(got).Elem().Interface(); !reflect.DeepEqual(v, tt.v) {
			t.Fatalf("%s: round trip %+v, want %+v", tt.name, v, tt.v)
		}
		// Every truncation and one extra byte must be rejected, except for
		// payloads whose tail is free-form (MFG, NAK) or variable-count
		// (whole records) where some truncations are valid.
		for n := 0; n < len(b); n++ {
			err := tt.new().UnmarshalBinary(b[:n])
			if err == nil && !freeTail(tt.name, n) {
				t.Errorf("%s: %d of %d bytes accepted", tt.name, n, len(b))
			}
			if err != nil && !errors.Is(err, ErrPayloadLength) && !errors.Is(err, ErrPayloadValue) {
				t.Errorf("%s: untyped error %v", tt.name, err)
			}
		}
		if err := tt.new().UnmarshalBinary(append(b, 0)); err == nil && !freeTail(tt.name, len(b)+1) {
			t.Errorf("%s: extra byte accepted", tt.name)
		}
	}
}

// freeTail reports payloads for which a length n is legitimately valid.
func freeTail(name string, n int) bool {
	switch name {
	case "MFG":
		return n >= 3
	case "NAK", "ISTATR", "RSTATR":
		return n >= 1
	case "OUT":
		return n > 0 && n%4 == 0
	case "PDCAP":
		return n > 0 && n%3 == 0
	}
	return false
}

func TestPayloadValueErrors(t *testing.T) {
	tests := []struct {
		name string
		u    encoding.BinaryUnmarshaler
		in   []byte
	}{
		{"OUT control code", new(OUT), []byte{0, 7, 0, 0}},
		{"LED temp code", new(LED), []byte{0, 1, 3, 5, 5, 2, 0, 0, 0, 1, 1, 0, 1, 1}},
		{"COMSET address", new(COMSET), []byte{0x80, 0, 0, 0, 0}},
		{"COMSET broadcast", new(COMSET), []byte{0x7F, 0, 0, 0, 0}},
		{"KEYSET type", new(KEYSET), append([]byte{2, 16}, SCBKD[:]...)},
		{"KEYSET short key", new(KEYSET), []byte{1, 2, 1, 2}},
		{"LSTATR value", new(LSTATR), []byte{2, 0}},
		{"ISTATR value", new(ISTATR), []byte{0, 2}},
		{"RSTATR value", new(RSTATR), []byte{3}},
		{"RAW zero bits", new(RAW), []byte{0, 0, 0, 0}},
	}
	for _, tt := range tests {
		if err := tt.u.UnmarshalBinary(tt.in); err == nil {
			t.Errorf("%s: accepted % X", tt.name, tt.in)
		}
	}
	if _, err := (RAW{BitCount: 26, Data: []byte{1}}).MarshalBinary(); !errors.Is(err, ErrPayloadLength) {
		t.Errorf("RAW marshal mismatch: %v", err)
	}
	if _, err := (TEXT{Text: make([]byte, 256)}).MarshalBinary(); !errors.Is(err, ErrPayloadLength) {
		t.Errorf("TEXT marshal too long: %v", err)
	}
	if err := CheckEmpty("ack", []byte{1}); !errors.Is(err, ErrPayloadLength) {
		t.Errorf("CheckEmpty: %v", err)
	}
}

func TestCodeNames(t *testing.T) {
	if CommandName(CmdKEEPACTIVE) != "KEEPACTIVE" || ReplyName(ReplyRMACI) != "RMAC_I" || CommandName(0x00) != "" {
		t.Fatal("code names")
	}
}
