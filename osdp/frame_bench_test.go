package osdp

import "testing"

// BenchmarkCodec encodes a typical card-read reply and decodes it through
// the stream Decoder; reports packets/s and MB/s of wire bytes.
func BenchmarkCodec(b *testing.B) {
	p := &Packet{Addr: 1, Reply: true, Seq: 1, UseCRC: true, Code: ReplyRAW, Data: []byte{0, 1, 26, 0, 1, 2, 3, 4}}
	d := NewDecoder()
	buf := make([]byte, 0, MaxPacketSize)
	var n int
	for b.Loop() {
		var err error
		buf, err = AppendPacket(buf[:0], p)
		if err != nil {
			b.Fatal(err)
		}
		d.Write(buf)
		if q, err := d.Next(); err != nil || q == nil {
			b.Fatal(err)
		}
		n += len(buf)
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/s, "packets/s")
	b.ReportMetric(float64(n)/s/1e6, "MB/s")
}
