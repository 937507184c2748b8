package synth

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	if err := WriteSet(context.Background(), dir, SetConfig{People: 2, Hands: 2, Captures: 2, Negatives: 3, Seed: 5, Jobs: 2}); err != nil {
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
	if err := WriteSet(context.Background(), dir, SetConfig{People: 1, Hands: 3, Captures: 1}); err == nil {
		t.Error("three hands accepted")
	}
}

// TestWriteSetStops: a set whose context has ended renders nothing more
// and writes no manifest, so that palmctl eval never takes what was
// written for a whole set (palmctl synth on SIGTERM).
func TestWriteSetStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := WriteSet(ctx, dir, SetConfig{People: 20, Hands: 2, Captures: 4, Negatives: 3, Seed: 5, Jobs: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteSet after cancel: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("manifest written: %v", err)
	}
	if png, _ := filepath.Glob(filepath.Join(dir, "*.png")); len(png) != 0 {
		t.Errorf("%d captures rendered after cancel", len(png))
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

// TestWideSetPresentations: a wide set enrols two single frames a hand
// and renders each probe as a presentation of several frames sharing its
// capture number.
func TestWideSetPresentations(t *testing.T) {
	dir := t.TempDir()
	if err := WriteSet(context.Background(), dir, SetConfig{People: 1, Hands: 1, Captures: 3, Frames: 2, Pop: Wide}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	want := []string{"p00000_right_00.png,person00000,right,0", "p00000_right_01.png,person00000,right,1",
		"p00000_right_02_f0.png,person00000,right,2", "p00000_right_02_f1.png,person00000,right,2"}
	if strings.Join(lines[1:], "|") != strings.Join(want, "|") {
		t.Fatalf("manifest:\n%s", raw)
	}
	for _, l := range want {
		if _, err := os.Stat(filepath.Join(dir, strings.Split(l, ",")[0])); err != nil {
			t.Error(err)
		}
	}
}

// TestWidePopulationVaries: wide hands differ in model and look, and
// wide captures span small to large hands, closed to spread fingers and
// tilts; the held-out population renders a line profile the wide one
// never does.
func TestWidePopulationVaries(t *testing.T) {
	var lengths, exps []float64
	profiles := map[Population]map[profile]bool{Wide: {}, HeldOut: {}}
	for seed := range uint64(40) {
		for _, pop := range []Population{Wide, HeldOut} {
			h := NewPersonIn(seed, pop).Hands[Right]
			profiles[pop][h.look.profile] = true
			if pop == Wide {
				lengths = append(lengths, h.fingers[1].length)
				exps = append(exps, h.palmExp)
			}
		}
	}
	spread := func(v []float64) float64 { return slices.Max(v) - slices.Min(v) }
	if spread(lengths) < 0.2 || spread(exps) < 1.5 {
		t.Errorf("hand models vary little: finger lengths over %.2f, palm exponents over %.2f", spread(lengths), spread(exps))
	}
	if profiles[Wide][expProfile] || !profiles[HeldOut][expProfile] || len(profiles[Wide]) < 3 {
		t.Errorf("line profiles: wide %v, held-out %v", profiles[Wide], profiles[HeldOut])
	}
	rng := newRng(3)
	var scales, spreads, tilts []float64
	for range 500 {
		c := WideVariation{Pop: Wide, Habit: 0.8}.Draw(rng)
		scales, spreads, tilts = append(scales, c.Scale), append(spreads, c.Spread), append(tilts, c.Pitch)
	}
	if slices.Min(scales) > 0.65 || slices.Max(scales) < 1.25 || spread(spreads) < 1 || spread(tilts) < 25 {
		t.Errorf("captures: scale %.2f–%.2f, spread over %.2f, pitch over %.1f°", slices.Min(scales), slices.Max(scales), spread(spreads), spread(tilts))
	}
	if _, err := ParsePopulation("medium"); err == nil {
		t.Error("an unknown population parsed")
	}
}

// TestHandPointIsTheRender: the ground truth maps the frame pixel where
// the palm centre was rendered back to the palm centre, under tilt and
// stretch as well.
func TestHandPointIsTheRender(t *testing.T) {
	h := NewPersonIn(5, Wide).Hands[Left]
	c := Nominal
	c.Pitch, c.Yaw, c.Rotation = 10, -8, 15
	u, v := h.HandPoint(c, Width/2+c.DX, Height/2+40+c.DY)
	if math.Hypot(u, v) > 1e-9 {
		t.Errorf("the frame's palm centre maps to (%.3f, %.3f)", u, v)
	}
	u2, _ := h.HandPoint(c, Width/2+60, Height/2+40)
	c.Pitch, c.Yaw = 0, 0
	u3, _ := h.HandPoint(c, Width/2+60, Height/2+40)
	if math.Abs(u2-u3) < 1e-3 {
		t.Error("a tilt does not change where a pixel lies on the hand")
	}
}

// TestFramePointInvertsHandPoint: under tilt, rotation and stretch the
// frame pixel FramePoint finds shows the hand point asked for, from a
// guess tens of pixels off.
func TestFramePointInvertsHandPoint(t *testing.T) {
	h := NewPerson(11).Hands[Left]
	c := Conditions{Scale: 1, Rotation: 12, Pitch: 13, Yaw: -11, Stretch: 0.02, StretchX: 0.03, StretchY: -0.03, Seed: 5}
	for _, p := range [][2]float64{{0, 0}, {0.2, 0.3}, {-0.3, -0.25}, {0.35, -0.1}} {
		x, y, ok := h.FramePoint(c, p[0], p[1], Width/2+30, Height/2-20)
		if !ok {
			t.Fatalf("no frame pixel for hand point %v", p)
		}
		if u, v := h.HandPoint(c, x, y); math.Hypot(u-p[0], v-p[1]) > 1e-4 {
			t.Errorf("hand point %v: frame (%.1f, %.1f) shows (%.4f, %.4f)", p, x, y, u, v)
		}
	}
}
