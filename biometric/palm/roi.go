package palm

import (
	"errors"
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
// keeping 0 for "not hand" (features masks those cells).
func normalise(roi, mask gocv.Mat) (*image.Gray, error) {
	img, err := roi.ToImage()
	if err != nil {
		return nil, err
	}
	g, ok := img.(*image.Gray)
	if !ok {
		return nil, errors.New("palm: ROI is not grey")
	}
	m, err := mask.ToImage()
	if err != nil {
		return nil, err
	}
	mg := m.(*image.Gray)
	var sum, sq, n float64
	for i, v := range g.Pix {
		if mg.Pix[i] != 0 {
			f := float64(v)
			sum, sq, n = sum+f, sq+f*f, n+1
		}
	}
	if n < ROISize*ROISize/4 {
		return nil, errors.New("palm: ROI is mostly outside the hand")
	}
	mean := sum / n
	std := math.Max(math.Sqrt(sq/n-mean*mean), 1)
	for i, v := range g.Pix {
		if mg.Pix[i] == 0 {
			g.Pix[i] = 0
			continue
		}
		g.Pix[i] = uint8(math.Max(1, math.Min(255, 128+(float64(v)-mean)/std*40)))
	}
	return g, nil
}
