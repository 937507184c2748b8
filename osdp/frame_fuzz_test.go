package osdp

import (
	"bytes"
	"testing"
)

const ctrlReserved = 0x70 // CTRL bits 4-6, ignored on receive

func FuzzParsePacket(f *testing.F) {
	for _, p := range []Packet{
		{UseCRC: true, Code: CmdPOLL},
		{Addr: 3, Seq: 1, Code: CmdID, Data: []byte{0}},
		{Addr: 1, Reply: true, UseCRC: true, SCB: []byte{2, SCS18}, Code: ReplyRAW, Data: make([]byte, 16), MAC: []byte{1, 2, 3, 4}},
	} {
		b, _ := p.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		out, err := p.MarshalBinary()
		if err != nil {
			t.Fatalf("parsed packet does not encode: %v", err)
		}
		in := append([]byte(nil), b...)
		in[4] &^= ctrlReserved
		if !p.UseCRC {
			in[len(in)-1] = Checksum(in[:len(in)-1])
		} else {
			c := CRC16(in[:len(in)-2])
			in[len(in)-2], in[len(in)-1] = byte(c), byte(c>>8)
		}
		if !bytes.Equal(out, in) {
			t.Fatalf("re-encoding differs:\n in % X\nout % X", in, out)
		}
	})
}

func FuzzDecoder(f *testing.F) {
	good, _ := (&Packet{UseCRC: true, Code: CmdPOLL}).MarshalBinary()
	f.Add(append(append([]byte{0x00, SOM, 0xFF}, good...), good[:4]...))
	f.Add(good)
	f.Add(append([]byte{MarkByte}, good...))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder()
		for len(b) > 0 {
			n := min(len(b), 1+int(b[0])%97)
			d.Write(b[:n])
			b = b[n:]
			for range len(d.buf) + 1 {
				p, err := d.Next()
				if p == nil && err == nil {
					break
				}
				if p != nil {
					out, err := p.MarshalBinary()
					if err != nil {
						t.Fatalf("decoded packet does not encode: %v", err)
					}
					if p.Mark != (out[0] == MarkByte) {
						t.Fatalf("marked %v, encoded as % X", p.Mark, out)
					}
				}
			}
			if d.Buffered() > decoderBufferSize {
				t.Fatalf("buffer %d", d.Buffered())
			}
		}
	})
}
