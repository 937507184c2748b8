package qr

import (
	"fmt"
	"image"

	"gocv.io/x/gocv"
)

// matOf wraps a plane in a Mat without copying: the plane must outlive the
// Mat and must not change while the Mat is in use.
func matOf(p plane) (gocv.Mat, error) {
	m, err := gocv.NewMatFromBytes(p.h, p.w, gocv.MatTypeCV8U, p.pix)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("qr: mat: %w", err)
	}
	return m, nil
}

// planeOf copies an 8-bit single-channel Mat into Go memory.
func planeOf(m gocv.Mat) plane {
	if !m.IsContinuous() {
		c := m.Clone()
		defer c.Close()
		return plane{pix: c.ToBytes(), w: c.Cols(), h: c.Rows()}
	}
	return plane{pix: m.ToBytes(), w: m.Cols(), h: m.Rows()}
}

// stretched equalises contrast locally (CLAHE), so a dim code, a code half
// under glare or a screen darker than the room spans the whole range.
func stretched(src gocv.Mat, clip float64, tiles int) plane {
	c := gocv.NewCLAHEWithParams(clip, image.Pt(tiles, tiles))
	defer c.Close()
	dst := gocv.NewMat()
	defer dst.Close()
	c.Apply(src, &dst)
	return planeOf(dst)
}

// sharpened is an unsharp mask: src + amount·(src − blur(src)). It restores
// the edge contrast lost to mild defocus and motion blur.
func sharpened(src gocv.Mat, sigma, amount float64) plane {
	blur := gocv.NewMat()
	defer blur.Close()
	gocv.GaussianBlur(src, &blur, image.Pt(0, 0), sigma, sigma, gocv.BorderReplicate)
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.AddWeighted(src, 1+amount, blur, -amount, 0, &dst)
	return planeOf(dst)
}

// thresholdedLocal is OpenCV's Gaussian adaptive threshold: each pixel
// against the weighted mean of a block around it, less c.
func thresholdedLocal(src gocv.Mat, block int, c float32) plane {
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.AdaptiveThreshold(src, &dst, 255, gocv.AdaptiveThresholdGaussian, gocv.ThresholdBinary, block|1, c)
	return planeOf(dst)
}

// scaled resizes by f: area averaging down, cubic up.
func scaled(src gocv.Mat, f float64) plane {
	interp := gocv.InterpolationCubic
	if f < 1 {
		interp = gocv.InterpolationArea
	}
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.Resize(src, &dst, image.Pt(0, 0), f, f, interp)
	return planeOf(dst)
}
