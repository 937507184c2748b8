package palm

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"
)

// A palm tilted towards the camera is seen in perspective: its near side
// larger than its far side. Locate places the palm frame on the outline
// as seen, so on a tilted hand the ROI lands off the enrolled patch,
// scaled and keystoned, by more than a probe's rotations and shifts
// absorb; the comparison then fails on a palm it would match. Nothing in
// one frame tells the tilt reliably (a hand's own proportions vary more
// than a tilt changes them), so the tilts' second look rectifies the
// frame for a few tilts and locates the palm again in each: one of them
// is nearer the enrolled hand's plane, and the comparison keeps the
// closest. The reader took it until registering the hand's outline onto
// the enrolment's (Outline.Register) measured better against the
// impostor tables; palmctl eval --look tilts still measures it.
//
// Tilts are those planes: the change of scale across one ROI side, along
// the frame's x and y axes about the palm centre (0.1: the far side seen
// 10 % smaller than the near one; by geometry, roughly a 12° tilt of a
// palm 10 cm from the camera whose ROI is 4.5 cm across). Two along each axis measured nearly as well
// as every combination of three steps on both axes, at half the cost
// (README, "Tilted palms").
var Tilts = [][2]float64{{-tiltStep, 0}, {tiltStep, 0}, {0, -tiltStep}, {0, tiltStep}}

const tiltStep = 0.1

// Rectified returns the ROI of frame rectified for tilt (one of Tilts)
// about the palm obs located in it (obs must hold an ROI): the palm frame
// placed again on the rectified hand and cut from it. The ROI is nil
// where the rectified hand shows no finger valley or its ROI leaves the
// hand. One tilt at a time, so that a reader can stop at the first that
// matches. It needs no Locator: the frame's hints are obs's, and a
// second look must not count as a frame for the motion check.
func Rectified(frame *image.Gray, obs Observation, tilt [2]float64) (*image.Gray, error) {
	if obs.ROI == nil {
		return nil, fmt.Errorf("palm: rectifying a frame without a located palm")
	}
	src, err := gocv.ImageGrayToMatGray(frame)
	if err != nil {
		return nil, fmt.Errorf("palm: %w", err)
	}
	defer src.Close()
	return rectifiedROI(src, obs, tilt), nil
}

// rectifiedROI warps src so that the palm plane tilted by g looks flat,
// locates the palm in it and cuts its ROI; nil when that fails.
func rectifiedROI(src gocv.Mat, obs Observation, g [2]float64) *image.Gray {
	m := tiltMap(obs.Centre, obs.Place.Side, g)
	defer m.Close()
	flat := gocv.NewMat()
	defer flat.Close()
	gocv.WarpPerspectiveWithParams(src, &flat, m, image.Pt(src.Cols(), src.Rows()),
		gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, black)
	mask, contour, ok := segment(flat)
	defer mask.Close()
	if !ok {
		return nil
	}
	centre, radius := palmCentre(mask, contour)
	f, found := placeFrame(mask, contour, centre, radius)
	if !found {
		return nil
	}
	roi, _, err := cutROI(flat, mask, f, radius)
	if err != nil {
		return nil
	}
	return roi
}

// tiltMap is the homography taking a pixel p of the rectified frame to
// the frame point it shows, c + (p−c)/(1 + g·(p−c)/side): the scale at
// a point grows by g per side of distance from the centre c, which is
// how a plane tilted towards the camera is seen (the centre stays put).
func tiltMap(c image.Point, side float64, g [2]float64) gocv.Mat {
	cx, cy := float64(c.X), float64(c.Y)
	a, b := g[0]/side, g[1]/side
	k := a*cx + b*cy
	h := [3][3]float64{
		{1 + cx*a, cx * b, -cx * k},
		{cy * a, 1 + cy*b, -cy * k},
		{a, b, 1 - k},
	}
	m := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	for r := range 3 {
		for col := range 3 {
			m.SetDoubleAt(r, col, h[r][col])
		}
	}
	return m
}
