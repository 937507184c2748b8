package features

import (
	"image"
	"math"

	"gocv.io/x/gocv"
)

// Non-local means (Buades, Coll and Morel, "A non-local algorithm for
// image denoising", CVPR 2005) runs on the ROI before the filters, at a
// strength set by the ROI's own noise. A cell's code is the most
// negative of six responses, and where a crease is faint, sensor noise
// picks the winner: a dim, noisy capture then codes away from its own
// enrolment and is turned away at the door's threshold. Non-local means
// averages pixels whose neighbourhoods look alike, and a crease looks
// alike along its length, so the noise goes and the creases the filters
// are tuned for (2–5 pixels wide) stay; a blur as strong would take them
// too. A clean ROI is left nearly as it is.
//
// nlmPatch and nlmSearch are the template and search windows OpenCV
// recommends (7 and 21 pixels).
const (
	nlmPatch  = 7
	nlmSearch = 21
)

// denoised is src after non-local means at Denoise times roi's noise
// (noiseSigma), in a new Mat the caller closes; ok is false, and src is
// to be used as it is, when the extractor does not denoise or roi shows
// no noise.
func (e *Extractor) denoised(src gocv.Mat, roi *image.Gray) (den gocv.Mat, ok bool) {
	if e.Denoise <= 0 {
		return gocv.Mat{}, false
	}
	sigma := noiseSigma(roi)
	if sigma <= 0 {
		return gocv.Mat{}, false
	}
	den = gocv.NewMat()
	gocv.FastNlMeansDenoisingWithParams(src, &den, float32(e.Denoise*sigma), nlmPatch, nlmSearch)
	return den, true
}

// noiseSigma estimates the standard deviation of roi's noise by
// Immerkær's method ("Fast noise variance estimation", CVIU 1996): the
// mean absolute response to a Laplacian difference that cancels smooth
// shading and lines to first order. Only pixels whose 3×3 neighbourhood
// lies on the hand count: the ROI is black off the hand, and its edge
// would read as noise. 0 when no pixel qualifies.
func noiseSigma(roi *image.Gray) float64 {
	w, h := roi.Rect.Dx(), roi.Rect.Dy()
	at := func(x, y int) float64 { return float64(roi.Pix[y*roi.Stride+x]) }
	var sum float64
	n := 0
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			if !onHand3x3(roi, x, y) {
				continue
			}
			v := at(x-1, y-1) - 2*at(x, y-1) + at(x+1, y-1) -
				2*at(x-1, y) + 4*at(x, y) - 2*at(x+1, y) +
				at(x-1, y+1) - 2*at(x, y+1) + at(x+1, y+1)
			sum += math.Abs(v)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(math.Pi/2) * sum / (6 * float64(n))
}

// onHand3x3 says whether no pixel of the 3×3 neighbourhood of (x, y) is
// off the hand (0).
func onHand3x3(roi *image.Gray, x, y int) bool {
	for dy := -1; dy <= 1; dy++ {
		row := roi.Pix[(y+dy)*roi.Stride+x-1:]
		if row[0] == 0 || row[1] == 0 || row[2] == 0 {
			return false
		}
	}
	return true
}
