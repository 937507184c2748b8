package features

import (
	"encoding/binary"
	"image/color"
	"math"
)

var color0 = color.RGBA{}

// float32Bytes lays out v as the native little-endian floats OpenCV reads.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}
