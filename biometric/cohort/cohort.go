// Package cohort is the cohort the reader scales each probe's search by
// (match.Cohort): CohortSize templates of hands of people who are enrolled
// nowhere, shipped with the firmware, so that every reader scales a
// capture against the same sample whatever its site's gallery holds.
//
// A site's own gallery is no cohort: look-alike hands lie near each
// other, so their cohort's spread is wide, and scaling by it pulled
// their impostors together (README, "The probe's cohort").
//
// The templates are synthetic wide-population hands (biometric/synth),
// careful captures coded as enrolment codes them: no person's biometric
// data. cohort.bin is made by Generate (palmctl cohort --out
// biometric/cohort/cohort.bin) and must be made again whenever the
// pipeline's codes change: TestShippedCohortIsGenerated fails until it is.
package cohort

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/palmd/palmd/biometric/template"
)

//go:embed cohort.bin
var shipped []byte

// magic opens a cohort file: "PCOH" and the file's form.
var magic = []byte{'P', 'C', 'O', 'H', 1}

// ErrFormat is returned for bytes that are not a whole cohort file.
var ErrFormat = errors.New("cohort: not a cohort file")

var decoded = sync.OnceValues(func() ([]template.Template, error) { return Unmarshal(shipped) })

// Templates returns the shipped cohort, decoded once. The slice is
// shared: read it, do not change it.
func Templates() ([]template.Template, error) { return decoded() }

// Marshal encodes templates as a cohort file: magic, a count, then each
// template's stored form (template.Template.MarshalBinary) after its
// length.
func Marshal(ts []template.Template) ([]byte, error) {
	if len(ts) > 0xFFFF {
		return nil, fmt.Errorf("cohort: %d templates: at most 65,535", len(ts))
	}
	b := binary.LittleEndian.AppendUint16(append([]byte(nil), magic...), uint16(len(ts)))
	for i := range ts {
		t, err := ts[i].MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("cohort: template %d: %w", i, err)
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(t)))
		b = append(b, t...)
	}
	return b, nil
}

// Unmarshal decodes a cohort file, refusing truncated files, trailing
// bytes and templates of another pipeline version (template.ErrVersion).
func Unmarshal(b []byte) ([]template.Template, error) {
	if len(b) < len(magic)+2 || string(b[:len(magic)]) != string(magic) {
		return nil, ErrFormat
	}
	b = b[len(magic):]
	n := int(binary.LittleEndian.Uint16(b))
	b = b[2:]
	out := make([]template.Template, n)
	for i := range out {
		if len(b) < 2 {
			return nil, fmt.Errorf("%w: truncated at template %d of %d", ErrFormat, i, n)
		}
		size := int(binary.LittleEndian.Uint16(b))
		if len(b) < 2+size {
			return nil, fmt.Errorf("%w: truncated in template %d of %d", ErrFormat, i, n)
		}
		if err := out[i].UnmarshalBinary(b[2 : 2+size]); err != nil {
			return nil, fmt.Errorf("cohort: template %d: %w", i, err)
		}
		b = b[2+size:]
	}
	if len(b) > 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last template", ErrFormat, len(b))
	}
	return out, nil
}
