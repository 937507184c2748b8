package palm

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sync"

	"gocv.io/x/gocv"
)

// Locator turns frames into observations. It remembers the previous
// frame's palm to tell a still hand from a moving one; it is safe for
// concurrent use but frames should come in order.
type Locator struct {
	cfg  Config
	mu   sync.Mutex
	last *Observation
}

// NewLocator returns a locator with cfg.
func NewLocator(cfg Config) *Locator { return &Locator{cfg: cfg} }

// ErrFrame is returned for frames that cannot be processed at all.
var ErrFrame = errors.New("palm: empty frame")

// Locate finds the palm in frame and cuts its ROI when the frame is good.
func (l *Locator) Locate(frame *image.Gray) (Observation, error) {
	b := frame.Bounds()
	if b.Dx() < 64 || b.Dy() < 64 {
		return Observation{}, ErrFrame
	}
	src, err := gocv.ImageGrayToMatGray(frame)
	if err != nil {
		return Observation{}, fmt.Errorf("palm: %w", err)
	}
	defer src.Close()
	mask, contour, ok := segment(src)
	defer mask.Close()
	if !ok {
		return Observation{Hints: []Hint{HintNoHand}}, nil
	}
	obs := Observation{}
	obs.Centre, obs.Radius = palmCentre(mask, contour)
	h := float64(b.Dy())
	l.checkPose(&obs, b, h)
	f, found := placeFrame(mask, contour, obs.Centre, obs.Radius)
	if !found {
		obs.Hints = append(obs.Hints, HintFingersClosed)
	} else {
		obs.Axis = [2]image.Point{f.a, f.c}
		if h, ok := levelHint(f.valleyGap/obs.Radius, f.valleys); !ok {
			obs.Hints = append(obs.Hints, h)
		}
	}
	l.checkLight(&obs, src, mask)
	l.checkMotion(&obs, h)
	if len(obs.Hints) == 0 {
		obs.Pattern = patternModulation(src, obs.Centre)
		if obs.Pattern > MaxPatternModulation || speckle(src, obs.Centre, obs.Radius) > MaxSpeckle {
			obs.Hints = append(obs.Hints, HintNotAPalm)
			return obs, nil
		}
		roi, place, err := cutROI(src, mask, f, obs.Radius)
		if err != nil {
			// The ROI runs out of the hand or the frame: partly out of view.
			obs.Hints = append(obs.Hints, HintOffCentre)
			return obs, nil
		}
		hand, err := grayOf(mask)
		if err != nil {
			return Observation{}, fmt.Errorf("palm: the hand's mask: %w", err)
		}
		obs.ROI, obs.Place, obs.hand = roi, place, hand
	}
	return obs, nil
}

// placeFrame places the palm frame of the hand in mask (outlined by
// contour, its palm centred at centre with that radius): rotation from
// the hand's axis, level from the finger valleys. It reports false when
// no valley between fingers shows.
func placeFrame(mask gocv.Mat, contour []image.Point, centre image.Point, radius float64) (handFrame, bool) {
	axis := handAxis(mask, centre, radius)
	group, found := fingerGroup(fingerValleys(contour, centre, radius), centre, radius, axis)
	if !found {
		return handFrame{}, false
	}
	return palmFrame(group, centre, radius, axis), true
}

func (l *Locator) checkPose(obs *Observation, b image.Rectangle, h float64) {
	switch r := obs.Radius / h; {
	case r < l.cfg.MinRadius:
		obs.Hints = append(obs.Hints, HintTooFar)
	case r > l.cfg.MaxRadius:
		obs.Hints = append(obs.Hints, HintTooClose)
	}
	mid := image.Pt(b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()/2)
	if dist(obs.Centre, mid) > l.cfg.MaxOffCentre*h {
		obs.Hints = append(obs.Hints, HintOffCentre)
	}
}

// checkLight looks at the palm disc's grey levels.
func (l *Locator) checkLight(obs *Observation, src, mask gocv.Mat) {
	disc := gocv.NewMatWithSize(src.Rows(), src.Cols(), gocv.MatTypeCV8U)
	defer disc.Close()
	gocv.Circle(&disc, obs.Centre, int(obs.Radius), white, -1)
	gocv.BitwiseAnd(disc, mask, &disc)
	n := gocv.CountNonZero(disc)
	if n == 0 {
		return
	}
	mean := src.MeanWithMask(disc)
	bright := gocv.NewMat()
	defer bright.Close()
	gocv.Threshold(src, &bright, 249, 255, gocv.ThresholdBinary)
	gocv.BitwiseAnd(bright, disc, &bright)
	switch {
	case mean.Val1 < l.cfg.MinMean:
		obs.Hints = append(obs.Hints, HintTooDark)
	case float64(gocv.CountNonZero(bright))/float64(n) > l.cfg.MaxSaturate:
		obs.Hints = append(obs.Hints, HintTooBright)
	}
}

func (l *Locator) checkMotion(obs *Observation, h float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last != nil && dist(l.last.Centre, obs.Centre) > l.cfg.MoveFraction*h {
		obs.Hints = append(obs.Hints, HintMoving)
	}
	o := *obs
	l.last = &o
}

func dist(a, b image.Point) float64 { return math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)) }

// The band of the valleys' distance to the centre over palm radius for a palm
// held flat: about 1.1 on open hands; tilting the hand towards or away
// from the camera foreshortens one and not the other. Where two or more
// valleys were found the upper bound is 1.8: hands of the wide and
// held-out populations held flat (small, long-palmed, fingers flexed)
// reach 1.6 to 1.8 (18 of the held-out set's 1,800 captures, 77 of the
// wide set's 6,000), and once acquired most of them match (README, "Flat
// hands called tilted"). A lone "valley" keeps 1.6: beyond it, it is
// more likely a notch between the tips of fingers held together.
const (
	minFlatLevel      = 0.75
	maxFlatLevel      = 1.8
	maxLoneValleyFlat = 1.6
)

// levelHint says whether a palm whose valleys lie level times its radius
// from its centre, found from valleys of them, is held flat, and if not
// which hint to show.
func levelHint(level float64, valleys int) (Hint, bool) {
	switch {
	case valleys == 1 && (level < minFlatLevel || level > maxLoneValleyFlat):
		return HintFingersClosed, false
	case level < minFlatLevel || level > maxFlatLevel:
		return HintTilted, false
	}
	return "", true
}
