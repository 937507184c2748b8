package osdp_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/osdp"
)

// BenchmarkPDReplyLatency polls a PD over a pty line whose bus delays bytes
// by their time on the wire at each baud rate. pd-ms is the PD's own time
// from a complete POLL frame to its reply written; rtt-ms is the panel's
// view, request written to reply parsed, wire time included.
func BenchmarkPDReplyLatency(b *testing.B) {
	for _, baud := range []int{115200, 9600} {
		b.Run(baudName(baud), func(b *testing.B) {
			bus := newBus(b)
			bus.baud = baud
			var mu sync.Mutex
			var pdTimes []time.Duration
			observe := func(ex osdp.Exchange) {
				mu.Lock()
				pdTimes = append(pdTimes, ex.Latency)
				mu.Unlock()
			}
			runPD(b, osdp.PDConfig{Address: 1, Observe: observe}, newDevice(), bus.port())
			rtts := pollLoop(b, bus.port(), b.N)
			mu.Lock()
			defer mu.Unlock()
			reportQuantiles(b, "pd", pdTimes)
			reportQuantiles(b, "rtt", rtts)
		})
	}
}

func baudName(baud int) string {
	if baud == 9600 {
		return "9600"
	}
	return "115200"
}

// pollLoop acts as a minimal panel: POLL, wait for the reply, n times.
func pollLoop(b *testing.B, link osdp.Link, n int) []time.Duration {
	b.Helper()
	rtts := make([]time.Duration, 0, n)
	dec := osdp.NewDecoder()
	buf := make([]byte, 256)
	var seq byte
	b.ResetTimer()
	for range n {
		frame, err := (&osdp.Packet{Addr: 1, Seq: seq, UseCRC: true, Code: osdp.CmdPOLL}).MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		seq = seq%3 + 1
		start := time.Now()
		if _, err := link.Write(frame); err != nil {
			b.Fatal(err)
		}
		if err := awaitFrame(link, dec, buf); err != nil {
			b.Fatal(err)
		}
		rtts = append(rtts, time.Since(start))
	}
	b.StopTimer()
	return rtts
}

func awaitFrame(link osdp.Link, dec *osdp.Decoder, buf []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if p, _ := dec.Next(); p != nil {
			return nil
		}
		n, _ := link.Read(buf)
		_, _ = dec.Write(buf[:n])
	}
	return ctx.Err()
}

// reportQuantiles reports the median and p99 of ds in milliseconds.
func reportQuantiles(b *testing.B, name string, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(f float64) float64 { return float64(s[int(f*float64(len(s)-1))]) / 1e6 }
	b.ReportMetric(q(0.5), name+"-median-ms")
	b.ReportMetric(q(0.99), name+"-p99-ms")
}
