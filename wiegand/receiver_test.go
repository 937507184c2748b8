package wiegand

import (
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// feeder plays pulses into a receiver on a synthetic timeline.
type feeder struct {
	r  *Receiver
	at time.Time
}

func (f *feeder) pulse(l Line, width, gap time.Duration) {
	f.r.Feed(l, gpio.Low, f.at)
	f.at = f.at.Add(width)
	f.r.Feed(l, gpio.High, f.at)
	f.at = f.at.Add(gap)
}

func (f *feeder) frame(bits Bits) {
	for _, b := range bits {
		l := D0
		if b {
			l = D1
		}
		f.pulse(l, 50*time.Microsecond, 2*time.Millisecond)
	}
}

func newTestReceiver(t *testing.T, cfg ReceiverConfig) (*Receiver, *manualClock, *feeder) {
	t.Helper()
	clk := &manualClock{}
	cfg.Clock = clk
	r, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r, clk, &feeder{r: r, at: time.Unix(1000, 0)}
}

func receive(t *testing.T, r *Receiver) (Frame, bool) {
	t.Helper()
	select {
	case f := <-r.Frames():
		return f, true
	default:
		return Frame{}, false
	}
}

func TestReceiverFrame(t *testing.T) {
	r, clk, fd := newTestReceiver(t, ReceiverConfig{})
	want, _ := ParseBits("00110010100001111111111111")
	start := fd.at
	fd.frame(want)
	if _, ok := receive(t, r); ok {
		t.Fatal("frame emitted before the timeout")
	}
	clk.Advance(24 * time.Millisecond)
	if _, ok := receive(t, r); ok {
		t.Fatal("frame emitted before 25 ms of silence")
	}
	clk.Advance(time.Millisecond)
	got, ok := receive(t, r)
	if !ok || !got.Bits.Equal(want) {
		t.Fatalf("frame = %s, %v; want %s", got.Bits, ok, want)
	}
	if !got.Start.Equal(start) {
		t.Errorf("Start = %v, want %v", got.Start, start)
	}
	if (r.Rejections() != Rejections{}) {
		t.Errorf("rejections = %+v", r.Rejections())
	}
}

func TestReceiverLateTimerSplitsFrames(t *testing.T) {
	// Two frames 30 ms apart on the edge timestamps, timer never fired.
	r, clk, fd := newTestReceiver(t, ReceiverConfig{})
	a, _ := ParseBits("0101")
	b, _ := ParseBits("11110000")
	fd.frame(a)
	fd.at = fd.at.Add(30 * time.Millisecond)
	fd.frame(b)
	clk.Advance(time.Second)
	for _, want := range []Bits{a, b} {
		got, ok := receive(t, r)
		if !ok || !got.Bits.Equal(want) {
			t.Fatalf("frame = %s, %v; want %s", got.Bits, ok, want)
		}
	}
}

func TestReceiverNoise(t *testing.T) {
	good, _ := ParseBits("00110010100001111111111111")
	tests := []struct {
		name  string
		play  func(f *feeder)
		frame bool
		want  Rejections
	}{
		{"glitch ignored, frame kept", func(f *feeder) {
			f.frame(good[:10])
			f.pulse(D1, 5*time.Microsecond, 2*time.Millisecond)
			f.frame(good[10:])
		}, true, Rejections{Glitches: 1}},
		{"both low", func(f *feeder) {
			f.frame(good[:5])
			f.r.Feed(D0, gpio.Low, f.at)
			f.r.Feed(D1, gpio.Low, f.at.Add(10*time.Microsecond))
			f.r.Feed(D0, gpio.High, f.at.Add(50*time.Microsecond))
			f.r.Feed(D1, gpio.High, f.at.Add(60*time.Microsecond))
			f.at = f.at.Add(2 * time.Millisecond)
			f.frame(good[5:])
		}, false, Rejections{BothLow: 1}},
		{"too short", func(f *feeder) { f.frame(good[:3]) }, false, Rejections{TooShort: 1}},
		{"too long", func(f *feeder) { f.frame(append(append(Bits{}, good...), good...)) }, false, Rejections{TooLong: 1}},
		{"stuck low", func(f *feeder) {
			f.frame(good)
			f.r.Feed(D0, gpio.Low, f.at)
		}, false, Rejections{Stuck: 1}},
		{"only glitches", func(f *feeder) {
			for range 3 {
				f.pulse(D0, time.Microsecond, time.Millisecond)
			}
		}, false, Rejections{Glitches: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, clk, fd := newTestReceiver(t, ReceiverConfig{MaxBits: 40})
			tt.play(fd)
			clk.Advance(time.Second)
			got, ok := receive(t, r)
			if ok != tt.frame || (ok && !got.Bits.Equal(good)) {
				t.Errorf("frame = %s, %v; want frame %v", got.Bits, ok, tt.frame)
			}
			if r.Rejections() != tt.want {
				t.Errorf("rejections = %+v, want %+v", r.Rejections(), tt.want)
			}
		})
	}
}

func TestReceiverStuckLineRecovers(t *testing.T) {
	r, clk, fd := newTestReceiver(t, ReceiverConfig{})
	fd.r.Feed(D1, gpio.Low, fd.at)
	clk.Advance(time.Second)
	fd.at = fd.at.Add(time.Second)
	fd.r.Feed(D1, gpio.High, fd.at) // end of the abandoned pulse: no bit
	fd.at = fd.at.Add(time.Millisecond)
	want, _ := ParseBits("1010")
	fd.frame(want)
	clk.Advance(time.Second)
	got, ok := receive(t, r)
	if !ok || !got.Bits.Equal(want) {
		t.Fatalf("frame = %s, %v; want %s", got.Bits, ok, want)
	}
}

func TestReceiverDropsWhenConsumerIsSlow(t *testing.T) {
	r, clk, fd := newTestReceiver(t, ReceiverConfig{Buffer: 1})
	b, _ := ParseBits("0110")
	for range 3 {
		fd.frame(b)
		clk.Advance(time.Second)
	}
	if got := r.Rejections().Dropped; got != 2 {
		t.Errorf("Dropped = %d, want 2", got)
	}
}

func TestReceiverClose(t *testing.T) {
	r, _, fd := newTestReceiver(t, ReceiverConfig{})
	r.Close()
	fd.frame(Bits{true, false, true, false})
	if _, ok := <-r.Frames(); ok {
		t.Error("Frames not closed")
	}
	if _, err := NewReceiver(ReceiverConfig{MinBits: 50, MaxBits: 40}); err == nil {
		t.Error("MinBits above MaxBits accepted")
	}
}

// FuzzReceiver plays arbitrary edge sequences (2 bytes each: line and level
// in the first, delay in µs in the second) and checks that every emitted
// frame respects the length limits and that the receiver never panics.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 50, 1, 200, 2, 50, 3, 200, 0, 1, 1, 255})
	f.Add([]byte{0, 10, 2, 10, 1, 10, 3, 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, clk, fd := newTestReceiver(t, ReceiverConfig{MinBits: 2, MaxBits: 8})
		for i := 0; i+1 < len(data); i += 2 {
			line, level := Line(data[i]&1), gpio.Level(data[i]&2 != 0)
			fd.at = fd.at.Add(time.Duration(data[i+1]) * 100 * time.Microsecond)
			r.Feed(line, level, fd.at)
			if data[i]&4 != 0 {
				clk.Advance(time.Second)
			}
		}
		clk.Advance(time.Second)
		r.Close()
		for fr := range r.Frames() {
			if len(fr.Bits) < 2 || len(fr.Bits) > 8 {
				t.Fatalf("frame of %d bits escaped the 2-8 limit", len(fr.Bits))
			}
			if fr.End.Before(fr.Start) {
				t.Fatalf("frame ends %v before it starts %v", fr.End, fr.Start)
			}
		}
	})
}
