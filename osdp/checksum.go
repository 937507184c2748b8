package osdp

// Checksum returns the OSDP 8-bit checksum: the two's complement of the
// sum of all bytes, so that the sum including the checksum is zero.
func Checksum(b []byte) byte {
	var s byte
	for _, x := range b {
		s += x
	}
	return -s
}
