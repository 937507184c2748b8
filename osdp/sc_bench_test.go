package osdp

import "testing"

// BenchmarkSealOpen seals a command carrying a 14-byte LED record (data
// encryption + MAC) on the CP and opens it on the PD, then the reverse
// with an ACK; reports secured round trips per second.
func BenchmarkSealOpen(b *testing.B) {
	cp, _ := NewSession(RoleCP, nil)
	pd, _ := NewSession(RolePD, nil)
	handshake(b, cp, pd)
	led := make([]byte, ledRecordSize)
	var bytes int
	for b.Loop() {
		cmd := Packet{Addr: 1, Seq: 1, UseCRC: true, Code: CmdLED, Data: led}
		if err := cp.Seal(&cmd); err != nil {
			b.Fatal(err)
		}
		if err := pd.Open(&cmd); err != nil {
			b.Fatal(err)
		}
		rep := Packet{Addr: 1, Reply: true, Seq: 1, UseCRC: true, Code: ReplyACK}
		if err := pd.Seal(&rep); err != nil {
			b.Fatal(err)
		}
		if err := cp.Open(&rep); err != nil {
			b.Fatal(err)
		}
		bytes += cmd.EncodedLen() + rep.EncodedLen()
	}
	s := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/s, "roundtrips/s")
	b.ReportMetric(float64(bytes)/s/1e6, "MB/s")
}
