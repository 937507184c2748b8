package qr

import (
	"fmt"

	"github.com/makiuchi-d/gozxing"
)

// plane is a compact 8-bit grayscale image: row y starts at y*w.
type plane struct {
	pix  []byte
	w, h int
}

// luminance serves a plane to gozxing without the per-pixel colour
// conversion of gozxing's image.Image source.
type luminance struct {
	gozxing.LuminanceSourceBase
	p plane
}

var _ gozxing.LuminanceSource = (*luminance)(nil)

func newLuminance(p plane) *luminance {
	return &luminance{gozxing.LuminanceSourceBase{Width: p.w, Height: p.h}, p}
}

func (l *luminance) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= l.p.h {
		return nil, fmt.Errorf("qr: row %d outside 0..%d", y, l.p.h-1)
	}
	if len(row) < l.p.w {
		row = make([]byte, l.p.w)
	}
	copy(row, l.p.pix[y*l.p.w:(y+1)*l.p.w])
	return row, nil
}

func (l *luminance) GetMatrix() []byte { return l.p.pix }

func (l *luminance) Invert() gozxing.LuminanceSource {
	return gozxing.NewInvertedLuminanceSource(l)
}

func (l *luminance) String() string { return gozxing.LuminanceSourceString(l) }

// thresholded is a binarizer over a plane that is already black (0) and
// white (non-zero), such as the output of an OpenCV threshold.
type thresholded struct {
	src *luminance
	m   *gozxing.BitMatrix
}

var _ gozxing.Binarizer = (*thresholded)(nil)

func newThresholded(bin plane) (*thresholded, error) {
	m, err := gozxing.NewBitMatrix(bin.w, bin.h)
	if err != nil {
		return nil, fmt.Errorf("qr: bit matrix: %w", err)
	}
	for y := 0; y < bin.h; y++ {
		row := bin.pix[y*bin.w : (y+1)*bin.w]
		for x, v := range row {
			if v == 0 {
				m.Set(x, y)
			}
		}
	}
	return &thresholded{src: newLuminance(bin), m: m}, nil
}

func (t *thresholded) GetLuminanceSource() gozxing.LuminanceSource { return t.src }

func (t *thresholded) GetBlackRow(y int, row *gozxing.BitArray) (*gozxing.BitArray, error) {
	if y < 0 || y >= t.m.GetHeight() {
		return nil, fmt.Errorf("qr: row %d outside the image", y)
	}
	return t.m.GetRow(y, row), nil
}

func (t *thresholded) GetBlackMatrix() (*gozxing.BitMatrix, error) { return t.m, nil }

func (t *thresholded) CreateBinarizer(source gozxing.LuminanceSource) gozxing.Binarizer {
	return gozxing.NewHybridBinarizer(source)
}

func (t *thresholded) GetWidth() int  { return t.m.GetWidth() }
func (t *thresholded) GetHeight() int { return t.m.GetHeight() }
