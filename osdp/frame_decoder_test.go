package osdp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

func drain(t *testing.T, d *Decoder) (got []*Packet, errs []error) {
	t.Helper()
	for range 100000 {
		p, err := d.Next()
		switch {
		case err != nil:
			errs = append(errs, err)
		case p != nil:
			got = append(got, p)
		default:
			return got, errs
		}
	}
	t.Fatal("decoder did not settle")
	return nil, nil
}

// TestDecoderNoisyStream interleaves good frames with garbage, truncated
// frames and corrupted frames, written in random-sized chunks: every good
// frame must come out, in order, and the bad ones must be counted.
func TestDecoderNoisyStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var stream []byte
	var want []Packet
	badFrames := 0
	for i := range 200 {
		p := Packet{Addr: byte(i % 0x7F), Seq: byte(i % 4), UseCRC: i%3 != 0, Code: CmdLED, Data: make([]byte, rng.IntN(40))}
		for j := range p.Data {
			p.Data[j] = byte(rng.Uint32())
		}
		if len(p.Data) == 0 {
			p.Data = nil
		}
		b, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		switch i % 5 {
		case 1: // garbage, including stray SOM bytes
			g := make([]byte, rng.IntN(30))
			for j := range g {
				g[j] = byte(rng.Uint32())
			}
			stream = append(stream, g...)
		case 2: // a corrupted copy before the good frame
			bad := append([]byte(nil), b...)
			bad[len(bad)-1] ^= 0x5A
			stream = append(stream, bad...)
			badFrames++
		case 3: // a truncated frame: its claimed length swallows the next
			// frame's beginning, the decoder must rescan from after its SOM
			stream = append(stream, b[:len(b)/2]...)
		}
		stream = append(stream, b...)
		want = append(want, p)
	}
	d := NewDecoder()
	var got []*Packet
	var errs []error
	for len(stream) > 0 {
		n := min(len(stream), 1+rng.IntN(64))
		d.Write(stream[:n])
		stream = stream[n:]
		g, e := drain(t, d)
		got, errs = append(got, g...), append(errs, e...)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d packets, want %d (errors %d)", len(got), len(want), len(errs))
	}
	for i := range want {
		if !reflect.DeepEqual(*got[i], want[i]) {
			t.Fatalf("packet %d:\n got %+v\nwant %+v", i, *got[i], want[i])
		}
	}
	st := d.Stats()
	if st.Packets != uint64(len(want)) || st.Dropped < uint64(badFrames) || uint64(len(errs)) != st.Dropped {
		t.Fatalf("stats %+v, errors %d, bad frames %d", st, len(errs), badFrames)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrCRC) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrLength) &&
			!errors.Is(err, ErrSCB) && !errors.Is(err, ErrShort) {
			t.Fatalf("untyped error %v", err)
		}
	}
}

func TestDecoderBoundedBuffer(t *testing.T) {
	d := NewDecoder()
	// A SOM claiming a maximal frame, then endless filler without SOM.
	d.Write([]byte{SOM, 0, MaxPacketSize & 0xFF, MaxPacketSize >> 8, CtrlCRC})
	filler := bytes.Repeat([]byte{0x00}, 4096)
	for range 10 {
		d.Write(filler)
		if _, err := d.Next(); err != nil && !errors.Is(err, ErrCRC) && !errors.Is(err, ErrLength) {
			t.Fatal(err)
		}
		if d.Buffered() > decoderBufferSize {
			t.Fatalf("buffered %d > %d", d.Buffered(), decoderBufferSize)
		}
	}
	good, _ := (&Packet{UseCRC: true, Code: CmdPOLL}).MarshalBinary()
	d.Write(good)
	got, _ := drain(t, d)
	if len(got) != 1 || got[0].Code != CmdPOLL {
		t.Fatalf("after flood got %v", got)
	}
}

func TestDecoderBadLength(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"too small crc", []byte{SOM, 0, 7, 0, CtrlCRC}},
		{"too small checksum", []byte{SOM, 0, 6, 0, 0}},
		{"too large", []byte{SOM, 0, 0xFF, 0xFF, CtrlCRC}},
	}
	for _, tt := range tests {
		d := NewDecoder()
		d.Write(tt.in)
		if _, err := d.Next(); !errors.Is(err, ErrLength) {
			t.Errorf("%s: err %v, want ErrLength", tt.name, err)
		}
		if d.Stats().Dropped != 1 {
			t.Errorf("%s: dropped %d", tt.name, d.Stats().Dropped)
		}
	}
}

func TestDecoderResetAndZeroValue(t *testing.T) {
	var d Decoder // zero value must work
	good, _ := (&Packet{Code: CmdPOLL}).MarshalBinary()
	d.Write(good[:3])
	d.Reset()
	if d.Buffered() != 0 {
		t.Fatal("Reset kept bytes")
	}
	d.Write(good)
	p, err := d.Next()
	if err != nil || p == nil || p.Code != CmdPOLL {
		t.Fatalf("Next = %v, %v", p, err)
	}
}

// TestDecoderMark: a frame right after the 0xFF mark byte is marked, also
// when the mark came in an earlier write; garbage between them, a dropped
// frame or a frame without one leave it unmarked.
func TestDecoderMark(t *testing.T) {
	poll, _ := (&Packet{UseCRC: true, Code: CmdPOLL}).MarshalBinary()
	bad := append([]byte(nil), poll...)
	bad[len(bad)-1] ^= 1
	for _, tc := range []struct {
		name   string
		writes [][]byte
		want   []bool
	}{
		{"marked", [][]byte{append([]byte{MarkByte}, poll...)}, []bool{true}},
		{"mark in its own write", [][]byte{{0x00, MarkByte}, poll}, []bool{true}},
		{"no mark", [][]byte{poll}, []bool{false}},
		{"garbage after the mark", [][]byte{{MarkByte, 0x00}, poll}, []bool{false}},
		{"marked then not", [][]byte{{MarkByte}, poll, poll}, []bool{true, false}},
		{"a dropped frame in between", [][]byte{{MarkByte}, bad, poll}, []bool{false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder()
			var got []bool
			for _, w := range tc.writes {
				d.Write(w)
				for {
					p, err := d.Next()
					if p == nil && err == nil {
						break
					}
					if p != nil {
						got = append(got, p.Mark)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("marks %v, want %v", got, tc.want)
			}
		})
	}
	marked, err := (&Packet{UseCRC: true, Code: CmdPOLL, Mark: true}).MarshalBinary()
	if err != nil || !bytes.Equal(marked, append([]byte{MarkByte}, poll...)) {
		t.Fatalf("a marked packet encodes as % X (%v)", marked, err)
	}
}
