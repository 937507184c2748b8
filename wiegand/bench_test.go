package wiegand

import (
	"context"
	"math"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/pinsim"
	"periph.io/x/conn/v3/gpio"
)

// BenchmarkTransmitterTiming sends b.N 26-bit frames at the default timing
// (50 µs pulses, 2 ms interval) onto simulated pins while another goroutine
// spins, and reports how far the recorded pulse widths and intervals stray
// from the configuration, as absolute deviations in µs: at normal priority,
// and with RealtimePriority (SCHED_FIFO where permitted).
//
//	go test ./wiegand -run '^$' -bench Timing -benchtime 1000x
func BenchmarkTransmitterTiming(b *testing.B) {
	cfg := TransmitterConfig{PulseWidth: DefaultPulseWidth, Interval: DefaultInterval, FrameGap: time.Millisecond}
	b.Run("normal", func(b *testing.B) { benchTiming(b, cfg) })
	cfg.RealtimePriority = 10
	b.Run("fifo", func(b *testing.B) { benchTiming(b, cfg) })
}

func benchTiming(b *testing.B, cfg TransmitterConfig) {
	d0, d1 := pinsim.New("D0", 0), pinsim.New("D1", 1)
	tx, err := NewTransmitter(d0, d1, cfg)
	if err != nil {
		b.Fatal(err)
	}
	f, _ := Lookup("h10301")
	frame, _ := f.Encode(Badge{Facility: 12, Card: 3456})
	d0.Reset()
	d1.Reset()

	var stop atomic.Bool
	done := make(chan struct{})
	go func() { // load the other core
		defer close(done)
		for n := 0; !stop.Load(); n++ {
		}
	}()
	var widths, intervals []float64
	b.ResetTimer()
	for range b.N {
		if err := tx.Send(context.Background(), frame); err != nil {
			b.Fatal(err)
		}
		// Collect each frame's edges between frames, so that the
		// simulator's growing edge history is not reallocated mid-frame.
		w, iv := pulseTiming(d0.Edges(), d1.Edges(), cfg)
		widths, intervals = append(widths, w...), append(intervals, iv...)
		d0.Reset()
		d1.Reset()
	}
	b.StopTimer()
	stop.Store(true)
	<-done

	if len(widths) != b.N*len(frame) {
		b.Fatalf("recorded %d pulses, want %d", len(widths), b.N*len(frame))
	}
	for _, m := range []struct {
		name string
		dev  []float64
	}{{"pulse", widths}, {"interval", intervals}} {
		sort.Float64s(m.dev)
		b.ReportMetric(quantile(m.dev, 0.5), m.name+"-median-µs")
		b.ReportMetric(quantile(m.dev, 0.99), m.name+"-p99-µs")
		b.ReportMetric(m.dev[len(m.dev)-1], m.name+"-worst-µs")
	}
}

// pulseTiming returns the absolute deviations, in µs, of every pulse width
// and of every interval of one frame from the configured values.
func pulseTiming(e0, e1 []pinsim.Edge, cfg TransmitterConfig) (widths, intervals []float64) {
	type pulse struct{ low, high time.Time }
	var pulses []pulse
	for _, edges := range [][]pinsim.Edge{e0, e1} {
		for i := 0; i+1 < len(edges); i++ {
			if edges[i].Level == gpio.Low && edges[i+1].Level == gpio.High {
				pulses = append(pulses, pulse{edges[i].At, edges[i+1].At})
			}
		}
	}
	sort.Slice(pulses, func(i, j int) bool { return pulses[i].low.Before(pulses[j].low) })
	us := func(d time.Duration) float64 { return math.Abs(float64(d)) / float64(time.Microsecond) }
	for i, p := range pulses {
		widths = append(widths, us(p.high.Sub(p.low)-cfg.PulseWidth))
		if i > 0 {
			intervals = append(intervals, us(p.low.Sub(pulses[i-1].low)-cfg.Interval))
		}
	}
	return widths, intervals
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return sorted[int(q*float64(len(sorted)-1))]
}
