// Package speakersim is the simulated speaker: it records every sound it
// is asked to play, with the time, for the simulator's page and tests.
package speakersim

import (
	"sync"
	"time"

	"github.com/palmd/palmd/drivers/speaker"
)

// Played is one sound and when it was asked for.
type Played struct {
	speaker.Sound
	At time.Time `json:"at"`
}

// Speaker records sounds; the zero value is ready.
type Speaker struct {
	mu     sync.Mutex
	played []Played
}

const keep = 64

// Play records s.
func (s *Speaker) Play(snd speaker.Sound) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.played = append(s.played, Played{Sound: snd, At: time.Now()})
	if len(s.played) > keep {
		s.played = s.played[len(s.played)-keep:]
	}
}

// History is the sounds played, oldest first.
func (s *Speaker) History() []Played {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Played(nil), s.played...)
}
