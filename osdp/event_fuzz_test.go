package osdp

import "testing"

// FuzzReplyEvent checks that any reply a PD may send turns into an event
// (or none) without panicking, and that card events keep their bits.
func FuzzReplyEvent(f *testing.F) {
	f.Add(ReplyRAW, []byte{0, 1, 26, 0, 1, 2, 3, 0x40})
	f.Add(ReplyFMT, []byte{0, 0, 3, '1', '2', '3'})
	f.Add(ReplyLSTATR, []byte{1, 0})
	f.Add(ReplyISTATR, []byte{0, 1})
	f.Add(ReplyNAK, []byte{6})
	f.Fuzz(func(t *testing.T, code byte, data []byte) {
		ev, ok := replyEvent(&Packet{Code: code, Data: data, Reply: true})
		if !ok {
			return
		}
		if ev.Kind == EventCard && ev.Text == "" && (ev.Bits+7)/8 != len(ev.Data) {
			t.Fatalf("card event with %d bits and %d bytes", ev.Bits, len(ev.Data))
		}
	})
}
