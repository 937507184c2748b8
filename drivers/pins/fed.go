package pins

import (
	"context"
	"sync"
)

// FedQueue bounds the edges queued for a slow reader of fed Lines, like
// the kernel's event buffer; later edges are dropped and counted.
const FedQueue = 1024

// NewFedLines returns Lines whose edges come from push rather than from the
// kernel: a simulator's pins, or any source that calls back on each edge.
// push never blocks (callbacks of a pin simulator must not); stop runs once
// on Close, to cancel the source.
func NewFedLines(names []string, stop func() error) (l *Lines, push func(LineEvent), err error) {
	if err := checkNames(names); err != nil {
		return nil, nil, err
	}
	q := &edgeQueue{ready: make(chan struct{}, 1)}
	return newLines(names, q.run, stop), q.push, nil
}

// edgeQueue carries pushed edges to the goroutine in Run.
type edgeQueue struct {
	mu      sync.Mutex
	events  []LineEvent
	dropped int
	ready   chan struct{}
}

func (q *edgeQueue) push(e LineEvent) {
	q.mu.Lock()
	if len(q.events) >= FedQueue {
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
