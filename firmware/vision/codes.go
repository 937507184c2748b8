package vision

import (
	"image"
	"time"

	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/firmware/qr"
)

var _ Recogniser = (*recognize.Reader)(nil)

// Codes reads activation codes with firmware/qr's cascade, spread over
// consecutive frames.
type Codes struct {
	dec     *qr.Decoder
	scanner *qr.Scanner
}

var _ CodeReader = (*Codes)(nil)

// codeBudget is the decoding time a frame gets: a few frames' worth, so
// the cascade's slower attempts run on some frames rather than none.
const codeBudget = 60 * time.Millisecond

// NewCodes returns a code reader; Close releases the decoder.
func NewCodes() (*Codes, error) {
	dec, err := qr.NewDecoder(qr.Config{})
	if err != nil {
		return nil, err
	}
	return &Codes{dec: dec, scanner: qr.NewScanner(dec, codeBudget)}, nil
}

// Scan implements CodeReader.
func (c *Codes) Scan(img *image.Gray) (string, error) {
	r, err := c.scanner.Scan(img)
	if err != nil {
		return "", err
	}
	return r.Payload, nil
}

// Close releases the OpenCV decoder.
func (c *Codes) Close() error { return c.dec.Close() }
