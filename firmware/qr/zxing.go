package qr

import (
	"errors"
	"fmt"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// binarizerKind chooses how gozxing turns luminance into black and white.
type binarizerKind int

const (
	hybrid binarizerKind = iota // local 8×8-block thresholds
	global                      // one histogram threshold per row / image
)

// zxHints ask gozxing for QR codes only, and to search every row.
func zxHints() map[gozxing.DecodeHintType]interface{} {
	return map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER:       true,
		gozxing.DecodeHintType_POSSIBLE_FORMATS: []gozxing.BarcodeFormat{gozxing.BarcodeFormat_QR_CODE},
	}
}

// zxLuminance decodes a grayscale plane with gozxing.
func zxLuminance(p plane, kind binarizerKind) (string, error) {
	src := newLuminance(p)
	var b gozxing.Binarizer
	switch kind {
	case global:
		b = gozxing.NewGlobalHistgramBinarizer(src)
	default:
		b = gozxing.NewHybridBinarizer(src)
	}
	return zxDecode(b)
}

// zxBinary decodes a plane that is already thresholded (0 is black).
func zxBinary(bin plane) (string, error) {
	b, err := newThresholded(bin)
	if err != nil {
		return "", err
	}
	return zxDecode(b)
}

// zxDecode runs gozxing's QR reader. gozxing is a port of Java code that
// indexes arrays with coordinates computed from the image; a panic in it is
// a failed attempt, not a crash of the reader.
func zxDecode(b gozxing.Binarizer) (payload string, err error) {
	defer func() {
		if r := recover(); r != nil {
			payload, err = "", fmt.Errorf("%w: gozxing panicked: %v", ErrNotFound, r)
		}
	}()
	if b.GetWidth() < 21 || b.GetHeight() < 21 {
		return "", ErrNotFound
	}
	bmp, err := gozxing.NewBinaryBitmap(b)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, zxHints())
	if err != nil {
		return "", failed(err)
	}
	return res.GetText(), nil
}

// failed wraps a gozxing decoding error: ErrNotFound, and ErrUnreadable
// when gozxing got as far as a symbol's data. A checksum error comes only
// after three finder patterns, a sampled grid and format information
// that passed its own error correction; a format error does not count,
// for the finder patterns of one are found in foliage, skin and noise.
func failed(err error) error {
	var ce gozxing.ChecksumException
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: %w: %v", ErrNotFound, ErrUnreadable, err)
	}
	return fmt.Errorf("%w: %v", ErrNotFound, err)
}
