package template

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Stored forms of a version 4 code. Every form starts "PT", the form,
// then Planes.
//
//   - Version (4): every cell's planes, the mask and the coarse code,
//     little-endian: 548 bytes.
//   - WithOutline (5): form 4 with the enrolment's outline after it.
//   - Compact (6), the one written: the mask, then each valid cell's
//     3-bit code, row by row, low bit first, padded with zeros to a
//     byte, then the outline if there is one. An invalid cell's code is
//     never compared and the coarse code is rebuilt from the cells
//     (Summarise), so neither is stored: an enrolment capture's valid
//     cells (451 of 1,024 in median) take about 300 bytes instead of
//     548, which keeps a hand of three captures with their outlines
//     under 2 KiB (enroll's TestHandFitsTwoKiB).
//
// Forms 4 and 5 are still read, so stored profiles keep working; a
// reader that knows only those refuses form 6 as another version
// (ErrVersion) instead of misreading it.
const (
	WithOutline = 5
	Compact     = 6

	header    = 4
	maskBytes = Rows * 4
	// fullSize is form 4's size.
	fullSize = header + Planes*Rows*4 + maskBytes + 4*8
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

// UnmarshalBinary decodes a template in any of the stored forms,
// refusing other versions, sizes, and cells that hold no orientation.
// The outline's bytes are taken as they are: palm reads them.
func (t *Template) UnmarshalBinary(b []byte) error {
	if len(b) < header || b[0] != 'P' || b[1] != 'T' {
		return ErrFormat
	}
	if b[2] != Version && b[2] != WithOutline && b[2] != Compact {
		return fmt.Errorf("%w: version %d, this reader codes version %d", ErrVersion, b[2], Version)
	}
	if b[3] != Planes {
		return fmt.Errorf("%w: %d planes", ErrFormat, b[3])
	}
	var v Template
	var outline []byte
	var err error
	if b[2] == Compact {
		outline, err = v.readCompact(b[header:])
	} else {
		outline, err = v.readFull(b)
	}
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

// readFull reads forms 4 and 5 and returns the outline's bytes. The
// stored coarse code is left for Summarise to rebuild, and the planes of
// invalid cells are cleared, so every form reads to the same template.
func (v *Template) readFull(b []byte) (outline []byte, err error) {
	switch {
	case len(b) < fullSize:
		return nil, fmt.Errorf("%w: %d bytes, form %d takes %d", ErrFormat, len(b), b[2], fullSize)
	case b[2] == Version && len(b) != fullSize:
		return nil, fmt.Errorf("%w: %d bytes after a form %d template", ErrFormat, len(b)-fullSize, Version)
	case b[2] == WithOutline && len(b) == fullSize:
		return nil, fmt.Errorf("%w: no outline after the code", ErrFormat)
	}
	outline = b[fullSize:]
	b = b[header:]
	for p := range Planes {
		for r := range Rows {
			v.Code[p][r], b = binary.LittleEndian.Uint32(b), b[4:]
		}
	}
	for r := range Rows {
		v.Mask[r], b = binary.LittleEndian.Uint32(b), b[4:]
	}
	for p := range Planes {
		for r := range Rows {
			v.Code[p][r] &= v.Mask[r]
		}
	}
	return outline, nil
}

// readCompact reads form 6 after its header and returns the outline's
// bytes.
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
