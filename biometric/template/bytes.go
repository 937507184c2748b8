package template

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// The stored form of a version 5 code, Compact: "PT", the form, Planes,
// then the mask, then each valid cell's 3-bit code, row by row, low bit
// first, padded with zeros to a byte, then the enrolment's outline if
// there is one. An invalid cell's code is never compared and the coarse
// code is rebuilt from the cells (Summarise), so neither is stored: an
// enrolment capture's valid cells (451 of 1,024 in median) take about
// 300 bytes, which keeps a hand of three captures with their outlines
// under 2 KiB (enroll's TestHandFitsTwoKiB).
//
// The form names the code's version as well as its layout. Forms 4 (every
// cell's planes, the mask and the coarse code), 5 (form 4 and an outline)
// and 6 (this layout) held version 4's codes, which version 5 codes
// differently: they are refused as another version (ErrVersion), and
// their people enrol again (firmware/people), rather than compared at a
// threshold measured for another code.
const (
	Compact = 7

	header    = 4
	maskBytes = Rows * 4
)

// MarshalBinary encodes the template in the compact form.
func (t *Template) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, header+maskBytes+codeBytes(t.Valid())+len(t.Outline))
	b = append(b, 'P', 'T', Compact, Planes)
	for _, row := range t.Mask {
		b = binary.LittleEndian.AppendUint32(b, row)
	}
	var acc uint32 // bits not yet written, low first
	var n uint
	for r := range Rows {
		for m := t.Mask[r]; m != 0; m &= m - 1 {
			c := bits.TrailingZeros32(m)
			for p := range Planes {
				acc |= (t.Code[p][r] >> c & 1) << n
				n++
			}
			for ; n >= 8; n -= 8 {
				b = append(b, byte(acc))
				acc >>= 8
			}
		}
	}
	if n > 0 {
		b = append(b, byte(acc))
	}
	return append(b, t.Outline...), nil
}

// codeBytes is the compact form's size of the codes of n valid cells.
func codeBytes(n int) int { return (Planes*n + 7) / 8 }

// UnmarshalBinary decodes a template in the stored form, refusing other
// versions, sizes, and cells that hold no orientation. The outline's
// bytes are taken as they are: palm reads them.
func (t *Template) UnmarshalBinary(b []byte) error {
	if len(b) < header || b[0] != 'P' || b[1] != 'T' {
		return ErrFormat
	}
	if b[2] != Compact {
		return fmt.Errorf("%w: form %d, this reader codes version %d (form %d)", ErrVersion, b[2], Version, Compact)
	}
	if b[3] != Planes {
		return fmt.Errorf("%w: %d planes", ErrFormat, b[3])
	}
	var v Template
	outline, err := v.readCompact(b[header:])
	if err != nil {
		return err
	}
	if err := v.checkCells(); err != nil {
		return err
	}
	v.Summarise()
	if len(outline) > 0 {
		v.Outline = append([]byte(nil), outline...)
	}
	*t = v
	return nil
}

// readCompact reads the stored form after its header and returns the
// outline's bytes.
func (v *Template) readCompact(b []byte) (outline []byte, err error) {
	if len(b) < maskBytes {
		return nil, fmt.Errorf("%w: %d bytes, the mask takes %d", ErrFormat, len(b), maskBytes)
	}
	for r := range Rows {
		v.Mask[r], b = binary.LittleEndian.Uint32(b), b[4:]
	}
	size := codeBytes(v.Valid())
	if len(b) < size {
		return nil, fmt.Errorf("%w: %d valid cells take %d bytes of code, %d left", ErrFormat, v.Valid(), size, len(b))
	}
	code := b[:size]
	var acc uint64 // bits read and not yet used, low first
	var n, next int
	for r := range Rows {
		for m := v.Mask[r]; m != 0; m &= m - 1 {
			if n < Planes {
				for ; n <= 56 && next < size; n += 8 {
					acc |= uint64(code[next]) << n
					next++
				}
			}
			c := bits.TrailingZeros32(m)
			for p := range Planes {
				v.Code[p][r] |= uint32(acc>>p&1) << c
			}
			acc >>= Planes
			n -= Planes
		}
	}
	if acc != 0 {
		return nil, fmt.Errorf("%w: padding after the code is not zero", ErrFormat)
	}
	return b[size:], nil
}

// checkCells refuses a valid cell whose planes are none of the
// orientations' codes.
func (v *Template) checkCells() error {
	for r := range Rows {
		// The two 3-bit values gray leaves out, 010 and 101, are the
		// ones whose middle bit differs from both of the others.
		mid := v.Code[1][r]
		odd := (mid ^ v.Code[0][r]) & (mid ^ v.Code[2][r]) & v.Mask[r]
		if odd != 0 {
			return fmt.Errorf("%w: cell (%d, %d) holds no orientation", ErrFormat, r, bits.TrailingZeros32(odd))
		}
	}
	return nil
}
