package synth

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gocv.io/x/gocv"
)

// SetConfig describes an evaluation set.
type SetConfig struct {
	People, Hands, Captures, Negatives int
	Seed                               uint64
	Jobs                               int // parallel renderers; 0 or 1: one
	Pop                                Population
	// Attacks renders this many presentation attacks (AttackKinds in
	// turn, each of an enrolled person's palm) among the negatives.
	Attacks int
	// Frames renders each probe capture as a presentation of this many
	// consecutive frames (the hand drifting a little between them), as
	// manifest rows sharing the capture number; 0 or 1: one frame.
	Frames int
}

// WriteSet renders a set into dir: PNGs, manifest.csv ("path,identity,
// hand,capture", paths relative to dir) and _negatives/ (an empty scene,
// a fist, noise, a lit object). Capture 0 of each narrow hand is taken
// under Nominal conditions (a careful enrolment), the rest under
// Variation; wide and held-out hands enrol with two careful captures
// held their own way and probe under WideVariation.
//
// A large set takes long to render: when ctx ends (palmctl synth on
// SIGTERM), the renderers stop after the capture they are writing, and
// WriteSet returns ctx's error without a manifest, so the half-written
// set is never read as a whole one.
func WriteSet(ctx context.Context, dir string, c SetConfig) error {
	if c.Hands < 1 || c.Hands > 2 || c.People < 1 || c.Captures < 1 {
		return fmt.Errorf("synth: want at least 1 person and capture, and 1 or 2 hands")
	}
	if err := os.MkdirAll(filepath.Join(dir, "_negatives"), 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	jobs := make(chan handJob)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range max(1, c.Jobs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := writeHand(ctx, dir, c, j.person, j.hand); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	queue(ctx, jobs, c)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("synth: set left unfinished: %w", err)
	}
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

// handJob is one hand of one person, a renderer's unit of work.
type handJob struct{ person, hand int }

// queue hands every person's hands to the renderers until ctx ends, and
// closes jobs.
func queue(ctx context.Context, jobs chan<- handJob, c SetConfig) {
	defer close(jobs)
	for p := range c.People {
		for h := range c.Hands {
			select {
			case jobs <- handJob{p, h}:
			case <-ctx.Done():
				return
			}
		}
	}
}

func captureName(p, h, k int) string {
	return fmt.Sprintf("p%05d_%s_%02d.png", p, Side(h), k)
}

// writeHand renders one hand's captures; people are drawn per job from
// their seed, so workers share nothing, and the hand's texture is drawn
// once for all its captures.
func writeHand(ctx context.Context, dir string, c SetConfig, p, h int) error {
	person := NewPersonIn(c.Seed*1_000_003+uint64(p), c.Pop)
	for k := range c.Captures {
		if ctx.Err() != nil {
			return nil // WriteSet reports it
		}
		cond := CaptureConditions(person, h, k)
		for f := range framesOf(c, person, k) {
			fc := cond
			if f > 0 {
				fc = Drift(cond, rand.New(rand.NewPCG(person.Seed, uint64(h*1000+k)<<8|uint64(f))))
			}
			if err := writePNG(filepath.Join(dir, frameName(c, person, p, h, k, f)), person.Hands[h].Capture(fc)); err != nil {
				return err
			}
		}
	}
	return nil
}

// enrolCaptures is how many captures of a hand are careful enrolments.
func enrolCaptures(pop Population) int {
	if pop == Narrow {
		return 1
	}
	return 2
}

// framesOf is how many frames capture k is rendered as: enrolments are
// single frames, probes presentations of c.Frames.
func framesOf(c SetConfig, person *Person, k int) int {
	if k < enrolCaptures(person.Pop) || c.Frames <= 1 {
		return 1
	}
	return c.Frames
}

// frameName names frame f of capture k: the capture's own name when it
// is a single frame.
func frameName(c SetConfig, person *Person, p, h, k, f int) string {
	if framesOf(c, person, k) == 1 {
		return captureName(p, h, k)
	}
	return fmt.Sprintf("p%05d_%s_%02d_f%d.png", p, Side(h), k, f)
}

// Drift is the next frame of a presentation under c: the hand a little
// turned, moved and nearer or further, fresh sensor noise.
func Drift(c Conditions, rng *rand.Rand) Conditions {
	c.Rotation += rng.NormFloat64() * 1.5
	c.DX += rng.NormFloat64() * 3
	c.DY += rng.NormFloat64() * 3
	c.Scale *= 1 + rng.NormFloat64()*0.02
	c.Pitch += rng.NormFloat64() * 2
	c.Yaw += rng.NormFloat64() * 2
	c.Seed = rng.Uint64()
	return c
}

// CaptureConditions are the conditions of capture k of a person's hand
// in a set: the first (two for wide populations) careful enrolments,
// the rest drawn from the population's variation.
func CaptureConditions(person *Person, h, k int) Conditions {
	rng := rand.New(rand.NewPCG(person.Seed, uint64(h*1000+k)))
	if person.Pop == Narrow {
		if k == 0 {
			cond := Nominal
			cond.Seed = uint64(k)
			return cond
		}
		return Variation{}.Draw(rng)
	}
	w := WideVariation{Pop: person.Pop, Habit: person.Hands[h].habit}
	if k < enrolCaptures(person.Pop) {
		return w.Careful(rng)
	}
	return w.Draw(rng)
}

func writeManifest(dir string, c SetConfig) error {
	f, err := os.Create(filepath.Join(dir, "manifest.csv"))
	if err != nil {
		return fmt.Errorf("synth: manifest: %w", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "path,identity,hand,capture")
	for p := range c.People {
		person := &Person{Pop: c.Pop} // only the population decides the names
		for h := range c.Hands {
			for k := range c.Captures {
				for fr := range framesOf(c, person, k) {
					fmt.Fprintf(w, "%s,person%05d,%s,%d\n", frameName(c, person, p, h, k, fr), p, Side(h), k)
				}
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

// negativeKinds name the scenes writeNegatives renders in turn.
var negativeKinds = []string{"empty", "fist", "noise", "lit-object"}

// writeNegatives renders scenes that hold no usable palm, then the
// presentation attacks, and lists each with its kind in
// _negatives/manifest.csv (path,kind).
func writeNegatives(dir string, c SetConfig) error {
	rng := rand.New(rand.NewPCG(c.Seed, 0xbad))
	var list strings.Builder
	list.WriteString("path,kind\n")
	for i := range c.Negatives {
		img, err := negative(rng, i)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("neg%04d.png", i)
		if err := writePNG(filepath.Join(dir, "_negatives", name), img); err != nil {
			return err
		}
		fmt.Fprintf(&list, "%s,%s\n", name, negativeKinds[i%len(negativeKinds)])
	}
	for i := range c.Attacks {
		kind := AttackKinds[i%len(AttackKinds)]
		p := i % c.People
		person := NewPersonIn(c.Seed*1_000_003+uint64(p), c.Pop)
		photo := CaptureConditions(person, int(Right), 0)
		photo.Seed = rng.Uint64()
		name := fmt.Sprintf("attack%04d.png", i)
		if err := writePNG(filepath.Join(dir, "_negatives", name), person.Hands[Right].Attack(kind, photo, rng)); err != nil {
			return err
		}
		fmt.Fprintf(&list, "%s,%s\n", name, kind)
	}
	if err := os.WriteFile(filepath.Join(dir, "_negatives", "manifest.csv"), []byte(list.String()), 0o644); err != nil {
		return fmt.Errorf("synth: negatives manifest: %w", err)
	}
	return nil
}

// negative renders scene i of negativeKinds.
func negative(rng *rand.Rand, i int) (*image.Gray, error) {
	switch i % len(negativeKinds) {
	case 0: // nothing in front of the camera
		return noise(rng, 10, 3), nil
	case 1: // a fist: the hand with its fingers folded away
		h := NewPerson(rng.Uint64()).Hands[0]
		for f := range h.fingers {
			h.fingers[f].length = 0.05
		}
		h.thumb.length = 0.1
		return h.Capture(Nominal), nil
	case 2: // sensor noise over a lit scene
		return noise(rng, 120, 60), nil
	default: // a lit object: a smooth blob with no fingers
		return blob(rng)
	}
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
