package template

import "math/bits"

func popcount32(x uint32) int { return bits.OnesCount32(x) }
