// Package qrtest makes camera-like frames of a phone screen showing an
// activation QR code, for tests, benchmarks and `palmctl qr bench`.
//
// A Scene is drawn from a Category and a seed: everything about it (payload,
// pose, optics, lighting, occluders) is deterministic. Render then draws one
// 640×480 8-bit grayscale frame of it; the frame seed only changes the
// sensor noise and a sub-pixel hand tremor, so consecutive frames of one
// scene model a phone held still in front of the camera.
package qrtest

import (
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
)

// Category names one kind of hard frame. Every scene starts from a nominal
// pose and lighting; its category pushes one axis to the hard end.
type Category string

// The categories of the evaluation.
const (
	Clean    Category = "clean"    // nominal pose and lighting only
	Tilt     Category = "tilt"     // phone tilted 25–45° out of the image plane
	Rotation Category = "rotation" // any in-plane rotation
	Scale    Category = "scale"    // code 15–90 % of the frame height
	Defocus  Category = "defocus"  // disc blur, radius 1.2–3 px
	Motion   Category = "motion"   // linear motion blur, 3–9 px
	Dim      Category = "dim"      // gain 0.12–0.3, heavy sensor noise
	Glare    Category = "glare"    // saturated reflection over the code
	Moire    Category = "moire"    // fine sinusoidal beat over the screen
	Finger   Category = "finger"   // a finger over one corner of the code
)

// Categories lists every category in report order.
func Categories() []Category {
	return []Category{Clean, Tilt, Rotation, Scale, Defocus, Motion, Dim, Glare, Moire, Finger}
}

// ParseCategory returns the category named s.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories() {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("qrtest: unknown category %q", s)
}

// Frame size of the palm camera.
const (
	Width  = 640
	Height = 480
)

// Scene is the full description of what the camera sees.
type Scene struct {
	Category Category
	Seed     uint64
	Payload  string // ~150–250 base64url characters, like an activation token

	CodeFrac   float64 // side of the code (without quiet zone) / frame height, before tilt
	CenterX    float64 // code centre, fraction of the frame width
	CenterY    float64 // code centre, fraction of the frame height
	RotateDeg  float64 // in-plane rotation
	TiltDeg    float64 // rotation out of the image plane
	TiltAxis   float64 // direction of the tilt axis in the image plane, degrees
	FocalScale float64 // focal length / frame width (smaller = stronger perspective)

	DefocusPx   float64 // disc blur radius, frame pixels
	MotionPx    float64 // motion blur length, frame pixels
	MotionDeg   float64 // motion direction
	Gain        float64 // scene brightness multiplier
	NoiseSigma  float64 // read noise, grey levels
	ShotNoise   float64 // photon noise factor (sigma = ShotNoise*sqrt(level))
	ScreenLevel float64 // white of the screen, grey levels before gain
	InkLevel    float64 // black of the screen, grey levels before gain

	Glare  *GlareSpot       // bright reflection, nil for none
	Moire  *MoirePattern    // screen beat pattern, nil for none
	Finger *FingerOcclusion // occluding finger, nil for none
}

// GlareSpot is a saturated specular blob, placed relative to the code.
type GlareSpot struct {
	U, V     float64 // centre in code coordinates (0..1 across the code)
	Radius   float64 // fraction of the code side
	Strength float64 // grey levels added at the centre
}

// MoirePattern is a sinusoidal modulation of the screen, in frame pixels.
type MoirePattern struct {
	PeriodPx float64
	Angle    float64 // degrees
	Depth    float64 // 0..1 of the screen level
	BeatPx   float64 // period of the slow envelope
}

// FingerOcclusion covers one corner of the code.
type FingerOcclusion struct {
	Corner int     // 0 top-left, 1 top-right, 2 bottom-right, 3 bottom-left (code coordinates)
	Depth  float64 // how far the tip reaches into the code, fraction of the side
	Width  float64 // finger width, fraction of the side
	Level  float64 // skin grey level before gain
}

// NewScene draws the scene of category c from seed.
func NewScene(c Category, seed uint64) (Scene, error) {
	if _, err := ParseCategory(string(c)); err != nil {
		return Scene{}, err
	}
	h := fnv.New64a()
	h.Write([]byte(c))
	r := rand.New(rand.NewPCG(seed, h.Sum64()))
	s := nominal(r)
	s.Category, s.Seed = c, seed
	switch c {
	case Tilt:
		s.TiltDeg = uniform(r, 25, 45)
		s.FocalScale = uniform(r, 0.7, 1.1)
	case Rotation:
		s.RotateDeg = uniform(r, 0, 360)
	case Scale:
		s.CodeFrac = uniform(r, 0.15, 0.9)
	case Defocus:
		s.DefocusPx = uniform(r, 1.2, 3)
	case Motion:
		s.MotionPx = uniform(r, 3, 9)
		s.MotionDeg = uniform(r, 0, 180)
	case Dim:
		s.Gain = uniform(r, 0.12, 0.3)
		s.NoiseSigma = uniform(r, 3, 6)
		s.ShotNoise = uniform(r, 0.5, 1)
	case Glare:
		s.Glare = &GlareSpot{U: uniform(r, 0.1, 0.9), V: uniform(r, 0.1, 0.9),
			Radius: uniform(r, 0.08, 0.2), Strength: uniform(r, 150, 400)}
	case Moire:
		s.Moire = &MoirePattern{PeriodPx: uniform(r, 2.5, 6), Angle: uniform(r, 0, 180),
			Depth: uniform(r, 0.25, 0.5), BeatPx: uniform(r, 40, 120)}
	case Finger:
		s.Finger = &FingerOcclusion{Corner: r.IntN(4), Depth: uniform(r, 0.06, 0.16),
			Width: uniform(r, 0.25, 0.4), Level: uniform(r, 150, 230)}
	}
	return s, nil
}

// nominal is a phone held fairly well: mid size, small rotation and tilt,
// slight blur and noise.
func nominal(r *rand.Rand) Scene {
	return Scene{
		Payload:     token(r, 150+r.IntN(101)),
		CodeFrac:    uniform(r, 0.4, 0.7),
		CenterX:     uniform(r, 0.35, 0.65),
		CenterY:     uniform(r, 0.4, 0.6),
		RotateDeg:   uniform(r, -15, 15),
		TiltDeg:     uniform(r, 0, 15),
		TiltAxis:    uniform(r, 0, 180),
		FocalScale:  uniform(r, 0.8, 1.3),
		DefocusPx:   uniform(r, 0, 0.6),
		Gain:        uniform(r, 0.7, 1),
		NoiseSigma:  uniform(r, 1, 2.5),
		ShotNoise:   uniform(r, 0.1, 0.3),
		ScreenLevel: uniform(r, 180, 240),
		InkLevel:    uniform(r, 15, 45),
	}
}

// token is n characters of random base64url, the shape of a signed
// activation token.
func token(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func deg(d float64) float64 { return d * math.Pi / 180 }
