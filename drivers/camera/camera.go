// Package camera delivers near-infrared frames as 8-bit grayscale images:
// from a V4L2 device through OpenCV's VideoCapture, from a replay of a
// directory of images or a video file, or from the simulator, which is
// shown images from outside.
//
// Frames leave as *image.Gray copied out of OpenCV's memory: the Mats a
// source reads into are its own, reused frame after frame and closed by
// Close, so no caller can leak one. A frame's pixels are not to be
// modified: a source may hand the same image out more than once.
package camera

import (
	"context"
	"errors"
	"image"
	"time"
)

// Frame is one picture.
type Frame struct {
	Image *image.Gray
	At    time.Time
	Seq   uint64
}

// Source is a camera. Next blocks until the next frame or until ctx ends;
// a finite source returns io.EOF after its last frame. Sources are not
// safe for concurrent use.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Close() error
}

// ErrClosed is returned by Next after Close.
var ErrClosed = errors.New("camera: closed")
