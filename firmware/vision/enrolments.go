package vision

import (
	"image"

	"github.com/palmd/palmd/biometric/enroll"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/recognize"
)

// Enrolments is the enrollment desk's Enroller: biometric/enroll sessions
// on the recogniser's own filter bank and gallery, with duplicates judged
// below Duplicate (a distance). Duplicate should be looser than
// identification's threshold: a missed duplicate gives one palm two
// badges for good, a false one only sends the person to security.
type Enrolments struct {
	Reader    *recognize.Reader
	Duplicate float64
}

var _ Enroller = Enrolments{}

// Session implements Enroller.
func (e Enrolments) Session(en Enrolment) EnrolSession {
	return e.Reader.Enrol(enroll.Config{Captures: en.Captures, MaxAttempts: en.MaxAttempts, Threshold: e.Duplicate}, en.Self)
}

// Locate implements Enroller.
func (e Enrolments) Locate(img *image.Gray) (palm.Observation, error) { return e.Reader.Locate(img) }
