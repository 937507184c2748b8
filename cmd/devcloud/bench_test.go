package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/cloud"
)

// BenchmarkActivation: from the code's PNG (decoded as the camera would)
// to a stored identity, over TLS on loopback, one new instance per run.
func BenchmarkActivation(b *testing.B) {
	svc := startService(b, "", "")
	var took []time.Duration
	for range b.N {
		b.StopTimer()
		_, inst := svc.door("", "bench")
		var out struct{ PNG []byte }
		svc.must("POST", "/manage/instances/"+inst+"/activation-code", nil, &out)
		r := newReader(svc.t, svc, b.TempDir())
		b.StartTimer()
		start := time.Now()
		token := decodePNG(svc.t, out.PNG)
		if _, _, err := r.act.Activate(context.Background(), token); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	reportMS(b, "activation", took)
}

// BenchmarkOutboxDrain: 10,000 events queued while offline, drained
// after the reconnect.
func BenchmarkOutboxDrain(b *testing.B) {
	svc := startService(b, "", "")
	_, inst := svc.door("", "bench")
	r := newReader(svc.t, svc, b.TempDir())
	r.activate(svc.qrToken(inst))
	const n = 10000
	var took []time.Duration
	for range b.N {
		b.StopTimer()
		for range n {
			ev, _ := cloud.NewEvent("Successful Recognition", map[string]string{"reader": "bench"}, time.Now())
			if err := cloud.Record(r.db, ev); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		if err := r.syncr.Flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	reportMS(b, "drain-10k", took)
	med := took[len(took)/2]
	b.ReportMetric(n/med.Seconds(), "events/s")
}

func reportMS(b *testing.B, name string, ds []time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	b.ReportMetric(float64(s[len(s)/2])/1e6, name+"-median-ms")
	b.ReportMetric(float64(s[(len(s)-1)*99/100])/1e6, name+"-p99-ms")
	b.ReportMetric(0, "ns/op")
}
