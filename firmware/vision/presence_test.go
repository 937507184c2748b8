package vision

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/palmd/palmd/biometric/palm/palmtest"
)

// noisy is an empty scene at level with sensor noise of ±amp.
func noisy(level, amp int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range img.Pix {
		img.Pix[i] = byte(max(0, min(255, level+r.IntN(2*amp+1)-amp)))
	}
	return img
}

func TestPresence(t *testing.T) {
	p := NewPresence()
	if !p.InView(noisy(8, 4, 1)) {
		t.Fatal("before it learned the empty scene, nothing may be ruled out")
	}
	p.Absorb(noisy(8, 4, 2))
	hand := palmtest.NewHand(3)
	tests := []struct {
		name string
		img  *image.Gray
		want bool
	}{
		{"sensor noise", noisy(8, 4, 3), false},
		{"a hand in the middle", hand.Render(palmtest.Centred, 1), true},
		{"a hand far off, small", hand.Render(palmtest.Pose{Deg: 20, Scale: 90, CX: 160, CY: 120}, 2), true},
		{"noise again", noisy(8, 4, 4), false},
	}
	for _, tt := range tests {
		if got := p.InView(tt.img); got != tt.want {
			t.Errorf("%s: in view %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestPresenceFollowsSlowLight: exposure creeping up a level per frame is
// absorbed as it comes; the same change at once is presence.
func TestPresenceFollowsSlowLight(t *testing.T) {
	p := NewPresence()
	p.Absorb(noisy(8, 2, 1))
	for level := 8; level <= 60; level++ {
		if p.InView(noisy(level, 2, uint64(level))) {
			t.Fatalf("a slow change of light to level %d counted as presence", level)
		}
	}
	q := NewPresence()
	q.Absorb(noisy(8, 2, 1))
	if !q.InView(noisy(60, 2, 2)) {
		t.Fatal("a sudden change of the whole scene went unseen")
	}
}

func BenchmarkPresence(b *testing.B) {
	p := NewPresence()
	img := noisy(8, 4, 1)
	p.Absorb(img)
	for b.Loop() {
		p.InView(img)
	}
}
