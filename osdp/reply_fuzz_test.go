package osdp

import (
	"bytes"
	"encoding"
	"testing"
)

// payloadDecoders is indexed by the first fuzz byte to pick a decoder.
var payloadDecoders = []func() encoding.BinaryUnmarshaler{
	func() encoding.BinaryUnmarshaler { return new(OUT) },
	func() encoding.BinaryUnmarshaler { return new(LED) },
	func() encoding.BinaryUnmarshaler { return new(BUZ) },
	func() encoding.BinaryUnmarshaler { return new(TEXT) },
	func() encoding.BinaryUnmarshaler { return new(COMSET) },
	func() encoding.BinaryUnmarshaler { return new(KEYSET) },
	func() encoding.BinaryUnmarshaler { return new(CHLNG) },
	func() encoding.BinaryUnmarshaler { return new(SCRYPT) },
	func() encoding.BinaryUnmarshaler { return new(ACURXSIZE) },
	func() encoding.BinaryUnmarshaler { return new(KEEPACTIVE) },
	func() encoding.BinaryUnmarshaler { return new(MFG) },
	func() encoding.BinaryUnmarshaler { return new(PDID) },
	func() encoding.BinaryUnmarshaler { return new(PDCAP) },
	func() encoding.BinaryUnmarshaler { return new(LSTATR) },
	func() encoding.BinaryUnmarshaler { return new(IOStatus) },
	func() encoding.BinaryUnmarshaler { return new(RSTATR) },
	func() encoding.BinaryUnmarshaler { return new(RAW) },
	func() encoding.BinaryUnmarshaler { return new(FMT) },
	func() encoding.BinaryUnmarshaler { return new(KEYPAD) },
	func() encoding.BinaryUnmarshaler { return new(CCRYPT) },
	func() encoding.BinaryUnmarshaler { return new(RMACI) },
	func() encoding.BinaryUnmarshaler { return new(NAK) },
}

// FuzzPayload decodes data[1:] with decoder data[0] and checks that every
// accepted payload re-encodes to the same bytes (decoding is canonical).
func FuzzPayload(f *testing.F) {
	for i, c := range payloadCases() {
		f.Add(append([]byte{byte(i)}, c.wire...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		u := payloadDecoders[int(data[0])%len(payloadDecoders)]()
		if err := u.UnmarshalBinary(data[1:]); err != nil {
			return
		}
		out, err := u.(encoding.BinaryMarshaler).MarshalBinary()
		if err != nil {
			t.Fatalf("%T accepted % X but does not encode: %v", u, data[1:], err)
		}
		if !bytes.Equal(out, data[1:]) {
			t.Fatalf("%T: in % X, out % X", u, data[1:], out)
		}
	})
}
