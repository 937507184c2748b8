package pins

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// Errors callers branch on.
var (
	// ErrNoGPIO: this machine has no GPIO character device palmd can use.
	ErrNoGPIO = errors.New("pins: no GPIO character device (/dev/gpiochip*; needs Linux 5.10 or later)")
	// ErrClosed: the Lines were closed.
	ErrClosed = errors.New("pins: lines closed")
)

// maxLines is the most lines one kernel line request can hold
// (GPIO_V2_LINES_MAX).
const maxLines = 64

// LineEvent is one edge on a watched line.
type LineEvent struct {
	Line  int        // index of the line in the names given to WatchLines
	Level gpio.Level // the level after the edge: High for rising, Low for falling
	At    time.Time  // when the edge happened, with a monotonic reading
	// Dropped counts edges lost just before this one because the reader
	// fell behind and the queue overflowed; a Wiegand frame spanning them
	// is damaged.
	Dropped int
}

// Lines is a set of input lines whose edges are being captured. Edges are
// queued from WatchLines on, so none is missed between WatchLines and Run.
type Lines struct {
	names []string
	run   func(ctx context.Context, done <-chan struct{}, fn func(LineEvent)) error
	stop  func() error

	once     sync.Once
	done     chan struct{}
	closeErr error
}

func newLines(names []string, run func(context.Context, <-chan struct{}, func(LineEvent)) error, stop func() error) *Lines {
	return &Lines{names: append([]string(nil), names...), run: run, stop: stop, done: make(chan struct{})}
}

// Names lists the watched lines; LineEvent.Line indexes it.
func (l *Lines) Names() []string { return append([]string(nil), l.names...) }

// Run calls fn for every edge, in order, from one goroutine, until ctx ends
// (it returns ctx's error) or the Lines are closed (ErrClosed). fn should be
// quick: edges queue while it runs. Only one Run at a time.
func (l *Lines) Run(ctx context.Context, fn func(LineEvent)) error {
	select {
	case <-l.done:
		return ErrClosed
	default:
	}
	return l.run(ctx, l.done, fn)
}

// Close releases the lines; a Run in progress returns ErrClosed. Closing
// twice is not an error.
func (l *Lines) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.closeErr = l.stop()
	})
	return l.closeErr
}

// checkNames rejects a set the kernel would refuse or that makes Line
// indexes ambiguous.
func checkNames(names []string) error {
	if len(names) == 0 || len(names) > maxLines {
		return fmt.Errorf("pins: watch %d lines: want 1 to %d", len(names), maxLines)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("pins: watch: line %q named twice", n)
		}
		seen[n] = true
	}
	return nil
}
