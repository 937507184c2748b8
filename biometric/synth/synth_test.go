package synth

import (
	"bytes"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/palm"
)

func TestDeterministic(t *testing.T) {
	a := NewPerson(7).Hands[Right].Capture(Nominal)
	b := NewPerson(7).Hands[Right].Capture(Nominal)
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Fatal("the same seed rendered different pixels")
	}
	c := NewPerson(8).Hands[Right].Capture(Nominal)
	if bytes.Equal(a.Pix, c.Pix) {
		t.Fatal("two people look the same")
	}
}

// area counts the lit pixels (the hand).
func area(img *image.Gray) int {
	n := 0
	for _, v := range img.Pix {
		if v > 60 {
			n++
		}
	}
	return n
}

func TestHoverScalesTheHand(t *testing.T) {
	h := NewPerson(3).Hands[Left]
	near, far := Nominal, Nominal
	near.Scale, far.Scale = 1.15, 0.85
	an, af := area(h.Capture(near)), area(h.Capture(far))
	if ratio := float64(an) / float64(af); ratio < 1.5 || ratio > 2.1 { // (1.15/0.85)² = 1.83
		t.Errorf("area ratio near/far %.2f, want about 1.83", ratio)
	}
}

// TestPipelineFindsThePalm: nominal captures of both hands of several
// people are good frames for the palm locator, and the hand is in frame.
func TestPipelineFindsThePalm(t *testing.T) {
	for seed := range uint64(6) {
		for s := range 2 {
			obs, err := palm.NewLocator(palm.DefaultConfig).Locate(NewPerson(seed).Hands[s].Capture(Nominal))
			if err != nil || !obs.Good() {
				t.Errorf("person %d %s: hints %v %v", seed, Side(s), obs.Hints, err)
			}
		}
	}
}

func TestVariationRanges(t *testing.T) {
	rng := newRng(1)
	for range 1000 {
		c := Variation{}.Draw(rng)
		if math.Abs(c.Rotation) > 20 || c.Scale < 0.85 || c.Scale > 1.15 {
			t.Fatalf("conditions out of range: %+v", c)
		}
	}
}

func TestWriteSet(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSet(dir, SetConfig{People: 2, Hands: 2, Captures: 2, Negatives: 3, Seed: 5, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if lines[0] != "path,identity,hand,capture" || len(lines) != 9 {
		t.Fatalf("manifest:\n%s", raw)
	}
	for _, l := range lines[1:] {
		if _, err := os.Stat(filepath.Join(dir, strings.Split(l, ",")[0])); err != nil {
			t.Errorf("manifest names a missing file: %v", err)
		}
	}
	if neg, _ := filepath.Glob(filepath.Join(dir, "_negatives", "*.png")); len(neg) != 3 {
		t.Errorf("%d negatives", len(neg))
	}
	if err := WriteSet(dir, SetConfig{People: 1, Hands: 3, Captures: 1}); err == nil {
		t.Error("three hands accepted")
	}
}

func BenchmarkCapture(b *testing.B) {
	h := NewPerson(1).Hands[Right]
	h.texture()
	c := Variation{}.Draw(newRng(2))
	start := time.Now()
	for b.Loop() {
		h.Capture(c)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
}
