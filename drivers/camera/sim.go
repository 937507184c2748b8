package camera

import (
	"context"
	"errors"
	"image"
	"sync"
	"time"
)

// ErrUnplugged is returned by a simulated camera that was unplugged: by
// Open while it is out, and by Next on a source opened before.
var ErrUnplugged = errors.New("camera: device unplugged")

// Sim is the simulator's camera device: it films whatever it is shown (a
// palm, a phone with a QR code) at a fixed frame rate, and an empty dark
// scene when nothing is in front of it. Like a USB camera it can be
// unplugged and plugged back, and must then be opened again.
type Sim struct {
	mu      sync.Mutex
	scene   *image.Gray
	blank   *image.Gray
	period  time.Duration
	plugged bool
	plugs   uint64 // counts plug-ins, so a source opened before an unplug stays dead
}

// NewSim returns a plugged-in camera of width×height at fps frames per
// second.
func NewSim(width, height int, fps float64) *Sim {
	blank := image.NewGray(image.Rect(0, 0, width, height))
	for i := range blank.Pix {
		blank.Pix[i] = 8 // the illuminator lights nothing far away
	}
	return &Sim{blank: blank, period: time.Duration(float64(time.Second) / fps), plugged: true}
}

// Show puts a copy of img in front of the camera until the next Show; nil
// clears it.
func (s *Sim) Show(img *image.Gray) {
	if img != nil {
		img = copyGray(img)
	}
	s.mu.Lock()
	s.scene = img
	s.mu.Unlock()
}

// Unplug pulls the camera out: open sources fail and Open fails until
// Plug.
func (s *Sim) Unplug() {
	s.mu.Lock()
	s.plugged = false
	s.mu.Unlock()
}

// Plug puts the camera back; it must be opened again.
func (s *Sim) Plug() {
	s.mu.Lock()
	if !s.plugged {
		s.plugged = true
		s.plugs++
	}
	s.mu.Unlock()
}

// Plugged reports whether the camera is in.
func (s *Sim) Plugged() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plugged
}

// Open starts filming, as opening the device node does.
func (s *Sim) Open() (Source, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.plugged {
		return nil, ErrUnplugged
	}
	return &simSource{dev: s, plug: s.plugs}, nil
}

// simSource is one opening of the simulated camera.
type simSource struct {
	dev    *Sim
	plug   uint64
	last   time.Time
	seq    uint64
	closed bool
}

// Next returns the scene at the camera's frame rate. The scene is never
// changed once shown (Show replaces it), so frames share it instead of
// copying 300 kB thirty times a second; like every Source's frames, they
// are not to be modified.
func (c *simSource) Next(ctx context.Context) (Frame, error) {
	if c.closed {
		return Frame{}, ErrClosed
	}
	select {
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	case <-time.After(time.Until(c.last.Add(c.dev.period))):
	}
	s := c.dev
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.plugged || s.plugs != c.plug {
		return Frame{}, ErrUnplugged
	}
	src := s.scene
	if src == nil {
		src = s.blank
	}
	c.last = time.Now()
	c.seq++
	return Frame{Image: src, At: c.last, Seq: c.seq}, nil
}

// copyGray copies an image row by row: image/draw has no fast path for a
// grey destination and would cost a per-pixel call for every pixel.
func copyGray(src *image.Gray) *image.Gray {
	b := src.Bounds()
	img := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		off := src.PixOffset(b.Min.X, b.Min.Y+y)
		copy(img.Pix[y*img.Stride:], src.Pix[off:off+b.Dx()])
	}
	return img
}

// Close ends this opening; the device stays.
func (c *simSource) Close() error {
	c.closed = true
	return nil
}

var _ Source = (*simSource)(nil)
