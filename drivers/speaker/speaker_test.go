package speaker

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"slices"
	"testing"
	"time"
)

var beep = Sound{Name: "beep", Tones: []Tone{{Hz: 1000, For: 100 * time.Millisecond}, {For: 50 * time.Millisecond}}}

func TestPCM(t *testing.T) {
	pcm := PCM(beep)
	tone, rest := Rate/10, Rate/20
	if len(pcm) != tone+rest {
		t.Fatalf("%d samples, want %d", len(pcm), tone+rest)
	}
	if pcm[0] != 0 || pcm[tone-1] != 0 {
		t.Fatal("a tone starts or ends off zero: it clicks")
	}
	peak := slices.Max(pcm[:tone])
	if p := float64(peak) / math.MaxInt16; p < 0.55 || p > 0.6 {
		t.Fatalf("peak %d, want about 60 %% of full scale", peak)
	}
	if slices.Max(pcm[tone:]) != 0 {
		t.Fatal("the rest is not silent")
	}
}

func TestWAV(t *testing.T) {
	w := WAV(beep)
	if string(w[:4]) != "RIFF" || string(w[8:16]) != "WAVEfmt " || string(w[36:40]) != "data" {
		t.Fatalf("header % x", w[:44])
	}
	if rate := binary.LittleEndian.Uint32(w[24:28]); rate != Rate {
		t.Fatalf("rate %d", rate)
	}
	if n := binary.LittleEndian.Uint32(w[40:44]); int(n) != 2*len(PCM(beep)) || len(w) != 44+int(n) {
		t.Fatalf("data size %d of a %d-byte file", n, len(w))
	}
}

// TestALSAPlaysTheNewest: while one sound plays, only the newest of those
// asked for meanwhile plays next; each reaches the player as WAV on the
// configured device.
func TestALSAPlaysTheNewest(t *testing.T) {
	type call struct {
		args []string
		size int
	}
	played := make(chan call, 4)
	release := make(chan struct{})
	a := NewALSA("plughw:0,0", slog.New(slog.DiscardHandler))
	a.Command = func(_ context.Context, wav []byte, args ...string) error {
		if !bytes.HasPrefix(wav, []byte("RIFF")) {
			t.Error("not a WAV")
		}
		played <- call{args, len(wav)}
		<-release
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	a.Play(Sound{Name: "first"})
	if c := <-played; !slices.Contains(c.args, "plughw:0,0") {
		t.Fatalf("player args %v", c.args)
	}
	third := Sound{Name: "third", Tones: []Tone{{Hz: 440, For: 30 * time.Millisecond}}}
	a.Play(Sound{Name: "second", Tones: []Tone{{Hz: 440, For: 10 * time.Millisecond}}})
	a.Play(third)
	release <- struct{}{}
	if c := <-played; c.size != len(WAV(third)) {
		t.Fatalf("played a %d-byte sound next, want the newest (%d bytes)", c.size, len(WAV(third)))
	}
	if len(a.next) != 0 {
		t.Fatal("a sound still waits after the newest was taken")
	}
	close(release)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
