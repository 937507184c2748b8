// Package match compares bit-packed palm codes by masked Hamming distance.
package match

import (
	"errors"
	"math/bits"
)

// ErrLength is returned when codes and masks differ in word count.
var ErrLength = errors.New("match: code and mask lengths differ")

// Distance returns the normalised Hamming distance between codes a and b,
// counting only bits valid in both masks, and the number of valid bits.
// With no valid bit the distance is 1 (no evidence of a match).
func Distance(a, ma, b, mb []uint64) (float64, int, error) {
	if len(a) != len(b) || len(a) != len(ma) || len(b) != len(mb) {
		return 1, 0, ErrLength
	}
	diff, valid := 0, 0
	for i := range a {
		m := ma[i] & mb[i]
		valid += bits.OnesCount64(m)
		diff += bits.OnesCount64((a[i] ^ b[i]) & m)
	}
	if valid == 0 {
		return 1, 0, nil
	}
	return float64(diff) / float64(valid), valid, nil
}
