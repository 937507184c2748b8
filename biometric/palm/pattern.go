package palm

import (
	"encoding/binary"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// Presentation attacks with a photo of a palm (printed, or on a screen)
// carry the pattern that reproduced it: halftone dots or a screen's
// pixel grid, a few camera pixels apart, strongly modulated. Skin has no
// such regular pattern at that scale, and the optics blur what little
// fine texture it has. The check looks at the palm's raw pixels (not the
// resampled ROI, whose interpolation would smear the pattern) for the
// strongest single frequency with a period of patternMinPeriod to
// patternMaxPeriod pixels, and measures its modulation: its amplitude
// over the mean grey level.
const (
	patternSide      = 64
	patternMinPeriod = 2.0
	patternMaxPeriod = 4.5
	// MaxPatternModulation is the largest modulation of a fine regular
	// pattern a palm may show; prints and screens show 0.2 and more.
	MaxPatternModulation = 0.08
)

// MaxSpeckle is the largest coefficient of variation of the grey levels
// in the square inscribed in the palm's disc: skin lit by the reader
// varies by 15 % or less there (lines are narrow), while a speckled scene
// that happens to segment like a hand varies by half.
const MaxSpeckle = 0.3

// speckle is that coefficient of variation; 0 when the square leaves
// the frame.
func speckle(src gocv.Mat, centre image.Point, radius float64) float64 {
	half := int(radius * 0.7)
	r := image.Rect(centre.X-half, centre.Y-half, centre.X+half+1, centre.Y+half+1)
	if half < 2 || !r.In(image.Rect(0, 0, src.Cols(), src.Rows())) {
		return 0
	}
	crop := src.Region(r)
	defer crop.Close()
	mean, sd := gocv.NewMat(), gocv.NewMat()
	defer mean.Close()
	defer sd.Close()
	gocv.MeanStdDev(crop, &mean, &sd)
	m := mean.GetDoubleAt(0, 0)
	if m < 1 {
		return 0
	}
	return sd.GetDoubleAt(0, 0) / m
}

// patternModulation returns the modulation of the strongest fine
// periodic pattern in a square at the palm centre; 0 when the square
// does not fit in the frame.
func patternModulation(src gocv.Mat, centre image.Point) float64 {
	half := patternSide / 2
	r := image.Rect(centre.X-half, centre.Y-half, centre.X+half, centre.Y+half)
	if !r.In(image.Rect(0, 0, src.Cols(), src.Rows())) {
		return 0
	}
	crop := src.Region(r)
	defer crop.Close()
	f := gocv.NewMat()
	defer f.Close()
	crop.ConvertTo(&f, gocv.MatTypeCV32F)
	v, err := f.DataPtrFloat32()
	if err != nil {
		return 0
	}
	windowed, mean := hann(v)
	if mean < 1 {
		return 0
	}
	in, err := gocv.NewMatFromBytes(patternSide, patternSide, gocv.MatTypeCV32F, float32Bytes(windowed))
	if err != nil {
		return 0
	}
	defer in.Close()
	spec := gocv.NewMat()
	defer spec.Close()
	gocv.DFT(in, &spec, gocv.DftComplexOutput)
	parts := gocv.Split(spec)
	defer func() {
		for i := range parts {
			parts[i].Close()
		}
	}()
	mag := gocv.NewMat()
	defer mag.Close()
	gocv.Magnitude(parts[0], parts[1], &mag)
	m, err := mag.DataPtrFloat32()
	if err != nil {
		return 0
	}
	// A sinusoid of amplitude a under the Hann window peaks at a·N²/8.
	return 8 * bandPeak(m) / (patternSide * patternSide) / mean
}

// hann removes the mean of a patternSide² square and applies a Hann
// window, so the square's edges do not leak into every frequency.
func hann(v []float32) ([]float32, float64) {
	var sum float64
	for _, x := range v {
		sum += float64(x)
	}
	mean := sum / float64(len(v))
	out := make([]float32, len(v))
	for y := range patternSide {
		wy := 0.5 - 0.5*math.Cos(2*math.Pi*float64(y)/float64(patternSide-1))
		for x := range patternSide {
			wx := 0.5 - 0.5*math.Cos(2*math.Pi*float64(x)/float64(patternSide-1))
			i := y*patternSide + x
			out[i] = float32((float64(v[i]) - mean) * wx * wy)
		}
	}
	return out, mean
}

// bandPeak is the largest magnitude at periods between patternMinPeriod
// and patternMaxPeriod pixels.
func bandPeak(mag []float32) float64 {
	lo, hi := patternSide/patternMaxPeriod, patternSide/patternMinPeriod
	best := 0.0
	for ky := range patternSide {
		fy := float64(min(ky, patternSide-ky))
		for kx := range patternSide {
			fx := float64(min(kx, patternSide-kx))
			if k := math.Hypot(fx, fy); k >= lo && k <= hi {
				best = max(best, float64(mag[ky*patternSide+kx]))
			}
		}
	}
	return best
}

// float32Bytes lays out v as the native little-endian floats OpenCV reads.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}
