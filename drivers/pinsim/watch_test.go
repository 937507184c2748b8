package pinsim

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pins"
)

// stepClock is a pin clock that moves on by step at every reading.
type stepClock struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (c *stepClock) read() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(c.step)
	return c.now
}

// Edges queue from WatchLines on and arrive in the order they happened,
// each with the simulator's timestamp, on the index of its line.
func TestWatchLinesDeliversInOrder(t *testing.T) {
	b := NewBoard("D0", "D1")
	b.Sim("D0").Set(gpio.High)
	b.Sim("D1").Set(gpio.High)
	clk := &stepClock{now: time.Unix(1_700_000_000, 0), step: 50 * time.Microsecond}
	b.Sim("D0").Clock, b.Sim("D1").Clock = clk.read, clk.read
	l, err := b.WatchLines([]string{"D0", "D1"}, gpio.PullUp)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// Bits 0, 1, 1: a Low pulse on D0, then two on D1.
	drive := []struct {
		line  int
		level gpio.Level
	}{{0, gpio.Low}, {0, gpio.High}, {1, gpio.Low}, {1, gpio.High}, {1, gpio.Low}, {1, gpio.High}}
	for _, d := range drive {
		b.Sim(l.Names()[d.line]).Set(d.level)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []pins.LineEvent
	_ = l.Run(ctx, func(e pins.LineEvent) {
		if got = append(got, e); len(got) == len(drive) {
			cancel()
		}
	})
	if len(got) != len(drive) {
		t.Fatalf("got %d edges, want %d", len(got), len(drive))
	}
	start := time.Unix(1_700_000_000, 0)
	for i, e := range got {
		want := pins.LineEvent{Line: drive[i].line, Level: drive[i].level, At: start.Add(time.Duration(i+1) * clk.step)}
		if e != want {
			t.Errorf("edge %d: %+v, want %+v", i, e, want)
		}
	}
	l.Close()
	b.Sim("D0").Set(gpio.Low) // the watch is cancelled: must not block or panic
}

func TestWatchLinesRejects(t *testing.T) {
	b := NewBoard("D0", "D1")
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{[]string{"D0", "D0"}, "named twice"},
		{[]string{"D0", "NOPE"}, `no simulated line named "NOPE"`},
	} {
		if _, err := b.WatchLines(tt.names, gpio.PullNoChange); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want an error containing %q", tt.names, err, tt.want)
		}
	}
}
