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
	Format        string  // FOURCC pixel format, e.g. "MJPG", "YUYV", "GREY"
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

// OpenDevice opens a V4L2 camera, asks for the configured format, size
// and rate, reads back what the driver chose and checks the first frame:
// a camera that cannot deliver what the installation asked for is an
// error at open, not a puzzle at the door.
func OpenDevice(cfg DeviceConfig) (Source, error) {
	vc, err := gocv.VideoCaptureFileWithAPI(cfg.Path, gocv.VideoCaptureV4L2)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", cfg.Path, err)
	}
	if !vc.IsOpened() {
		vc.Close()
		return nil, fmt.Errorf("camera: open %s: not a V4L2 capture device", cfg.Path)
	}
	c := newCapture(vc)
	if err := c.configure(cfg); err != nil {
		c.Close()
		return nil, fmt.Errorf("camera: open %s: %w", cfg.Path, err)
	}
	return c, nil
}

// configure sets the format before the size (V4L2 chooses the sizes a
// format offers), then checks what the driver took and the first frame.
func (c *capture) configure(cfg DeviceConfig) error {
	vc := c.vc
	if cfg.Format != "" {
		vc.Set(gocv.VideoCaptureFOURCC, vc.ToCodec(cfg.Format))
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
	if got := vc.CodecString(); cfg.Format != "" && got != cfg.Format {
		return fmt.Errorf("format %s asked, the driver gives %q", cfg.Format, got)
	}
	w, h := int(vc.Get(gocv.VideoCaptureFrameWidth)), int(vc.Get(gocv.VideoCaptureFrameHeight))
	if (cfg.Width != 0 && w != cfg.Width) || (cfg.Height != 0 && h != cfg.Height) {
		return fmt.Errorf("size %dx%d asked, the driver gives %dx%d", cfg.Width, cfg.Height, w, h)
	}
	f, err := c.Next(context.Background())
	if err != nil {
		return fmt.Errorf("first frame: %w", err)
	}
	if b := f.Image.Bounds(); (w != 0 && b.Dx() != w) || (h != 0 && b.Dy() != h) {
		return fmt.Errorf("first frame is %dx%d, the driver said %dx%d", b.Dx(), b.Dy(), w, h)
	}
	return nil
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
