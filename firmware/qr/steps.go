package qr

import (
	"github.com/makiuchi-d/gozxing"
	"gocv.io/x/gocv"
)

// step is one attempt of the cascade.
type step struct {
	name string
	run  func(d *Decoder, f *frame) (string, error)
}

// tells says whether the attempt's ErrUnreadable is evidence of a code:
// only gozxing's on the frame as it is ("recover" runs first on every
// frame of a Scanner). On re-imaged frames (thresholded, equalised,
// sharpened, scaled) grain and skin texture give finder patterns and
// format words that pass, and did now and then on synthetic palms
// (TestUnreadableCode holds the telling attempts to none of 20).
func (s step) tells() bool { return s.name == "hybrid" || s.name == "recover" }

// frame is one input frame and what the attempts derive from it, computed
// on first use and shared between attempts.
type frame struct {
	raw    plane
	mat    gocv.Mat // raw, wrapped; valid once matOK
	matOK  bool
	matErr error
}

func newFrame(p plane) *frame { return &frame{raw: p} }

// rawMat is the frame as a Mat, shared by every attempt.
func (f *frame) rawMat() (gocv.Mat, error) {
	if !f.matOK {
		f.mat, f.matErr = matOf(f.raw)
		f.matOK = true
	}
	return f.mat, f.matErr
}

func (f *frame) close() {
	if f.matOK && f.matErr == nil {
		f.mat.Close()
	}
}

// onMat runs a gozxing attempt on a plane derived from the raw Mat.
func onMat(derive func(gocv.Mat) plane, kind binarizerKind) func(*Decoder, *frame) (string, error) {
	return func(_ *Decoder, f *frame) (string, error) {
		m, err := f.rawMat()
		if err != nil {
			return "", err
		}
		return zxLuminance(derive(m), kind)
	}
}

// onBinary runs gozxing on an OpenCV-thresholded plane.
func onBinary(derive func(gocv.Mat) plane) func(*Decoder, *frame) (string, error) {
	return func(_ *Decoder, f *frame) (string, error) {
		m, err := f.rawMat()
		if err != nil {
			return "", err
		}
		return zxBinary(derive(m))
	}
}

// onMatRecover runs the patient recovery on a plane derived from the raw Mat.
func onMatRecover(derive func(gocv.Mat) plane) func(*Decoder, *frame) (string, error) {
	return func(_ *Decoder, f *frame) (string, error) {
		m, err := f.rawMat()
		if err != nil {
			return "", err
		}
		return recovered(gozxing.NewHybridBinarizer(newLuminance(derive(m))))
	}
}

// allSteps is every attempt the decoder knows, by name, in no order.
func allSteps() []step {
	return []step{
		{"hybrid", func(_ *Decoder, f *frame) (string, error) { return zxLuminance(f.raw, hybrid) }},
		{"global", func(_ *Decoder, f *frame) (string, error) { return zxLuminance(f.raw, global) }},
		{"clahe", onMat(func(m gocv.Mat) plane { return stretched(m, 2, 8) }, hybrid)},
		{"sharpen", onMat(func(m gocv.Mat) plane { return sharpened(m, 1.5, 1.5) }, hybrid)},
		{"adaptive15", onBinary(func(m gocv.Mat) plane { return thresholdedLocal(m, 15, 4) })},
		{"adaptive31", onBinary(func(m gocv.Mat) plane { return thresholdedLocal(m, 31, 4) })},
		{"up2", onMat(func(m gocv.Mat) plane { return scaled(m, 2) }, hybrid)},
		{"down2", onMat(func(m gocv.Mat) plane { return scaled(m, 0.5) }, hybrid)},
		{"recover", func(_ *Decoder, f *frame) (string, error) {
			return recovered(gozxing.NewHybridBinarizer(newLuminance(f.raw)))
		}},
		{"recover-up2", onMatRecover(func(m gocv.Mat) plane { return scaled(m, 2) })},
		{"wechat", func(d *Decoder, f *frame) (string, error) {
			if d.wechat == nil {
				return "", ErrNotFound
			}
			return d.wechat.decode(f.raw)
		}},
	}
}

// order is the production cascade, by decodes per millisecond on the
// generated frames of `palmctl qr bench --attempts`: gozxing's pieces
// used patiently first (it also reads a code with a finder under a
// finger), WeChat next (strong everywhere, but slow when it fails), then
// the re-imaged frames for what is left.
var order = []string{"recover", "wechat", "global", "up2", "adaptive31", "recover-up2", "hybrid", "sharpen", "clahe", "down2", "adaptive15"}

// cascade is the production order of attempts.
func cascade(withWeChat bool) []step {
	byName := map[string]step{}
	for _, s := range allSteps() {
		byName[s.name] = s
	}
	var out []step
	for _, n := range order {
		if n == "wechat" && !withWeChat {
			continue
		}
		out = append(out, byName[n])
	}
	return out
}

// Attempts names every attempt, for benchmarks and `palmctl qr bench`.
func Attempts() []string {
	var names []string
	for _, s := range allSteps() {
		names = append(names, s.name)
	}
	return names
}
