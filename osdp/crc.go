package osdp

// crcTable is the CRC-16/AUG-CCITT table (poly 0x1021, not reflected).
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC16 returns the OSDP message CRC: CRC-16/AUG-CCITT (poly 0x1021,
// init 0x1D0F, no reflection, no final xor). It is sent little-endian.
func CRC16(b []byte) uint16 {
	c := uint16(0x1D0F)
	for _, x := range b {
		c = c<<8 ^ crcTable[byte(c>>8)^x]
	}
	return c
}
