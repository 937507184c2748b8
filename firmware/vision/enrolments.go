package vision

import (
	"image"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
)

// Enrolments starts biometric/enroll sessions against a gallery: the
// enrollment desk's Enroller.
type Enrolments struct {
	loc       *palm.Locator
	ext       *features.Extractor
	gallery   *gallery.Gallery
	duplicate float64
}

var _ Enroller = (*Enrolments)(nil)

// NewEnrolments checks captures for duplicates in g below duplicate (a
// distance). It should be looser than identification's threshold: a
// missed duplicate gives one palm two badges for good, a false one only
// sends the person to security. Close releases the filter bank.
func NewEnrolments(g *gallery.Gallery, duplicate float64) (*Enrolments, error) {
	ext, err := features.NewExtractor()
	if err != nil {
		return nil, err
	}
	return &Enrolments{loc: palm.NewLocator(palm.DefaultConfig), ext: ext, gallery: g, duplicate: duplicate}, nil
}

// Session implements Enroller. It runs on the pipeline worker's
// goroutine, as the recogniser does.
func (e *Enrolments) Session(en Enrolment) EnrolSession {
	cfg := enroll.Config{Captures: en.Captures, MaxAttempts: en.MaxAttempts, Threshold: e.duplicate}
	return enroll.New(cfg, e.ext, e.gallery, en.Self)
}

// Locate implements Enroller.
func (e *Enrolments) Locate(img *image.Gray) (palm.Observation, error) { return e.loc.Locate(img) }

// Close releases the OpenCV filter bank.
func (e *Enrolments) Close() error { return e.ext.Close() }
