// Package ringsim is the simulated light ring: it records every pattern
// it is asked to show, with the time, for the simulator's page and tests.
package ringsim

import (
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/lightring"
)

// Shown is one pattern and when it came up.
type Shown struct {
	lightring.Pattern
	At time.Time `json:"at"`
}

// Ring records patterns; the zero value is ready.
type Ring struct {
	mu   sync.Mutex
	seen []Shown
}

// keep is how many patterns the history holds: the page shows the last
// few, a test the ones it caused.
const keep = 64

// Show records p.
func (r *Ring) Show(p lightring.Pattern) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, Shown{Pattern: p, At: time.Now()})
	if len(r.seen) > keep {
		r.seen = r.seen[len(r.seen)-keep:]
	}
}

// History is the patterns shown, oldest first.
func (r *Ring) History() []Shown {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Shown(nil), r.seen...)
}
