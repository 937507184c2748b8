package palm

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
)

// An enrolment's outline is kept with its template, so that a later
// capture can be registered onto it. Only the samples before the blur
// are stored (the blur is rebuilt exactly): each row as its transitions
// between off and on the hand, each transition given as its move from
// the same transition of the row above. A hand's edges move little from
// row to row, so the moves are mostly 0 and ±1, which deflate packs
// tightly (about 160 bytes for a wide-population hand; README).
//
// The layout: "PO", the format version, the side in samples, then the
// deflated rows, each a transition count and that many moves (int8).
// The placement is not stored: an outline is registered onto without
// it, and one read back serves only as the reference of Register.

const outlineVersion = 1

// ErrOutline is returned for bytes that are not a stored outline.
var ErrOutline = errors.New("palm: not a stored outline")

// MarshalBinary stores o's samples.
func (o Outline) MarshalBinary() ([]byte, error) {
	if len(o.raw) != OutlineSide*OutlineSide {
		return nil, errors.New("palm: storing an outline that was not sampled")
	}
	var rows []byte
	var above []int
	for j := range OutlineSide {
		at := transitions(o.raw[j*OutlineSide : (j+1)*OutlineSide])
		rows = append(rows, byte(len(at)))
		for k, x := range at {
			rows = append(rows, byte(int8(x-atOr0(above, k))))
		}
		above = at
	}
	var b bytes.Buffer
	b.Write([]byte{'P', 'O', outlineVersion, OutlineSide})
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	if _, err := w.Write(rows); err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalBinary reads an outline MarshalBinary stored, refusing
// anything that does not decode to exactly one outline's rows.
func (o *Outline) UnmarshalBinary(b []byte) error {
	if len(b) < 4 || b[0] != 'P' || b[1] != 'O' {
		return ErrOutline
	}
	if b[2] != outlineVersion || b[3] != OutlineSide {
		return fmt.Errorf("%w: version %d, side %d (this reader reads version %d, side %d)", ErrOutline, b[2], b[3], outlineVersion, OutlineSide)
	}
	// The longest rows: a transition at every sample.
	const most = OutlineSide * (1 + OutlineSide)
	rows, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b[4:])), most+1))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrOutline, err)
	}
	raw := make([]byte, OutlineSide*OutlineSide)
	var above []int
	for j := range OutlineSide {
		if len(rows) == 0 || len(rows) < 1+int(rows[0]) {
			return fmt.Errorf("%w: row %d cut short", ErrOutline, j)
		}
		n := int(rows[0])
		at := make([]int, n)
		for k := range n {
			at[k] = atOr0(above, k) + int(int8(rows[1+k]))
			if at[k] < 0 || at[k] >= OutlineSide || (k > 0 && at[k] <= at[k-1]) {
				return fmt.Errorf("%w: row %d: transition %d at %d", ErrOutline, j, k, at[k])
			}
		}
		fillRow(raw[j*OutlineSide:(j+1)*OutlineSide], at)
		rows, above = rows[1+n:], at
	}
	if len(rows) != 0 {
		return fmt.Errorf("%w: %d bytes after the last row", ErrOutline, len(rows))
	}
	pix, err := blurred(raw)
	if err != nil {
		return err
	}
	*o = Outline{Pix: pix, raw: raw}
	return nil
}

// transitions lists where row changes between off and on the hand, the
// row starting off it.
func transitions(row []byte) []int {
	var at []int
	var was byte
	for i, v := range row {
		if v != was {
			at, was = append(at, i), v
		}
	}
	return at
}

// fillRow sets row on the hand between transitions at.
func fillRow(row []byte, at []int) {
	var on byte
	k := 0
	for i := range row {
		if k < len(at) && at[k] == i {
			on, k = 1-on, k+1
		}
		row[i] = on
	}
}

func atOr0(v []int, k int) int {
	if k < len(v) {
		return v[k]
	}
	return 0
}
