package vision

import (
	"errors"
	"image"
	"time"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/firmware/qr"
)

// probeRotations are the small rotations a probe is coded at, which
// absorb what is left of the hand's rotation after the palm frame.
var probeRotations = []float64{-4, 0, 4}

// Palms finds palms and identifies them against a gallery.
type Palms struct {
	// DuplicateThreshold is the distance under which an enrollment's
	// capture is someone else's palm; zero: the identification
	// threshold. A looser one than identification's is the right choice:
	// a missed duplicate gives one palm two badges for good, a false one
	// only sends the person to security.
	DuplicateThreshold float64

	loc       *palm.Locator
	ext       *features.Extractor
	gallery   *gallery.Gallery
	threshold float64
}

var (
	_ Recogniser = (*Palms)(nil)
	_ Enroller   = (*Palms)(nil)
)

// NewPalms identifies against g, matching below threshold (a distance).
// Close releases the filter bank.
func NewPalms(g *gallery.Gallery, threshold float64) (*Palms, error) {
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, err
	}
	return &Palms{loc: palm.NewLocator(palm.DefaultConfig), ext: ext, gallery: g, threshold: threshold}, nil
}

// Locate implements Recogniser.
func (p *Palms) Locate(img *image.Gray) (palm.Observation, error) { return p.loc.Locate(img) }

// Identify implements Recogniser.
func (p *Palms) Identify(obs palm.Observation) (gallery.Result, error) {
	if obs.ROI == nil {
		return gallery.Result{}, errors.New("vision: no palm to identify")
	}
	probes, err := p.ext.Rotations(obs.ROI, probeRotations)
	if err != nil {
		return gallery.Result{}, err
	}
	return p.gallery.Identify(probes, gallery.Options{Threshold: p.threshold, Shortlist: gallery.DefaultShortlist}), nil
}

// Close releases the OpenCV filter bank.
func (p *Palms) Close() error { return p.ext.Close() }

// Codes reads activation codes with firmware/qr's cascade, spread over
// consecutive frames.
type Codes struct {
	dec     *qr.Decoder
	scanner *qr.Scanner
}

var _ CodeReader = (*Codes)(nil)

// codeBudget is the decoding time a frame gets: a few frames' worth, so
// the cascade's slower attempts run on some frames rather than none.
const codeBudget = 60 * time.Millisecond

// NewCodes returns a code reader; Close releases the decoder.
func NewCodes() (*Codes, error) {
	dec, err := qr.NewDecoder(qr.Config{})
	if err != nil {
		return nil, err
	}
	return &Codes{dec: dec, scanner: qr.NewScanner(dec, codeBudget)}, nil
}

// Scan implements CodeReader.
func (c *Codes) Scan(img *image.Gray) (string, error) {
	r, err := c.scanner.Scan(img)
	if err != nil {
		return "", err
	}
	return r.Payload, nil
}

// Close releases the OpenCV decoder.
func (c *Codes) Close() error { return c.dec.Close() }

// Session implements Enroller: biometric/enroll on this recogniser's
// filter bank, checking duplicates against its gallery at its threshold.
// It runs on the pipeline worker's goroutine, as Identify does.
func (p *Palms) Session(e Enrolment) EnrolSession {
	th := p.threshold
	if p.DuplicateThreshold > 0 {
		th = p.DuplicateThreshold
	}
	cfg := enroll.Config{Captures: e.Captures, MaxAttempts: e.MaxAttempts, Threshold: th}
	return enroll.New(cfg, p.ext, p.gallery, e.Self)
}
