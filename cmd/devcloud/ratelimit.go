package main

import (
	"sync"
	"time"
)

// limiter is a token bucket per source address for calls that carry no
// valid credential: each source may make burst calls at once and rate a
// second after that. Credentialed calls never pass through it.
type limiter struct {
	rate, burst float64
	maxSources  int // beyond this, idle sources are forgotten

	mu      sync.Mutex
	sources map[string]*bucket
}

type bucket struct {
	tokens  float64
	last    time.Time
	refused int // calls refused since the last one let through
}

// overflowSource is the bucket new sources share while the table is full.
const overflowSource = "(many sources)"

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst, maxSources: 10000, sources: map[string]*bucket{}}
}

// allow reports whether a call from src at now may go on. It also returns
// how many calls from src were refused before this one since the last
// call let through, so that an allowed call can account for them and a
// refused one can tell whether it opens a burst of refusals (refused == 1).
func (l *limiter) allow(src string, now time.Time) (ok bool, refused int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.sources[src]
	if b == nil {
		l.forgetIdle(now)
		if len(l.sources) >= l.maxSources {
			src = overflowSource // many sources at once share one bucket
		}
		if b = l.sources[src]; b == nil {
			b = &bucket{tokens: l.burst, last: now}
			l.sources[src] = b
		}
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		b.refused++
		return false, b.refused
	}
	b.tokens--
	refused, b.refused = b.refused, 0
	return true, refused
}

// forgetIdle drops sources whose bucket has refilled, when there are too
// many to keep: they would start full anyway.
func (l *limiter) forgetIdle(now time.Time) {
	if len(l.sources) < l.maxSources {
		return
	}
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for src, b := range l.sources {
		if now.Sub(b.last) >= full {
			delete(l.sources, src)
		}
	}
}
