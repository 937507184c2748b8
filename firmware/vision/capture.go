package vision

import (
	"context"
	"log/slog"
	"time"

	"github.com/palmd/palmd/drivers/camera"
)

// Opener opens the camera: the V4L2 device, or the simulator's.
type Opener func() (camera.Source, error)

// Reopening backs off from minReopen to maxReopen.
const (
	minReopen = 500 * time.Millisecond
	maxReopen = 30 * time.Second
)

// capture reads the camera continuously and keeps only the newest frame in
// latest (a mailbox of one), so the pipeline never works on a stale frame
// however slow it is. A camera that fails is closed and opened again with
// backoff. beat is called on every turn of the loop, frame or failure.
func capture(ctx context.Context, open Opener, latest chan camera.Frame, beat func(), log *slog.Logger) {
	backoff := minReopen
	failing := false
	for ctx.Err() == nil {
		src, err := open()
		if err == nil {
			if failing {
				log.Info("camera: open again")
			}
			failing = false
			backoff = minReopen
			err = readAll(ctx, src, latest, beat)
			_ = src.Close()
		}
		beat()
		if ctx.Err() != nil {
			return
		}
		if !failing {
			log.Warn("camera: failed; reopening with backoff", "err", err)
			failing = true
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(backoff*2, maxReopen)
	}
}

// readAll reads frames until the source fails or ctx ends.
func readAll(ctx context.Context, src camera.Source, latest chan camera.Frame, beat func()) error {
	for {
		f, err := src.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		beat()
		offer(latest, f)
	}
}

// offer replaces whatever waits in the mailbox with f. Only capture sends,
// so after draining there is always room.
func offer(latest chan camera.Frame, f camera.Frame) {
	select {
	case latest <- f:
	default:
		select {
		case <-latest:
		default:
		}
		latest <- f
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
