package speakersim

import (
	"fmt"
	"testing"

	"github.com/palmd/palmd/drivers/speaker"
)

// TestHistoryKeepsTheLatest: the history is in order and bounded, the
// newest kept.
func TestHistoryKeepsTheLatest(t *testing.T) {
	var s Speaker
	for i := range keep + 3 {
		s.Play(speaker.Sound{Name: fmt.Sprint(i)})
	}
	h := s.History()
	if len(h) != keep || h[0].Name != "3" || h[len(h)-1].Name != fmt.Sprint(keep+2) {
		t.Fatalf("%d sounds, from %s to %s", len(h), h[0].Name, h[len(h)-1].Name)
	}
}
