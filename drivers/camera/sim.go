package camera

import (
	"context"
	"image"
	"image/draw"
	"sync"
	"time"
)

// Sim is the simulator's camera: it films whatever it is shown (a palm, a
// phone with a QR code) at a fixed frame rate, and an empty dark scene
// when nothing is in front of it.
type Sim struct {
	mu     sync.Mutex
	scene  *image.Gray
	blank  *image.Gray
	period time.Duration
	last   time.Time
	seq    uint64
	closed bool
}

// NewSim returns a camera of width×height at fps frames per second.
func NewSim(width, height int, fps float64) *Sim {
	blank := image.NewGray(image.Rect(0, 0, width, height))
	for i := range blank.Pix {
		blank.Pix[i] = 8 // the illuminator lights nothing far away
	}
	return &Sim{blank: blank, period: time.Duration(float64(time.Second) / fps)}
}

// Show puts img in front of the camera until the next Show; nil clears it.
func (s *Sim) Show(img *image.Gray) {
	s.mu.Lock()
	s.scene = img
	s.mu.Unlock()
}

// Next returns the scene at the camera's frame rate. Frames are copies,
// so a consumer may keep them.
func (s *Sim) Next(ctx context.Context) (Frame, error) {
	s.mu.Lock()
	wait := time.Until(s.last.Add(s.period))
	s.mu.Unlock()
	select {
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	case <-time.After(wait):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Frame{}, ErrClosed
	}
	src := s.scene
	if src == nil {
		src = s.blank
	}
	img := image.NewGray(src.Rect)
	draw.Draw(img, img.Rect, src, src.Rect.Min, draw.Src)
	s.last = time.Now()
	s.seq++
	return Frame{Image: img, At: s.last, Seq: s.seq}, nil
}

// Close stops the camera.
func (s *Sim) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

var _ Source = (*Sim)(nil)
