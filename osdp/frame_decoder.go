package osdp

import (
	"encoding/binary"
	"fmt"
)

// decoderBufferSize bounds the bytes a Decoder holds: two maximal frames.
const decoderBufferSize = 2 * MaxPacketSize

// DecoderStats counts what a Decoder has seen since it was created.
type DecoderStats struct {
	Packets uint64 // good frames returned
	Dropped uint64 // frames rejected (bad length, check bytes, SCB)
	Garbage uint64 // bytes discarded while hunting for SOM
}

// Decoder splits a byte stream into frames. It resynchronises on SOM after
// garbage, drops bad frames and never holds more than two maximal frames.
// It is not safe for concurrent use.
type Decoder struct {
	buf   []byte
	stats DecoderStats
	// marked: the last byte skipped before the buffer's start was
	// MarkByte, so a frame starting there was marked.
	marked bool
}

// NewDecoder returns an empty Decoder.
func NewDecoder() *Decoder { return &Decoder{buf: make([]byte, 0, decoderBufferSize)} }

// Write appends stream bytes. It never fails; when the buffer is full the
// oldest bytes are discarded (counted as garbage), so callers should call
// Next after each Write.
func (d *Decoder) Write(b []byte) (int, error) {
	n := len(b)
	if len(b) > decoderBufferSize {
		d.stats.Garbage += uint64(len(b) - decoderBufferSize)
		b = b[len(b)-decoderBufferSize:]
	}
	if over := len(d.buf) + len(b) - decoderBufferSize; over > 0 {
		d.stats.Garbage += uint64(over)
		d.buf = d.buf[:copy(d.buf, d.buf[over:])]
		d.marked = false
	}
	d.buf = append(d.buf, b...)
	return n, nil
}

// Next returns the next frame in the stream.
//   - (p, nil): a good frame.
//   - (nil, err): a frame was dropped (ErrLength, ErrCRC, ErrChecksum,
//     ErrSCB, ErrShort wrapped); call Next again.
//   - (nil, nil): no complete frame is buffered; Write more bytes.
func (d *Decoder) Next() (*Packet, error) {
	d.skipToSOM()
	if len(d.buf) < headerSize {
		return nil, nil
	}
	n := int(binary.LittleEndian.Uint16(d.buf[2:]))
	minLen := headerSize + 2
	if d.buf[4]&CtrlCRC != 0 {
		minLen++
	}
	if n < minLen || n > MaxPacketSize {
		d.dropSOM()
		return nil, fmt.Errorf("osdp: decoder: %w: LEN %d", ErrLength, n)
	}
	if len(d.buf) < n {
		return nil, nil
	}
	p, err := ParsePacket(d.buf[:n])
	if err != nil {
		// Drop only the SOM: a real frame may start inside the bad one.
		d.dropSOM()
		return nil, fmt.Errorf("osdp: decoder: %w", err)
	}
	p.Mark, d.marked = d.marked, false
	d.consume(n)
	d.stats.Packets++
	return p, nil
}

// Reset discards buffered bytes, e.g. after an inter-character timeout.
func (d *Decoder) Reset() {
	d.stats.Garbage += uint64(len(d.buf))
	d.buf = d.buf[:0]
	d.marked = false
}

// Buffered returns the number of bytes waiting in the decoder.
func (d *Decoder) Buffered() int { return len(d.buf) }

// Stats returns the counters.
func (d *Decoder) Stats() DecoderStats { return d.stats }

func (d *Decoder) skipToSOM() {
	i := 0
	for i < len(d.buf) && d.buf[i] != SOM {
		i++
	}
	if i > 0 {
		d.stats.Garbage += uint64(i)
		d.marked = d.buf[i-1] == MarkByte
		d.consume(i)
	}
}

func (d *Decoder) dropSOM() {
	d.stats.Dropped++
	d.marked = false
	d.consume(1)
}

func (d *Decoder) consume(n int) {
	d.buf = d.buf[:copy(d.buf, d.buf[n:])]
}

// Stale tells the decoder the line has gone quiet. A partial frame left in
// the buffer will not be completed by the bytes still to come, so its SOM
// is dropped and the decoder hunts for the next one.
func (d *Decoder) Stale() {
	d.skipToSOM()
	if len(d.buf) > 0 {
		d.dropSOM()
	}
}
