package osdp

import "testing"

func TestCRC16(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want uint16
	}{
		// Check value of CRC-16/AUG-CCITT (poly 0x1021, init 0x1D0F) from
		// Greg Cook's "Catalogue of parametrised CRC algorithms" (reveng).
		{"catalogue check", []byte("123456789"), 0xE5CC},
		{"empty is init", nil, 0x1D0F},
		// Joe Geluso's "CRC16-CCITT" reference table (init 0x1D0F column).
		{"single byte", []byte("A"), 0x9479},
	}
	for _, tt := range tests {
		if got := CRC16(tt.in); got != tt.want {
			t.Errorf("%s: CRC16 = %#04x, want %#04x", tt.name, got, tt.want)
		}
	}
}

func TestCRC16MatchesBitwise(t *testing.T) {
	bitwise := func(b []byte) uint16 {
		c := uint16(0x1D0F)
		for _, x := range b {
			c ^= uint16(x) << 8
			for range 8 {
				if c&0x8000 != 0 {
					c = c<<1 ^ 0x1021
				} else {
					c <<= 1
				}
			}
		}
		return c
	}
	buf := make([]byte, 300)
	for i := range buf {
		buf[i] = byte(i*7 + 3)
		if got, want := CRC16(buf[:i]), bitwise(buf[:i]); got != want {
			t.Fatalf("len %d: table %#04x, bitwise %#04x", i, got, want)
		}
	}
}

func TestChecksum(t *testing.T) {
	tests := []struct {
		in   []byte
		want byte
	}{
		{nil, 0x00},
		{[]byte{0x01}, 0xFF},
		{[]byte{0x53, 0x00, 0x07, 0x00, 0x00, 0x60}, 0x46}, // sum 0xBA
		{[]byte{0xFF, 0xFF}, 0x02},
	}
	for _, tt := range tests {
		got := Checksum(tt.in)
		if got != tt.want {
			t.Errorf("Checksum(% X) = %#02x, want %#02x", tt.in, got, tt.want)
		}
		var sum byte
		for _, b := range append(tt.in, got) {
			sum += b
		}
		if sum != 0 {
			t.Errorf("sum with checksum = %#02x, want 0", sum)
		}
	}
}
