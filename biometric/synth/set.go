package synth

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"

	"gocv.io/x/gocv"
)

// SetConfig describes an evaluation set.
type SetConfig struct {
	People, Hands, Captures, Negatives int
	Seed                               uint64
	Jobs                               int // parallel renderers; 0 or 1: one
}

// WriteSet renders a set into dir: PNGs, manifest.csv ("path,identity,
// hand,capture", paths relative to dir) and _negatives/ (an empty scene,
// a fist, noise, a lit object). Capture 0 of each hand is taken under Nominal
// conditions (a careful enrolment), the rest under Variation.
func WriteSet(dir string, c SetConfig) error {
	if c.Hands < 1 || c.Hands > 2 || c.People < 1 || c.Captures < 1 {
		return fmt.Errorf("synth: want at least 1 person and capture, and 1 or 2 hands")
	}
	if err := os.MkdirAll(filepath.Join(dir, "_negatives"), 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	type job struct{ person, hand, captures int }
	jobs := make(chan job)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range max(1, c.Jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := writeHand(dir, c.Seed, j.person, j.hand, j.captures); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for p := range c.People {
		for h := range c.Hands {
			jobs <- job{p, h, c.Captures}
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if err := writeManifest(dir, c); err != nil {
		return err
	}
	return writeNegatives(dir, c)
}

func captureName(p, h, k int) string {
	return fmt.Sprintf("p%05d_%s_%02d.png", p, Side(h), k)
}

// writeHand renders one hand's captures; people are drawn per job from
// their seed, so workers share nothing, and the hand's texture is drawn
// once for all its captures.
func writeHand(dir string, seed uint64, p, h, captures int) error {
	person := NewPerson(seed*1_000_003 + uint64(p))
	for k := range captures {
		cond := Nominal
		cond.Seed = uint64(k)
		if k > 0 {
			cond = Variation{}.Draw(rand.New(rand.NewPCG(person.Seed, uint64(h*1000+k))))
		}
		if err := writePNG(filepath.Join(dir, captureName(p, h, k)), person.Hands[h].Capture(cond)); err != nil {
			return err
		}
	}
	return nil
}

func writeManifest(dir string, c SetConfig) error {
	f, err := os.Create(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return fmt.Errorf("synth: manifest: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "path,identity,hand,capture")
	for p := range c.People {
		for h := range c.Hands {
			for k := range c.Captures {
				fmt.Fprintf(w, "%s,person%05d,%s,%d\n", captureName(p, h, k), p, Side(h), k)
			}
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("synth: manifest: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("synth: manifest: %w", err)
	}
	return nil
}

// writeNegatives renders scenes that hold no usable palm.
func writeNegatives(dir string, c SetConfig) error {
	rng := rand.New(rand.NewPCG(c.Seed, 0xbad))
	for i := range c.Negatives {
		var img *image.Gray
		switch i % 4 {
		case 0: // nothing in front of the camera
			img = noise(rng, 10, 3)
		case 1: // a fist: the hand with its fingers folded away
			h := NewPerson(rng.Uint64()).Hands[0]
			for f := range h.fingers {
				h.fingers[f].length = 0.05
			}
			h.thumb.length = 0.1
			img = h.Capture(Nominal)
		case 2: // sensor noise over a lit scene
			img = noise(rng, 120, 60)
		default: // a lit object: a smooth blob with no fingers
			var err error
			if img, err = blob(rng); err != nil {
				return err
			}
		}
		if err := writePNG(filepath.Join(dir, "_negatives", fmt.Sprintf("neg%04d.png", i)), img); err != nil {
			return err
		}
	}
	return nil
}

// blob draws a lit, slightly shaded ellipse (a parcel, a sleeve, a
// face) on the dark background.
func blob(rng *rand.Rand) (*image.Gray, error) {
	m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(10, 0, 0, 0), Height, Width, gocv.MatTypeCV8U)
	defer m.Close()
	centre := image.Pt(Width/2+rng.IntN(160)-80, Height/2+rng.IntN(120)-60)
	axes := image.Pt(80+rng.IntN(120), 60+rng.IntN(100))
	angle := rng.Float64() * 180
	gocv.EllipseWithParams(&m, centre, axes, angle, 0, 360, color.RGBA{150, 150, 150, 0}, -1, gocv.LineAA, 0)
	gocv.GaussianBlur(m, &m, image.Pt(0, 0), 6, 6, gocv.BorderReflect)
	img, err := m.ToImage()
	if err != nil {
		return nil, fmt.Errorf("synth: blob: %w", err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		return nil, fmt.Errorf("synth: blob: OpenCV gave a %T", img)
	}
	return g, nil
}

func noise(rng *rand.Rand, mean, sd float64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, Width, Height))
	for i := range img.Pix {
		img.Pix[i] = uint8(max(0, min(255, mean+rng.NormFloat64()*sd)))
	}
	return img
}

func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	return nil
}
