package match

import (
	"errors"
	"testing"
)

func TestDistance(t *testing.T) {
	all := []uint64{^uint64(0)}
	tests := []struct {
		name      string
		a, b, m   []uint64
		want      float64
		wantValid int
	}{
		{"equal", []uint64{0xF0}, []uint64{0xF0}, all, 0, 64},
		{"all differ", []uint64{0}, []uint64{^uint64(0)}, all, 1, 64},
		{"half masked", []uint64{0x0F}, []uint64{0x00}, []uint64{0xFF}, 0.5, 8},
		{"none valid", []uint64{1}, []uint64{0}, []uint64{0}, 1, 0},
	}
	for _, tc := range tests {
		d, v, err := Distance(tc.a, tc.m, tc.b, tc.m)
		if err != nil || d != tc.want || v != tc.wantValid {
			t.Errorf("%s: got %v,%d,%v want %v,%d", tc.name, d, v, err, tc.want, tc.wantValid)
		}
	}
	if _, _, err := Distance([]uint64{1}, all, nil, nil); !errors.Is(err, ErrLength) {
		t.Errorf("length mismatch: err %v", err)
	}
}
