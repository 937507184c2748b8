package qr

import (
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/firmware/qr/qrtest"
)

func newTestDecoder(t *testing.T, cfg Config) *Decoder {
	t.Helper()
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func render(t testing.TB, c qrtest.Category, seed uint64) (*image.Gray, string) {
	t.Helper()
	s, err := qrtest.NewScene(c, seed)
	if err != nil {
		t.Fatal(err)
	}
	img, truth, err := s.Render(0)
	if err != nil {
		t.Fatal(err)
	}
	return img, truth.Payload
}

// TestDecodeScenes: the cascade reads scenes of each kind, and whatever
// it returns is the payload that was shown.
func TestDecodeScenes(t *testing.T) {
	d := newTestDecoder(t, Config{})
	tests := []struct {
		category qrtest.Category
		min      int // of 6 scenes
	}{
		{qrtest.Clean, 6},
		{qrtest.Rotation, 5},
		{qrtest.Scale, 5},
		{qrtest.Glare, 4},
		{qrtest.Finger, 3},
	}
	for _, tc := range tests {
		t.Run(string(tc.category), func(t *testing.T) {
			read := 0
			for seed := uint64(1); seed <= 6; seed++ {
				img, want := render(t, tc.category, seed)
				r, err := d.Decode(img)
				if err == nil && r.Payload != want {
					t.Fatalf("seed %d: read %q, showed %q", seed, r.Payload, want)
				}
				if err != nil && !errors.Is(err, ErrNotFound) {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if err == nil {
					read++
				}
			}
			if read < tc.min {
				t.Errorf("read %d of 6 scenes, want at least %d", read, tc.min)
			}
		})
	}
}

// TestRecoverReadsPastAFinger: with a finder pattern under a finger, bare
// gozxing reads nothing; the recovery guesses where the finder is.
func TestRecoverReadsPastAFinger(t *testing.T) {
	d := newTestDecoder(t, Config{NoWeChat: true})
	bare, recovered := 0, 0
	for seed := uint64(1); seed <= 8; seed++ {
		img, want := render(t, qrtest.Finger, seed)
		if r, err := d.DecodeAttempt(img, "hybrid"); err == nil && r.Payload == want {
			bare++
		}
		if r, err := d.DecodeAttempt(img, "recover"); err == nil && r.Payload == want {
			recovered++
		}
	}
	if recovered < 3 || recovered <= bare {
		t.Errorf("finger scenes: recover read %d of 8, bare gozxing %d", recovered, bare)
	}
}

func TestDecodeAttemptUnknown(t *testing.T) {
	d := newTestDecoder(t, Config{NoWeChat: true})
	img, _ := render(t, qrtest.Clean, 1)
	if _, err := d.DecodeAttempt(img, "nonesuch"); err == nil {
		t.Fatal("an unknown attempt ran")
	}
}

// TestDecodeBadFrames: frames no camera should give are refused with
// ErrNotFound, not a panic.
func TestDecodeBadFrames(t *testing.T) {
	d := newTestDecoder(t, Config{})
	short := image.NewGray(image.Rect(0, 0, 64, 64))
	short.Pix = short.Pix[:100]
	tests := []struct {
		name string
		img  *image.Gray
	}{
		{"nil", nil},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 0))},
		{"too large", image.NewGray(image.Rect(0, 0, maxSide+1, 2))},
		{"short buffer", short},
		{"tiny", image.NewGray(image.Rect(0, 0, 3, 3))},
		{"blank", image.NewGray(image.Rect(0, 0, 640, 480))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.Decode(tc.img); !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

// TestDecodeSubImage: a frame cropped out of a larger buffer is read where
// it lies.
func TestDecodeSubImage(t *testing.T) {
	d := newTestDecoder(t, Config{NoWeChat: true})
	img, want := render(t, qrtest.Clean, 2)
	big := image.NewGray(image.Rect(0, 0, 800, 600))
	for y := 0; y < img.Rect.Dy(); y++ {
		copy(big.Pix[(y+50)*big.Stride+70:], img.Pix[y*img.Stride:(y+1)*img.Stride])
	}
	sub := big.SubImage(image.Rect(70, 50, 70+img.Rect.Dx(), 50+img.Rect.Dy())).(*image.Gray)
	r, err := d.Decode(sub)
	if err != nil || r.Payload != want {
		t.Fatalf("sub-image: %v %q", err, r.Payload)
	}
}

// TestConcurrentDecode: one decoder serves several goroutines (the WeChat
// decoder inside is serialised).
func TestConcurrentDecode(t *testing.T) {
	d := newTestDecoder(t, Config{})
	img, want := render(t, qrtest.Clean, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				r, err := d.Decode(img)
				if err == nil && r.Payload != want {
					err = errors.New("wrong payload")
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestScannerWalksTheCascade: with no time to spare, each frame gets the
// first attempt and the next one of the rest, so the whole cascade has run
// after a frame per attempt.
func TestScannerWalksTheCascade(t *testing.T) {
	d := newTestDecoder(t, Config{NoWeChat: true})
	s := NewScanner(d, 0)
	s.now = func() time.Time { return time.Unix(0, 0) }
	blank := image.NewGray(image.Rect(0, 0, 160, 120))
	tail := len(d.steps) - 1
	for i := 1; i <= tail+1; i++ {
		if _, err := s.Scan(blank); !errors.Is(err, ErrNotFound) {
			t.Fatalf("frame %d: %v", i, err)
		}
		if want := i % tail; s.next != want {
			t.Fatalf("after frame %d the scanner resumes at %d, want %d", i, s.next, want)
		}
	}
}

// TestScannerReadsAStillPhone: consecutive frames of one scene, as the
// camera gives them, are read within a few frames.
func TestScannerReadsAStillPhone(t *testing.T) {
	d := newTestDecoder(t, Config{})
	s, err := qrtest.NewScene(qrtest.Motion, 4)
	if err != nil {
		t.Fatal(err)
	}
	sc := NewScanner(d, 40*time.Millisecond)
	for f := uint64(0); f < 10; f++ {
		img, truth, err := s.Render(f)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := sc.Scan(img); err == nil {
			if r.Payload != truth.Payload {
				t.Fatalf("read %q", r.Payload)
			}
			return
		}
	}
	t.Fatal("no read in 10 frames")
}

// FuzzDecode: any bytes as a frame; the decoder must not panic, and a
// payload it returns is not empty.
func FuzzDecode(f *testing.F) {
	img, _ := render(f, qrtest.Clean, 1)
	f.Add(uint16(64), img.Pix[:64*64])
	f.Add(uint16(21), make([]byte, 21*21))
	d, err := NewDecoder(Config{})
	if err != nil {
		f.Fatal(err)
	}
	defer d.Close()
	f.Fuzz(func(t *testing.T, w uint16, pix []byte) {
		if w == 0 || int(w) > len(pix) || len(pix) > 1<<16 {
			return
		}
		g := &image.Gray{Pix: pix, Stride: int(w), Rect: image.Rect(0, 0, int(w), len(pix)/int(w))}
		if r, err := d.Decode(g); err == nil && r.Payload == "" {
			t.Fatal("empty payload decoded")
		}
	})
}

// scrambled is a clean scene with the code's data modules scrambled: the
// finder patterns, timing and format information (the outer nine modules
// at each finder) stay, the rest is random beyond error correction.
func scrambled(t *testing.T, seed uint64) *image.Gray {
	t.Helper()
	s, err := qrtest.NewScene(qrtest.Clean, seed)
	if err != nil {
		t.Fatal(err)
	}
	img, truth, err := s.Render(0)
	if err != nil {
		t.Fatal(err)
	}
	c, n := truth.Corners, float64(truth.Modules)
	at := func(u, v float64) image.Point { // bilinear over the symbol's corners
		a, b := u/n, v/n
		x := (1-a)*(1-b)*float64(c[0].X) + a*(1-b)*float64(c[1].X) + a*b*float64(c[2].X) + (1-a)*b*float64(c[3].X)
		y := (1-a)*(1-b)*float64(c[0].Y) + a*(1-b)*float64(c[1].Y) + a*b*float64(c[2].Y) + (1-a)*b*float64(c[3].Y)
		return image.Point{int(x), int(y)}
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	for mu := 9; mu < truth.Modules-9; mu++ {
		for mv := 9; mv < truth.Modules-9; mv++ {
			level := uint8(30)
			if rng.IntN(2) == 0 {
				level = 220
			}
			for du := 0.0; du < 1; du += 0.2 {
				for dv := 0.0; dv < 1; dv += 0.2 {
					p := at(float64(mu)+du, float64(mv)+dv)
					if p.In(img.Bounds()) {
						img.SetGray(p.X, p.Y, color.Gray{Y: level})
					}
				}
			}
		}
	}
	return img
}

// TestUnreadableCode: a code whose finder patterns are in view but whose
// data cannot be read is told apart from a frame with no code.
func TestUnreadableCode(t *testing.T) {
	d := newTestDecoder(t, Config{})
	for seed := uint64(1); seed <= 4; seed++ {
		_, err := d.Decode(scrambled(t, seed))
		if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrUnreadable) {
			t.Errorf("seed %d: a scrambled code: %v", seed, err)
		}
	}
	frames := []*image.Gray{image.NewGray(image.Rect(0, 0, 640, 480))}
	for seed := uint64(1); seed <= 20; seed++ { // palms: what a reader mostly sees
		rng := rand.New(rand.NewPCG(seed, 9))
		frames = append(frames, synth.NewPersonIn(seed, synth.Wide).Hands[seed%2].Capture(synth.Variation{}.Draw(rng)))
	}
	for i, img := range frames {
		if _, err := d.Decode(img); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnreadable) {
			t.Errorf("frame %d, no code: %v", i, err)
		}
	}
}
