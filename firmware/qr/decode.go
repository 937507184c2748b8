// Package qr reads activation QR codes from the reader's near-infrared
// camera.
//
// Input is an 8-bit grayscale frame as *image.Gray (what the camera driver
// hands out once it has copied a frame out of its Mat; an image.Gray has no
// Close and can cross goroutines freely). Decode copies what it needs, so a
// caller may reuse its frame buffer as soon as Decode returns.
//
// The decoder is a cascade of attempts, most productive per millisecond
// first, stopping at the first success: gozxing's finder, sampler and
// decoder used patiently (recover.go), OpenCV's WeChat decoder as a second
// opinion, then gozxing on re-imaged frames (thresholded, re-scaled,
// contrast equalised, sharpened). The order comes from `palmctl qr bench
// --attempts` on generated camera frames. A Scanner spreads the cascade
// over consecutive frames of the camera.
package qr

import (
	"errors"
	"fmt"
	"image"
	"time"
)

// ErrNotFound means no attempt found and decoded a QR code in the frame.
var ErrNotFound = errors.New("qr: no code found")

// ErrUnreadable, beside ErrNotFound, means an attempt found a code (its
// three finder patterns and a symbol grid) but could not read it: its
// format information or error correction failed. An installer holding a
// phone too far, too dim or moving should hear that the code is seen.
var ErrUnreadable = errors.New("qr: a code is in view but cannot be read")

// minSide is the smallest code (version 1, 21 modules) at a pixel per
// module; a smaller frame holds none, and OpenCV aborts the process on
// some operations that shrink it to nothing.
const minSide = 21

// maxSide bounds the frames Decode accepts (a 4K still is 3840 wide).
const maxSide = 4096

// Config sets up a Decoder. The zero value is the production setting.
type Config struct {
	// NoWeChat leaves OpenCV's WeChat decoder out of the cascade.
	NoWeChat bool
}

// Result is a decoded code.
type Result struct {
	Payload string
	Attempt string // the attempt of the cascade that decoded it
}

// Decoder decodes QR codes from grayscale frames. It is safe for concurrent
// use; Close it when done to free the WeChat decoder.
type Decoder struct {
	wechat *weChat // nil when not linked or not wanted
	steps  []step
}

// NewDecoder makes a decoder.
func NewDecoder(cfg Config) (*Decoder, error) {
	d := &Decoder{}
	if !cfg.NoWeChat && WeChatLinked {
		w, err := newWeChat()
		if err != nil {
			return nil, err
		}
		d.wechat = w
	}
	d.steps = cascade(d.wechat != nil)
	return d, nil
}

// Close frees the decoder's native resources.
func (d *Decoder) Close() error {
	if d.wechat != nil {
		d.wechat.close()
	}
	return nil
}

// Decode finds and decodes one QR code in img. It returns an error wrapping
// ErrNotFound when there is none it can read.
func (d *Decoder) Decode(img *image.Gray) (Result, error) {
	p, err := planeFromGray(img)
	if err != nil {
		return Result{}, err
	}
	return d.run(p, d.steps)
}

// DecodeAttempt runs only the named attempt of the cascade (see Attempts),
// to measure it on its own.
func (d *Decoder) DecodeAttempt(img *image.Gray, name string) (Result, error) {
	p, err := planeFromGray(img)
	if err != nil {
		return Result{}, err
	}
	for _, s := range allSteps() {
		if s.name == name {
			return d.run(p, []step{s})
		}
	}
	return Result{}, fmt.Errorf("qr: unknown attempt %q", name)
}

// run tries steps in order until one decodes.
func (d *Decoder) run(p plane, steps []step) (Result, error) {
	f := newFrame(p)
	defer f.close()
	r, _, err := d.runUntil(f, steps, func() bool { return false })
	return r, err
}

// runUntil tries steps in order until one decodes or, from the third on,
// stop says so before the next; it returns how many steps ran.
func (d *Decoder) runUntil(f *frame, steps []step, stop func() bool) (Result, int, error) {
	var last error
	seen := false
	for i, s := range steps {
		if i > 1 && stop() {
			return Result{}, i, notFound(last, seen)
		}
		payload, err := s.run(d, f)
		if err == nil {
			return Result{Payload: payload, Attempt: s.name}, i + 1, nil
		}
		seen = seen || s.tells() && errors.Is(err, ErrUnreadable)
		if !errors.Is(err, ErrNotFound) {
			last = err
		}
	}
	return Result{}, len(steps), notFound(last, seen)
}

// notFound is the cascade's failure: ErrNotFound, with ErrUnreadable when
// some attempt saw a code, and the last error that was neither.
func notFound(last error, seen bool) error {
	err := ErrNotFound
	if seen {
		err = fmt.Errorf("%w: %w", ErrNotFound, ErrUnreadable)
	}
	if last != nil {
		return fmt.Errorf("%w (last error: %v)", err, last)
	}
	return err
}

// Scanner reads a code from a stream of camera frames within a time
// budget per frame. Every frame gets the first attempt of the cascade;
// the rest of the time goes on the attempts after the one the previous
// frame stopped at, so a hard code meets the whole cascade over a few
// frames instead of the same cheap attempts failing on every frame.
type Scanner struct {
	dec    *Decoder
	budget time.Duration
	now    func() time.Time
	next   int // index into the tail where the next frame resumes
}

// NewScanner scans with d, spending about budget on a frame (at least the
// first attempt and one more).
func NewScanner(d *Decoder, budget time.Duration) *Scanner {
	return &Scanner{dec: d, budget: budget, now: time.Now}
}

// Scan looks for a code in one frame.
func (s *Scanner) Scan(img *image.Gray) (Result, error) {
	p, err := planeFromGray(img)
	if err != nil {
		return Result{}, err
	}
	f := newFrame(p)
	defer f.close()
	head, tail := s.dec.steps[:1], s.dec.steps[1:]
	steps := append([]step(nil), head...)
	for i := range tail {
		steps = append(steps, tail[(s.next+i)%len(tail)])
	}
	start := s.now()
	r, ran, err := s.dec.runUntil(f, steps, func() bool { return s.now().Sub(start) >= s.budget })
	if err != nil && len(tail) > 0 {
		s.next = (s.next + max(ran-len(head), 0)) % len(tail)
	}
	return r, err
}

// planeFromGray copies img into a compact plane.
func planeFromGray(img *image.Gray) (plane, error) {
	if img == nil {
		return plane{}, fmt.Errorf("qr: nil image: %w", ErrNotFound)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch {
	case w < minSide || h < minSide:
		return plane{}, fmt.Errorf("qr: image %d×%d smaller than the smallest code: %w", w, h, ErrNotFound)
	case w > maxSide || h > maxSide:
		return plane{}, fmt.Errorf("qr: image %d×%d larger than %d: %w", w, h, maxSide, ErrNotFound)
	case img.Stride < w || len(img.Pix) < (h-1)*img.Stride+w:
		return plane{}, fmt.Errorf("qr: image buffer too short: %w", ErrNotFound)
	}
	pix := make([]byte, w*h)
	for y := 0; y < h; y++ {
		off := img.PixOffset(b.Min.X, b.Min.Y+y)
		copy(pix[y*w:(y+1)*w], img.Pix[off:off+w])
	}
	return plane{pix: pix, w: w, h: h}, nil
}
