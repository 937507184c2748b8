package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"gocv.io/x/gocv"
)

// DeviceConfig sets up a V4L2 camera. Zero values leave the driver's
// defaults.
type DeviceConfig struct {
	Path          string  // "/dev/video0"
	Width, Height int     // pixels
	FPS           float64 // frames per second
	Exposure      float64 // driver units; 0 keeps auto exposure
}

// capture reads frames from an OpenCV VideoCapture (a device or a file).
type capture struct {
	vc        *gocv.VideoCapture
	raw, gray gocv.Mat
	seq       uint64
	closed    bool
}

// OpenDevice opens a V4L2 camera.
func OpenDevice(cfg DeviceConfig) (Source, error) {
	vc, err := gocv.VideoCaptureFileWithAPI(cfg.Path, gocv.VideoCaptureV4L2)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", cfg.Path, err)
	}
	if !vc.IsOpened() {
		vc.Close()
		return nil, fmt.Errorf("camera: open %s: not a V4L2 capture device", cfg.Path)
	}
	set := func(p gocv.VideoCaptureProperties, v float64) {
		if v != 0 {
			vc.Set(p, v)
		}
	}
	set(gocv.VideoCaptureFrameWidth, float64(cfg.Width))
	set(gocv.VideoCaptureFrameHeight, float64(cfg.Height))
	set(gocv.VideoCaptureFPS, cfg.FPS)
	if cfg.Exposure != 0 {
		vc.Set(gocv.VideoCaptureAutoExposure, 1) // V4L2: manual
		vc.Set(gocv.VideoCaptureExposure, cfg.Exposure)
	}
	return newCapture(vc), nil
}

func newCapture(vc *gocv.VideoCapture) *capture {
	return &capture{vc: vc, raw: gocv.NewMat(), gray: gocv.NewMat()}
}

// errEnd is what Read's false means for a file: no more frames.
var errEnd = errors.New("camera: end of stream")

// Next reads one frame. A device that stops delivering returns an error;
// a file at its end returns errEnd (Replay turns it into io.EOF).
func (c *capture) Next(ctx context.Context) (Frame, error) {
	if c.closed {
		return Frame{}, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if !c.vc.Read(&c.raw) || c.raw.Empty() {
		return Frame{}, errEnd
	}
	img, err := c.toGray()
	if err != nil {
		return Frame{}, err
	}
	c.seq++
	return Frame{Image: img, At: time.Now(), Seq: c.seq}, nil
}

// toGray converts the raw frame and copies it out of OpenCV's memory.
func (c *capture) toGray() (*image.Gray, error) {
	src := c.raw
	if c.raw.Channels() == 3 {
		gocv.CvtColor(c.raw, &c.gray, gocv.ColorBGRToGray)
		src = c.gray
	}
	return matToGray(src)
}

// matToGray copies an 8-bit single-channel Mat into a new image.
func matToGray(m gocv.Mat) (*image.Gray, error) {
	if m.Type() != gocv.MatTypeCV8U {
		return nil, fmt.Errorf("camera: frame type %v, want 8-bit grey", m.Type())
	}
	if !m.IsContinuous() {
		c := m.Clone()
		defer c.Close()
		m = c
	}
	b, err := m.DataPtrUint8()
	if err != nil {
		return nil, fmt.Errorf("camera: %w", err)
	}
	img := image.NewGray(image.Rect(0, 0, m.Cols(), m.Rows()))
	copy(img.Pix, b)
	return img, nil
}

// Close releases the device and the frame buffers.
func (c *capture) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	c.raw.Close()
	c.gray.Close()
	return c.vc.Close()
}
