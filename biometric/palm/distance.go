package palm

// #cgo !windows pkg-config: opencv4
// #cgo CXXFLAGS: --std=c++11
// #include "distance.h"
import "C"

import (
	"errors"
	"unsafe"

	"gocv.io/x/gocv"
)

// distanceTransform is OpenCV's distance transform without labels: the
// 5×5 chamfer L2 distance of each pixel of mask to the nearest
// background pixel, into dst (32-bit float).
//
// gocv binds only the labelled transform (cv::distanceTransform with a
// labels output), and with DIST_LABEL_CCOMP that first labels the
// background's connected components; the distances are the same
// two-pass chamfer either way (TestDistanceUnlabelled). Without the
// labels it costs a fraction, and a frame's second look transforms five
// masks.
func distanceTransform(mask gocv.Mat, dst *gocv.Mat) error {
	if C.palm_distance(unsafe.Pointer(mask.Ptr()), unsafe.Pointer(dst.Ptr())) != 0 {
		return errors.New("palm: OpenCV refused the distance transform")
	}
	return nil
}
