package palm

import (
	"errors"
	"fmt"
	"image"
	"math"

	"gocv.io/x/gocv"
)

// ROI geometry relative to the palm radius R: the square starts 0.15 R
// below the finger valleys, centred across the hand on the palm centre,
// and is 1.4 R wide, about the largest square that stays on the palm.
// R is the hand's own scale: unlike the span between valleys it does not
// change with finger spread or with which valleys showed.
const (
	roiGap  = 0.15
	roiSide = 1.4
)

// cutROI warps the square of the palm frame f to ROISize, normalises its
// contrast over the hand, and zeroes what is not hand.
func cutROI(src, mask gocv.Mat, f handFrame, radius float64) (*image.Gray, Placement, error) {
	side := roiSide * radius
	mx := f.origin[0] + f.n[0]*roiGap*radius
	my := f.origin[1] + f.n[1]*roiGap*radius
	place := Placement{X: mx + f.n[0]*side/2, Y: my + f.n[1]*side/2, Side: side, Angle: math.Atan2(f.u[1], f.u[0])}
	corner := func(s, t float64) gocv.Point2f {
		return gocv.Point2f{
			X: float32(mx + f.u[0]*s*side + f.n[0]*t*side),
			Y: float32(my + f.u[1]*s*side + f.n[1]*t*side),
		}
	}
	from := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{corner(-0.5, 0), corner(0.5, 0), corner(-0.5, 1)})
	defer from.Close()
	to := gocv.NewPoint2fVectorFromPoints([]gocv.Point2f{{X: 0, Y: 0}, {X: ROISize - 1, Y: 0}, {X: 0, Y: ROISize - 1}})
	defer to.Close()
	m := gocv.GetAffineTransform2f(from, to)
	defer m.Close()
	size := image.Pt(ROISize, ROISize)
	roi, roiMask := gocv.NewMat(), gocv.NewMat()
	defer roi.Close()
	defer roiMask.Close()
	gocv.WarpAffineWithParams(src, &roi, m, size, gocv.InterpolationLinear, gocv.BorderConstant, black)
	gocv.WarpAffineWithParams(mask, &roiMask, m, size, gocv.InterpolationNearestNeighbor, gocv.BorderConstant, black)
	g, err := normalise(roi, roiMask)
	return g, place, err
}

// normalise maps the hand's pixels to mean 128 and standard deviation 40,
// and zeroes the rest.
func normalise(roi, mask gocv.Mat) (*image.Gray, error) {
	g, err := grayOf(roi)
	if err != nil {
		return nil, fmt.Errorf("palm: the ROI: %w", err)
	}
	mg, err := grayOf(mask)
	if err != nil {
		return nil, fmt.Errorf("palm: the ROI's mask: %w", err)
	}
	return g, NormaliseROI(g, mg)
}

// NormaliseROI maps the pixels of an ROISize² image g where mask is not
// zero (the hand) to mean 128 and standard deviation 40, never 0, and
// zeroes the others, in place: the contrast every ROI is coded at.
func NormaliseROI(g, mask *image.Gray) error {
	if len(g.Pix) != len(mask.Pix) {
		return errors.New("palm: ROI and mask differ in size")
	}
	var sum, sq, n float64
	for i, v := range g.Pix {
		if mask.Pix[i] != 0 {
			f := float64(v)
			sum, sq, n = sum+f, sq+f*f, n+1
		}
	}
	if n < ROISize*ROISize/4 {
		return errors.New("palm: ROI is mostly outside the hand")
	}
	mean := sum / n
	std := math.Max(math.Sqrt(sq/n-mean*mean), 1)
	for i, v := range g.Pix {
		if mask.Pix[i] == 0 {
			g.Pix[i] = 0
			continue
		}
		g.Pix[i] = uint8(math.Max(1, math.Min(255, 128+(float64(v)-mean)/std*40)))
	}
	return nil
}

// Frame is the frame point ROI pixel (i, j) was cut from (column i, row
// j, 0 … ROISize−1): the inverse of cutROI's warp, rows along Angle.
func (p Placement) Frame(i, j float64) (x, y float64) {
	s, t := i/(ROISize-1)-0.5, j/(ROISize-1)-0.5
	ca, sa := math.Cos(p.Angle), math.Sin(p.Angle)
	return p.X + (ca*s-sa*t)*p.Side, p.Y + (sa*s+ca*t)*p.Side
}

// CutAt cuts an ROI whose pixel (i, j) shows frame point at(i, j), by
// bilinear interpolation, where mask (ROISize², non-zero on the hand)
// is set, and normalises it as Locate does. It serves warps Locate does
// not know, such as a generator's ground truth; at(i, j) = p.Frame(i, j)
// cuts what Locate cut at placement p.
func CutAt(frame, mask *image.Gray, at func(i, j int) (x, y float64)) (*image.Gray, error) {
	g := image.NewGray(image.Rect(0, 0, ROISize, ROISize))
	for j := range ROISize {
		for i := range ROISize {
			if mask.Pix[j*mask.Stride+i] != 0 {
				x, y := at(i, j)
				g.Pix[j*g.Stride+i] = bilinear(frame, x, y)
			}
		}
	}
	return g, NormaliseROI(g, mask)
}

// bilinear reads frame at (x, y), 0 outside it.
func bilinear(frame *image.Gray, x, y float64) uint8 {
	b := frame.Bounds()
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < b.Min.X || y0 < b.Min.Y || x0+1 >= b.Max.X || y0+1 >= b.Max.Y {
		return 0
	}
	fx, fy := x-float64(x0), y-float64(y0)
	p := func(x, y int) float64 { return float64(frame.GrayAt(x, y).Y) }
	v := (1-fy)*((1-fx)*p(x0, y0)+fx*p(x0+1, y0)) + fy*((1-fx)*p(x0, y0+1)+fx*p(x0+1, y0+1))
	return uint8(math.Round(v))
}
