package palm

import (
	"cmp"
	"image"
	"image/color"
	"math"
	"slices"

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

// handAxis is the direction of the hand's long axis (either way along
// it): the principal axis of the hand within 3 palm radii of the centre,
// which takes in the fingers and little of the forearm.
func handAxis(mask gocv.Mat, centre image.Point, radius float64) [2]float64 {
	disc := gocv.NewMatWithSize(mask.Rows(), mask.Cols(), gocv.MatTypeCV8U)
	defer disc.Close()
	gocv.Circle(&disc, centre, int(3*radius), white, -1)
	gocv.BitwiseAnd(disc, mask, &disc)
	m := gocv.Moments(disc, true)
	theta := 0.5 * math.Atan2(2*m["mu11"], m["mu20"]-m["mu02"])
	return [2]float64{math.Cos(theta), math.Sin(theta)}
}

// Where the valleys between the four fingers lie, in palm radii from the
// palm centre: beyond minValleyReach along the hand's axis, and within
// maxValleySpread across it. The thumb's valley is much nearer the
// centre along the axis (about 0.3 R), and notches at the wrist lie on
// the other side.
const (
	minValleyReach  = 0.7
	maxValleySpread = 0.85
)

// fingerGroup picks the valleys between the four fingers and returns them
// ordered across the hand. The side of the centre with more valleys is
// the fingers' (the farther side on a tie).
func fingerGroup(valleys []image.Point, centre image.Point, radius float64, axis [2]float64) ([]image.Point, bool) {
	coords := func(p image.Point) (along, across float64) {
		x, y := float64(p.X-centre.X)/radius, float64(p.Y-centre.Y)/radius
		return x*axis[0] + y*axis[1], -x*axis[1] + y*axis[0]
	}
	var side [2][]image.Point // [0]: along > 0, [1]: along < 0
	var reach [2]float64
	for _, v := range valleys {
		along, across := coords(v)
		if math.Abs(along) < minValleyReach || math.Abs(across) > maxValleySpread {
			continue
		}
		k := 0
		if along < 0 {
			k = 1
		}
		side[k] = append(side[k], v)
		reach[k] += math.Abs(along)
	}
	g := side[0]
	if len(side[1]) > len(g) || (len(side[1]) == len(g) && reach[1] > reach[0]) {
		g = side[1]
	}
	slices.SortFunc(g, func(p, q image.Point) int {
		_, a := coords(p)
		_, b := coords(q)
		return cmp.Compare(a, b)
	})
	return g, len(g) >= 2
}

// handFrame is the palm's coordinate frame: u runs along the finger valleys,
// n from them towards the palm, and origin is the point of the valley
// line level with the palm centre.
type handFrame struct {
	a, c      image.Point // the outermost finger valleys found
	u, n      [2]float64
	origin    [2]float64
	valleyGap float64 // distance from the valley line to the palm centre
}

// palmFrame builds the frame from the finger valleys. The valley line
// gives the rotation and the level of the finger bases; the palm centre
// gives the position across the hand, which does not depend on which of
// the valleys showed.
func palmFrame(group []image.Point, centre image.Point) handFrame {
	a, c := group[0], group[len(group)-1]
	ux, uy := float64(c.X-a.X), float64(c.Y-a.Y)
	l := math.Hypot(ux, uy)
	ux, uy = ux/l, uy/l
	nx, ny := -uy, ux
	px, py := float64(centre.X-a.X), float64(centre.Y-a.Y)
	if px*nx+py*ny < 0 { // keep n towards the palm, so u has one handedness
		a, c = c, a
		ux, uy, nx, ny = -ux, -uy, -nx, -ny
		px, py = float64(centre.X-a.X), float64(centre.Y-a.Y)
	}
	along := px*ux + py*uy
	return handFrame{
		a: a, c: c,
		u: [2]float64{ux, uy}, n: [2]float64{nx, ny},
		origin:    [2]float64{float64(a.X) + along*ux, float64(a.Y) + along*uy},
		valleyGap: px*nx + py*ny,
	}
}

var black = color.RGBA{}
