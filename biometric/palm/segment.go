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
// blob, joined with the parts a thin dark line cut off it, filled in a
// mask and returns its outline. The caller closes mask.
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
	best, area := largest(contours)
	if best < 0 || area <= minHandArea*float64(src.Rows()*src.Cols()) {
		return mask, nil, false
	}
	outline := contours.At(best).ToPoints()
	fill(&mask, outline)
	if parts := detachedParts(contours, best, mask); len(parts) > 0 {
		outline = joinParts(&mask, parts)
	}
	return mask, outline, true
}

// largest is the index and area of the largest of contours, -1 if none.
func largest(contours gocv.PointsVector) (int, float64) {
	best, bestArea := -1, 0.0
	for i := range contours.Size() {
		if a := gocv.ContourArea(contours.At(i)); best < 0 || a > bestArea {
			best, bestArea = i, a
		}
	}
	return best, bestArea
}

// fill draws the inside of outline on m.
func fill(m *gocv.Mat, outlines ...[]image.Point) {
	pv := gocv.NewPointsVectorFromPoints(outlines)
	defer pv.Close()
	gocv.FillPoly(m, pv, white)
}

// bridgeSize is the diameter, in pixels, of the gap over which a part
// the threshold cut off is joined again to the hand. A thin dark line
// across the fingers' bases (a ring, a deep crease, a shadow) leaves
// the fingers out of the hand's blob, and the palm frame would then be
// placed from the thumb's valley alone.
const bridgeSize = 13

// minPartArea is the smallest blob, as a fraction of the frame, that is
// joined to the hand: a small hand's finger, not a speck of noise.
const minPartArea = 0.002

// detachedParts returns the outlines of the blobs other than the hand's
// (contours[hand], filled in mask) that lie within bridgeSize of it.
// Most frames have none, and pay for no more than the bounding boxes.
func detachedParts(contours gocv.PointsVector, hand int, mask gocv.Mat) [][]image.Point {
	minArea := minPartArea * float64(mask.Rows()*mask.Cols())
	reach := gocv.BoundingRect(contours.At(hand)).Inset(-bridgeSize)
	var candidates [][]image.Point
	for i := range contours.Size() {
		c := contours.At(i)
		if i != hand && gocv.BoundingRect(c).Overlaps(reach) && gocv.ContourArea(c) >= minArea {
			candidates = append(candidates, c.ToPoints())
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	near := dilated(mask)
	defer near.Close()
	var parts [][]image.Point
	for _, c := range candidates {
		if closeTo(c, near) {
			parts = append(parts, c)
		}
		if len(parts) > maxParts {
			return nil // clutter, not a hand cut apart
		}
	}
	return parts
}

// maxParts is the most parts joined to a hand: its fingers and thumb.
const maxParts = 5

// closeTo says whether the blob inside outline, grown by the bridge's
// radius, meets near (the hand grown by it): a gap the bridge spans.
func closeTo(outline []image.Point, near gocv.Mat) bool {
	part := gocv.NewMatWithSize(near.Rows(), near.Cols(), gocv.MatTypeCV8U)
	defer part.Close()
	fill(&part, outline)
	grown := dilated(part)
	defer grown.Close()
	gocv.BitwiseAnd(grown, near, &grown)
	return gocv.CountNonZero(grown) > 0
}

// bridge is the disc the bridge is made with; the caller closes it.
func bridge() gocv.Mat {
	return gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(bridgeSize, bridgeSize))
}

// dilated is m grown by the bridge's radius.
func dilated(m gocv.Mat) gocv.Mat {
	k := bridge()
	defer k.Close()
	out := gocv.NewMat()
	gocv.Dilate(m, &out, k)
	return out
}

// joinParts adds parts to the hand in mask, with what a closing fills
// within reach of both the hand and a part (elsewhere the hand's outline,
// its finger valleys above all, stays as the threshold drew it), and
// returns the joined outline. mask is redrawn as that outline filled.
//
// Within the bridge's radius of both sides joins a gap up to about half
// the bridge wide. A wider one (a small palm's finger crease, or a deep
// one, 8 to 13 pixels) stayed open along its edges and cut the fingers
// off: the palm frame was then placed on the thumb's valley alone and
// turned the ROI by up to 80° (31 of 1,774 captures of the held-out set
// heldout150, README "Fingers cut off by their crease"). Parts still
// apart are bridged across the gap instead (bridgeGaps); the narrow
// bridge stays first because across a thin gap that one would fill the
// fingers' valleys up too.
func joinParts(mask *gocv.Mat, parts [][]image.Point) []image.Point {
	partsMask := gocv.NewMatWithSize(mask.Rows(), mask.Cols(), gocv.MatTypeCV8U)
	defer partsMask.Close()
	fill(&partsMask, parts...)
	nearHand, nearParts := dilated(*mask), dilated(partsMask)
	defer nearHand.Close()
	defer nearParts.Close()
	union := gocv.NewMat()
	defer union.Close()
	gocv.BitwiseOr(*mask, partsMask, &union)
	bridges := closed(union)
	defer bridges.Close()
	gocv.BitwiseAnd(bridges, nearHand, &bridges)
	gocv.BitwiseAnd(bridges, nearParts, &bridges)
	gocv.BitwiseOr(union, bridges, &union)
	contours := gocv.FindContours(union, gocv.RetrievalExternal, gocv.ChainApproxNone)
	if contours.Size() > 1 {
		bridgeGaps(&union, contours)
		contours.Close()
		contours = gocv.FindContours(union, gocv.RetrievalExternal, gocv.ChainApproxNone)
	}
	defer contours.Close()
	best, _ := largest(contours) // the hand with its parts: never none
	outline := contours.At(best).ToPoints()
	mask.SetTo(gocv.NewScalar(0, 0, 0, 0))
	fill(mask, outline)
	return outline
}

// closed is m closed by the bridge: its gaps narrower than the bridge
// filled. The caller closes it.
func closed(m gocv.Mat) gocv.Mat {
	k := bridge()
	defer k.Close()
	out := gocv.NewMat()
	gocv.MorphologyEx(m, &out, gocv.MorphClose, k)
	return out
}

// bridgeGaps joins to the largest of union's blobs (outlined by
// contours) the others within the bridge's width of it, with what a
// closing fills between them (between). union is left as it was if
// OpenCV refuses a distance transform: the hand alone, as before.
//
// It works on the blobs' bounding box only, grown by the bridge and the
// distance transform's reach: every pixel a bridge can take lies within
// it, and so do the nearest hand and part pixels of each.
func bridgeGaps(union *gocv.Mat, contours gocv.PointsVector) {
	best, _ := largest(contours)
	var box image.Rectangle
	for i := range contours.Size() {
		box = box.Union(gocv.BoundingRect(contours.At(i)))
	}
	box = box.Inset(-(bridgeSize + dtMargin)).Intersect(image.Rect(0, 0, union.Cols(), union.Rows()))
	hand := gocv.NewMatWithSize(union.Rows(), union.Cols(), gocv.MatTypeCV8U)
	defer hand.Close()
	fill(&hand, contours.At(best).ToPoints())
	in, handIn := union.Region(box), hand.Region(box)
	defer in.Close()
	defer handIn.Close()
	rest := gocv.NewMat()
	defer rest.Close()
	gocv.BitwiseXor(in, handIn, &rest) // the hand is inside union
	gap, ok := between(handIn, rest)
	if !ok {
		return
	}
	defer gap.Close()
	bridges := closed(in)
	defer bridges.Close()
	gocv.BitwiseAnd(bridges, gap, &bridges)
	gocv.BitwiseOr(in, bridges, &in) // in is union's own pixels: union gains the bridges
}

// between marks the pixels on a short way from hand to parts: those
// whose distances to the two add up to at most bridgeSize+1, which every
// pixel of a straight gap bridgeSize wide has (one d from the hand lies
// bridgeSize+1−d from the part). The caller closes the mask; false if
// OpenCV refused a distance transform.
//
// Across a gap g wide, the fingers' valleys on the far side are filled
// where they lie within bridgeSize+1−g of the hand: little for the gaps
// that come here, which the narrow bridge did not join.
func between(hand, parts gocv.Mat) (gocv.Mat, bool) {
	toHand, ok := distanceTo(hand)
	if !ok {
		return gocv.Mat{}, false
	}
	defer toHand.Close()
	toParts, ok := distanceTo(parts)
	if !ok {
		return gocv.Mat{}, false
	}
	defer toParts.Close()
	gocv.Add(toHand, toParts, &toHand)
	near := gocv.NewMat()
	defer near.Close()
	gocv.Threshold(toHand, &near, bridgeSize+1, 255, gocv.ThresholdBinaryInv)
	out := gocv.NewMat()
	near.ConvertTo(&out, gocv.MatTypeCV8U)
	return out, true
}

// distanceTo is each pixel's distance to the nearest non-zero pixel of
// m (5×5 chamfer, 32-bit float); the caller closes it.
func distanceTo(m gocv.Mat) (gocv.Mat, bool) {
	outside := gocv.NewMat()
	defer outside.Close()
	gocv.BitwiseNot(m, &outside)
	dt := gocv.NewMat()
	if distanceTransform(outside, &dt) != nil {
		dt.Close()
		return gocv.Mat{}, false
	}
	return dt, true
}

// palmCentre is the point deepest inside the hand and its depth.
//
// The distance transform is most of what locating a hand costs, so it
// runs on the outline's bounding box only, with a margin of two
// background pixels where the frame has them. That is the whole frame's
// answer exactly: every path from inside the box to a background pixel
// beyond it crosses the margin, which is background, and the 5×5
// chamfer's longest step is two pixels (TestPalmCentreOnTheBox).
func palmCentre(mask gocv.Mat, outline []image.Point) (image.Point, float64) {
	box := outlineBox(outline).Inset(-dtMargin).Intersect(image.Rect(0, 0, mask.Cols(), mask.Rows()))
	region := mask.Region(box)
	defer region.Close()
	at, depth := deepest(region)
	return at.Add(box.Min), depth
}

// dtMargin is the background kept around the hand for the distance
// transform: the reach of its 5×5 mask.
const dtMargin = 2

// outlineBox is the smallest rectangle holding every point of outline.
func outlineBox(outline []image.Point) image.Rectangle {
	if len(outline) == 0 {
		return image.Rectangle{}
	}
	r := image.Rectangle{Min: outline[0], Max: outline[0].Add(image.Pt(1, 1))}
	for _, p := range outline[1:] {
		r = r.Union(image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
	}
	return r
}

// deepest is the point of mask farthest from its background, and how far.
func deepest(mask gocv.Mat) (image.Point, float64) {
	dt := gocv.NewMat()
	defer dt.Close()
	if distanceTransform(mask, &dt) != nil {
		return image.Point{}, 0 // as for a mask without a hand: too small to use
	}
	_, maxVal, _, maxLoc := gocv.MinMaxLoc(dt)
	return maxLoc, float64(maxVal)
}

// fingerValleys returns the deepest points of the outline's convexity
// defects that lie within reach of the palm: the gaps between fingers.
func fingerValleys(outline []image.Point, centre image.Point, radius float64) []image.Point {
	var valleys []image.Point
	for _, d := range convexityDefects(outline) {
		p := outline[d.at]
		if d.depth > 0.35*radius && dist(p, centre) < 2.2*radius {
			valleys = append(valleys, p)
		}
	}
	return valleys
}

type defect struct {
	at    int     // index of the outline point deepest in the defect
	depth float64 // its distance from the hull edge, pixels
}

// convexityDefects finds, between each pair of neighbouring hull points,
// the outline point farthest from the hull edge. OpenCV's
// ConvexityDefects aborts the process (an uncatchable C++ exception)
// when a hull's indices are not monotonous, which a self-touching
// outline gives; here they are sorted, and the walk is over the outline's
// points (a few thousand), not the frame's pixels.
func convexityDefects(outline []image.Point) []defect {
	pv := gocv.NewPointVectorFromPoints(outline)
	defer pv.Close()
	hull := gocv.NewMat()
	defer hull.Close()
	gocv.ConvexHull(pv, &hull, false, false)
	idx := make([]int, 0, hull.Rows())
	for i := range hull.Rows() {
		idx = append(idx, int(hull.GetIntAt(i, 0)))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	n := len(outline)
	var out []defect
	for i := range idx {
		a, b := idx[i], idx[(i+1)%len(idx)]
		if b <= a {
			b += n
		}
		pa, pb := outline[a], outline[b%n]
		ex, ey := float64(pb.X-pa.X), float64(pb.Y-pa.Y)
		l := math.Hypot(ex, ey)
		if l == 0 || b-a < 2 {
			continue
		}
		best := defect{at: -1}
		for j := a + 1; j < b; j++ {
			p := outline[j%n]
			d := math.Abs(ex*float64(p.Y-pa.Y)-ey*float64(p.X-pa.X)) / l
			if d > best.depth {
				best = defect{at: j % n, depth: d}
			}
		}
		if best.at >= 0 {
			out = append(out, best)
		}
	}
	return out
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
// ordered across the hand; one is enough for palmFrame, which takes the
// rotation from the hand's axis. The side of the centre with more valleys is
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
	return g, len(g) >= 1
}

// handFrame is the palm's coordinate frame: u runs across the hand,
// square to its axis, n from the finger valleys towards the palm, and
// origin is the point level with the valleys straight up the hand from
// the palm centre.
type handFrame struct {
	a, c      image.Point // the outermost finger valleys found
	u, n      [2]float64
	origin    [2]float64
	valleyGap float64 // distance from the valleys' level to the palm centre
	valleys   int     // how many valleys placed it
}

// closedGap is how far, in palm radii, a valley may lie beyond the
// lowest of its group along the hand's axis. Fingers held together touch
// above their bases, which moves the outline's deepest point between
// them up the fingers: such a valley says nothing of where the fingers
// start, and would raise the level the ROI is cut below.
const closedGap = 0.3

// palmFrame builds the frame from the finger valleys and the hand's
// axis. The axis gives the rotation, the valleys the level of the finger
// bases, and the palm centre the position across the hand, which does not
// depend on which of the valleys showed. Valleys pushed up the fingers by
// a closed gap are left out of the level.
//
// The rotation used to come from the line through the valleys when it
// lay within 20° of the axis. That line is fitted to two to four points
// a finger's width or less apart, and which of them show changes with
// the fingers' spread: on the held-out population 98 of 1,080 captures
// turned their ROI 6° or more on the hand from the same hand's enrolment
// ROI, 30 with the axis (palmctl synth --registration; README, "Cut the
// ROI").
func palmFrame(group []image.Point, centre image.Point, radius float64, axis [2]float64) handFrame {
	along := func(p image.Point) float64 {
		return float64(p.X-centre.X)*axis[0] + float64(p.Y-centre.Y)*axis[1]
	}
	// Orient the axis towards the fingers: the valleys lie that way.
	if along(group[0]) < 0 {
		axis = [2]float64{-axis[0], -axis[1]}
	}
	low := along(group[0])
	for _, p := range group {
		low = min(low, along(p))
	}
	var kept []image.Point
	for _, p := range group {
		if along(p) <= low+closedGap*radius {
			kept = append(kept, p)
		}
	}
	return frameFrom(kept, centre, axis[1], -axis[0])
}

// frameFrom places the frame with rows along (ux, uy) through the mean of
// the valleys, n turned towards the palm centre.
func frameFrom(valleys []image.Point, centre image.Point, ux, uy float64) handFrame {
	var mx, my float64
	for _, p := range valleys {
		mx, my = mx+float64(p.X), my+float64(p.Y)
	}
	mx, my = mx/float64(len(valleys)), my/float64(len(valleys))
	nx, ny := -uy, ux
	px, py := float64(centre.X)-mx, float64(centre.Y)-my
	if px*nx+py*ny < 0 { // keep n towards the palm, so u has one handedness
		ux, uy, nx, ny = -ux, -uy, -nx, -ny
	}
	a, c := valleys[0], valleys[len(valleys)-1]
	if float64(c.X-a.X)*ux+float64(c.Y-a.Y)*uy < 0 {
		a, c = c, a
	}
	along := px*ux + py*uy
	return handFrame{
		a: a, c: c,
		u: [2]float64{ux, uy}, n: [2]float64{nx, ny},
		origin:    [2]float64{mx + along*ux, my + along*uy},
		valleyGap: px*nx + py*ny,
		valleys:   len(valleys),
	}
}

var black = color.RGBA{}
