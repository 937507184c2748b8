package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/qr"
	"github.com/palmd/palmd/firmware/qr/qrtest"
)

// BenchmarkActivation: from the code's PNG (decoded as the camera would)
// to a stored identity, over TLS on loopback, one new instance per run.
func BenchmarkActivation(b *testing.B) {
	svc := startService(b, "", "", unlimited)
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

// unlimited lifts the limit on unauthenticated calls: a benchmark
// activates many readers from one address.
func unlimited(c *serveConfig) { c.unauthRate, c.unauthBurst = 1e9, 1e9 }

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
			ev, _ := cloud.NewEvent(api.EventNotRecognized, api.Recognition{Reason: "no match"}, time.Now())
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

// BenchmarkActivationFromCamera: a fresh code on a phone held in front of
// the camera, one scene of each qrtest category in turn; from the first
// frame with the code in view to a stored identity, counting the reader's
// time on each frame (the decode) and the activation over TLS, not the
// rendering of the frames. A scene not read in 60 frames (2 s of camera)
// counts against activated-%.
func BenchmarkActivationFromCamera(b *testing.B) {
	svc := startService(b, "", "", unlimited)
	dec, err := qr.NewDecoder(qr.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	cats := qrtest.Categories()
	var took []time.Duration
	var frames []float64
	for i := range b.N {
		b.StopTimer()
		_, inst := svc.door("", "bench")
		scene, err := qrtest.NewScene(cats[i%len(cats)], uint64(i/len(cats)+1))
		if err != nil {
			b.Fatal(err)
		}
		scene.Payload = svc.qrToken(inst)
		r := newReader(svc.t, svc, b.TempDir())
		scanner := qr.NewScanner(dec, 60*time.Millisecond)
		var spent time.Duration
		for f := range 60 {
			img, _, err := scene.Render(uint64(f))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			res, err := scanner.Scan(img)
			if err == nil {
				_, _, err = r.act.Activate(context.Background(), res.Payload)
				if err != nil {
					b.Fatalf("activation: %v", err)
				}
			}
			spent += time.Since(start)
			b.StopTimer()
			if err == nil {
				took = append(took, spent)
				frames = append(frames, float64(f+1))
				break
			}
		}
	}
	b.StartTimer()
	if len(took) == 0 {
		b.Fatal("no scene activated")
	}
	reportMS(b, "in-view-to-active", took)
	slices.Sort(frames)
	b.ReportMetric(frames[len(frames)/2], "frames-median")
	b.ReportMetric(frames[len(frames)-1], "frames-max")
	b.ReportMetric(100*float64(len(took))/float64(b.N), "activated-%")
}
