package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // replayed stills
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"gocv.io/x/gocv"
)

// ReplayConfig sets up a replay.
type ReplayConfig struct {
	Path string  // a directory of .png/.jpg images (in name order) or a video file
	Loop bool    // start again at the end instead of returning io.EOF
	FPS  float64 // pace frames like a camera; 0 delivers as fast as asked
}

// replay plays back a directory or a video file.
type replay struct {
	cfg   ReplayConfig
	files []string // directory mode
	next  int
	video *capture // video mode
	seq   uint64
	last  time.Time
}

// OpenReplay opens a recorded source.
func OpenReplay(cfg ReplayConfig) (Source, error) {
	fi, err := os.Stat(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("camera: replay: %w", err)
	}
	r := &replay{cfg: cfg}
	if fi.IsDir() {
		if r.files, err = imageFiles(cfg.Path); err != nil {
			return nil, err
		}
		return r, nil
	}
	if r.video, err = openVideo(cfg.Path); err != nil {
		return nil, err
	}
	return r, nil
}

func imageFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("camera: replay: %w", err)
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg":
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("camera: replay: no .png or .jpg images in %s", dir)
	}
	slices.Sort(files)
	return files, nil
}

func openVideo(path string) (*capture, error) {
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		return nil, fmt.Errorf("camera: replay %s: %w", path, err)
	}
	if !vc.IsOpened() {
		vc.Close()
		return nil, fmt.Errorf("camera: replay %s: not a video OpenCV can read", path)
	}
	return newCapture(vc), nil
}

// Next returns the next frame, paced to FPS when set.
func (r *replay) Next(ctx context.Context) (Frame, error) {
	if err := r.pace(ctx); err != nil {
		return Frame{}, err
	}
	var img *image.Gray
	var err error
	if r.video != nil {
		img, err = r.nextVideo(ctx)
	} else {
		img, err = r.nextFile()
	}
	if err != nil {
		return Frame{}, err
	}
	r.seq++
	return Frame{Image: img, At: time.Now(), Seq: r.seq}, nil
}

func (r *replay) pace(ctx context.Context) error {
	if r.cfg.FPS <= 0 {
		return ctx.Err()
	}
	wait := time.Until(r.last.Add(time.Duration(float64(time.Second) / r.cfg.FPS)))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
	}
	r.last = time.Now()
	return nil
}

func (r *replay) nextFile() (*image.Gray, error) {
	if r.next == len(r.files) {
		if !r.cfg.Loop {
			return nil, io.EOF
		}
		r.next = 0
	}
	path := r.files[r.next]
	r.next++
	img, err := ReadGray(path)
	if err != nil {
		return nil, fmt.Errorf("camera: replay %s: %w", path, err)
	}
	return img, nil
}

func (r *replay) nextVideo(ctx context.Context) (*image.Gray, error) {
	f, err := r.video.Next(ctx)
	if errors.Is(err, errEnd) {
		if !r.cfg.Loop {
			return nil, io.EOF
		}
		r.video.vc.Set(gocv.VideoCapturePosFrames, 0)
		f, err = r.video.Next(ctx)
	}
	if err != nil {
		return nil, err
	}
	return f.Image, nil
}

// maxImageSide refuses images whose pixels would not fit a reader's
// memory before they are decoded (a PNG header can claim any size).
const maxImageSide = 8192

// ReadGray reads a PNG or JPEG file as a grey frame.
func ReadGray(path string) (*image.Gray, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a PNG or JPEG image: %w", path, err)
	}
	if cfg.Width > maxImageSide || cfg.Height > maxImageSide {
		return nil, fmt.Errorf("%s: image %d×%d is too large", path, cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g, nil
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g, nil
}

// Close releases the video, if any.
func (r *replay) Close() error {
	if r.video != nil {
		return r.video.Close()
	}
	return nil
}
