package badge

import (
	"context"
	"io"
	"sync"
)

// serveEvents decodes a keyboard wedge's event stream into reads until
// ctx ends (src is then closed, which ends a blocked read) or the stream
// fails.
func serveEvents(ctx context.Context, src io.ReadCloser, reads chan<- Read) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-ctx.Done():
			_ = src.Close()
		case <-done:
		}
	})
	defer func() {
		close(done)
		wg.Wait()
	}()
	var d WedgeDecoder
	err := ReadEvents(src, func(ev InputEvent) bool {
		r, ok := d.Feed(ev)
		if !ok {
			return true
		}
		select {
		case reads <- r:
			return true
		case <-ctx.Done():
			return false
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Events is a keyboard wedge whose event stream comes from elsewhere: the
// simulator's, or a recording. It is the Wedge without the device.
type Events struct{ Src io.ReadCloser }

// Run implements Scanner; it closes Src when it returns.
func (e Events) Run(ctx context.Context, reads chan<- Read) error {
	defer e.Src.Close()
	return serveEvents(ctx, e.Src, reads)
}

var _ Scanner = Events{}
