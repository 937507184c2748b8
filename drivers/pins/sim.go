package pins

import (
	"context"
	"fmt"
	"sync"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
)

// simQueue bounds the edges queued for a slow reader, like the kernel's
// event buffer; later edges are dropped and counted.
const simQueue = 1024

// Sim is the simulator's board with the methods of Board: ByName from the
// embedded pinsim.Board, and WatchLines.
type Sim struct {
	*pinsim.Board
}

// WatchLines captures the edges of the named simulated lines. It watches
// without taking the lines (a simulated wire can be watched from both ends),
// so pull is ignored and the lines keep their direction.
func (s Sim) WatchLines(names []string, pull gpio.Pull) (*Lines, error) {
	if err := checkNames(names); err != nil {
		return nil, err
	}
	sims := make([]*pinsim.Pin, len(names))
	for i, n := range names {
		if sims[i] = s.Sim(n); sims[i] == nil {
			return nil, fmt.Errorf("pins: watch: no simulated line named %q", n)
		}
	}
	q := &edgeQueue{ready: make(chan struct{}, 1)}
	cancels := make([]func(), len(sims))
	for i, p := range sims {
		cancels[i] = p.Watch(func(e pinsim.Edge) {
			q.push(LineEvent{Line: i, Level: e.Level, At: e.At})
		})
	}
	stop := func() error {
		for _, c := range cancels {
			c()
		}
		return nil
	}
	return newLines(names, q.run, stop), nil
}

// edgeQueue carries edges from pinsim's watch callbacks, which must not
// block, to the goroutine in Run.
type edgeQueue struct {
	mu      sync.Mutex
	events  []LineEvent
	dropped int
	ready   chan struct{}
}

func (q *edgeQueue) push(e LineEvent) {
	q.mu.Lock()
	if len(q.events) >= simQueue {
		q.dropped++
		q.mu.Unlock()
		return
	}
	e.Dropped, q.dropped = q.dropped, 0
	q.events = append(q.events, e)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default: // already signalled
	}
}

func (q *edgeQueue) take() []LineEvent {
	q.mu.Lock()
	defer q.mu.Unlock()
	batch := q.events
	q.events = nil
	return batch
}

func (q *edgeQueue) run(ctx context.Context, done <-chan struct{}, fn func(LineEvent)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			return ErrClosed
		case <-q.ready:
			for _, e := range q.take() {
				fn(e)
			}
		}
	}
}
