package synth

import (
	"bufio"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// SetConfig describes an evaluation set.
type SetConfig struct {
	People, Hands, Captures, Negatives int
	Seed                               uint64
	Jobs                               int // parallel renderers; 0 or 1: one
}

// WriteSet renders a set into dir: PNGs, manifest.csv ("path,identity,
// hand,capture", paths relative to dir) and _negatives/ (an empty scene,
// a fist, noise). Capture 0 of each hand is taken under Nominal
// conditions (a careful enrolment), the rest under Variation.
func WriteSet(dir string, c SetConfig) error {
	if c.Hands < 1 || c.Hands > 2 || c.People < 1 || c.Captures < 1 {
		return fmt.Errorf("synth: want at least 1 person and capture, and 1 or 2 hands")
	}
	if err := os.MkdirAll(filepath.Join(dir, "_negatives"), 0o755); err != nil {
		return err
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
		return err
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
		return err
	}
	return f.Close()
}

// writeNegatives renders scenes that hold no usable palm.
func writeNegatives(dir string, c SetConfig) error {
	rng := rand.New(rand.NewPCG(c.Seed, 0xbad))
	for i := range c.Negatives {
		var img *image.Gray
		switch i % 3 {
		case 0: // nothing in front of the camera
			img = noise(rng, 10, 3)
		case 1: // a fist: the hand with its fingers folded away
			h := NewPerson(rng.Uint64()).Hands[0]
			for f := range h.fingers {
				h.fingers[f].length = 0.05
			}
			h.thumb.length = 0.1
			img = h.Capture(Nominal)
		default: // sensor noise over a lit scene
			img = noise(rng, 120, 60)
		}
		if err := writePNG(filepath.Join(dir, "_negatives", fmt.Sprintf("neg%04d.png", i)), img); err != nil {
			return err
		}
	}
	return nil
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
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
