package palm

import (
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

var white = color.RGBA{255, 255, 255, 0}

// minForeground is the lowest Otsu split that can separate a lit hand from
// the dark beyond it; below it the scene is empty (or uniformly dark).
const minForeground = 16

// minHandArea is the smallest blob, as a fraction of the frame, that can
// be a hand.
const minHandArea = 0.02

// segment thresholds the frame (Otsu on a blurred copy), keeps the largest
// blob filled in a mask and returns its outline. The caller closes mask.
func segment(src gocv.Mat) (gocv.Mat, []image.Point, bool) {
	blur := gocv.NewMat()
	defer blur.Close()
	gocv.GaussianBlur(src, &blur, image.Pt(7, 7), 0, 0, gocv.BorderDefault)
	bin := gocv.NewMat()
	defer bin.Close()
	mask := gocv.NewMatWithSize(src.Rows(), src.Cols(), gocv.MatTypeCV8U)
	if th := gocv.Threshold(blur, &bin, 0, 255, gocv.ThresholdBinary+gocv.ThresholdOtsu); th < minForeground {
		return mask, nil, false // nothing lit: the illuminator reaches no hand
	}
	contours := gocv.FindContours(bin, gocv.RetrievalExternal, gocv.ChainApproxNone)
	defer contours.Close()
	best, bestArea := -1, minHandArea*float64(src.Rows()*src.Cols())
	for i := range contours.Size() {
		if a := gocv.ContourArea(contours.At(i)); a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 {
		return mask, nil, false
	}
	outline := contours.At(best).ToPoints()
	only := gocv.NewPointsVectorFromPoints([][]image.Point{outline})
	defer only.Close()
	gocv.FillPoly(&mask, only, white)
	return mask, outline, true
}

// palmCentre is the point deepest inside the hand and its depth.
func palmCentre(mask gocv.Mat) (image.Point, float64) {
	dt := gocv.NewMat()
	defer dt.Close()
	labels := gocv.NewMat()
	defer labels.Close()
	gocv.DistanceTransform(mask, &dt, &labels, gocv.DistL2, gocv.DistanceMask5, gocv.DistanceLabelCComp)
	_, maxVal, _, maxLoc := gocv.MinMaxLoc(dt)
	return maxLoc, float64(maxVal)
}

// fingerValleys returns the deepest points of the outline's convexity
// defects that lie within reach of the palm: the gaps between fingers.
func fingerValleys(outline []image.Point, centre image.Point, radius float64) []image.Point {
	pv := gocv.NewPointVectorFromPoints(outline)
	defer pv.Close()
	hull := gocv.NewMat()
	defer hull.Close()
	gocv.ConvexHull(pv, &hull, false, false)
	defects := gocv.NewMat()
	defer defects.Close()
	gocv.ConvexityDefects(pv, hull, &defects)
	var valleys []image.Point
	for i := range defects.Rows() {
		v := defects.GetVeciAt(i, 0)
		depth := float64(v[3]) / 256
		p := outline[v[2]]
		if depth > 0.35*radius && dist(p, centre) < 2.2*radius {
			valleys = append(valleys, p)
		}
	}
	return valleys
}

// axisFrom picks the two outer valleys of the four fingers and orders
// them so that the palm lies on the left of a→c... in image coordinates
// (y down), i.e. the same side for every hand pose.
func axisFrom(valleys []image.Point, centre image.Point) (a, c image.Point, ok bool) {
	for len(valleys) > 3 {
		valleys = dropLoneliest(valleys)
	}
	if len(valleys) < 3 {
		return a, c, false
	}
	// The outer two are the pair farthest apart.
	best := -1.0
	for i := range valleys {
		for j := i + 1; j < len(valleys); j++ {
			if d := dist(valleys[i], valleys[j]); d > best {
				best, a, c = d, valleys[i], valleys[j]
			}
		}
	}
	if cross(a, c, centre) < 0 {
		a, c = c, a
	}
	return a, c, true
}

// dropLoneliest removes the valley farthest from its nearest neighbour:
// the thumb's, or a spurious one at the wrist.
func dropLoneliest(v []image.Point) []image.Point {
	worst, worstGap := 0, -1.0
	for i := range v {
		gap := math.Inf(1)
		for j := range v {
			if i != j {
				gap = math.Min(gap, dist(v[i], v[j]))
			}
		}
		if gap > worstGap {
			worst, worstGap = i, gap
		}
	}
	return append(v[:worst:worst], v[worst+1:]...)
}

// cross is the z of (c-a)×(p-a): its sign says which side of a→c p is on.
func cross(a, c, p image.Point) float64 {
	return float64((c.X-a.X)*(p.Y-a.Y) - (c.Y-a.Y)*(p.X-a.X))
}

var black = color.RGBA{}
