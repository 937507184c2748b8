package pins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
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

// collect runs l until want events arrived or 5 s passed.
func collect(t *testing.T, l *Lines, want int) []LineEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got []LineEvent
	err := l.Run(ctx, func(e LineEvent) {
		if got = append(got, e); len(got) == want {
			cancel()
		}
	})
	if len(got) != want {
		t.Fatalf("got %d events (%v), want %d", len(got), err, want)
	}
	return got
}

func simLines(t *testing.T, names ...string) (*Lines, *pinsim.Board) {
	t.Helper()
	b := pinsim.NewBoard(names...)
	for _, n := range names {
		b.Sim(n).Set(gpio.High) // Wiegand lines idle High
	}
	l, err := Sim{b}.WatchLines(names, gpio.PullUp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, b
}

// Edges queue from WatchLines on and arrive in the order they happened,
// each with the simulator's timestamp, on the index of its line.
func TestSimWatchLinesDeliversInOrder(t *testing.T) {
	l, b := simLines(t, "D0", "D1")
	clk := &stepClock{now: time.Unix(1_700_000_000, 0), step: 50 * time.Microsecond}
	b.Sim("D0").Clock, b.Sim("D1").Clock = clk.read, clk.read
	// Bits 0, 1, 1: a Low pulse on D0, then two on D1.
	drive := []struct {
		line  int
		level gpio.Level
	}{{0, gpio.Low}, {0, gpio.High}, {1, gpio.Low}, {1, gpio.High}, {1, gpio.Low}, {1, gpio.High}}
	for _, d := range drive {
		b.Sim(l.Names()[d.line]).Set(d.level)
	}
	got := collect(t, l, len(drive))
	start := time.Unix(1_700_000_000, 0)
	for i, e := range got {
		want := LineEvent{Line: drive[i].line, Level: drive[i].level, At: start.Add(time.Duration(i+1) * clk.step)}
		if e.Line != want.Line || e.Level != want.Level || !e.At.Equal(want.At) || e.Dropped != 0 {
			t.Errorf("event %d: %+v, want %+v", i, e, want)
		}
	}
}

func TestSimWatchLinesOverflowIsCounted(t *testing.T) {
	l, b := simLines(t, "D0", "D1")
	d0 := b.Sim("D0")
	const extra = 6
	for i := range simQueue + extra { // nobody reading
		d0.Set(gpio.Level(i%2 == 1))
	}
	got := collect(t, l, simQueue)
	if got[0].Level != gpio.Low || got[simQueue-1].Dropped != 0 {
		t.Fatalf("first %+v, last %+v", got[0], got[simQueue-1])
	}
	d0.Set(!d0.Read())
	next := collect(t, l, 1)[0]
	if next.Dropped != extra {
		t.Fatalf("edge after overflow: Dropped %d, want %d", next.Dropped, extra)
	}
}

func TestLinesEndWithContextOrClose(t *testing.T) {
	l, b := simLines(t, "D0", "D1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx, func(LineEvent) {}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run(context.Background(), func(LineEvent) {}) }()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v, want ErrClosed", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	b.Sim("D0").Set(gpio.Low) // the watch is cancelled: must not block or panic
	if err := l.Run(context.Background(), func(LineEvent) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run on closed lines: %v", err)
	}
}

func TestWatchLinesRejects(t *testing.T) {
	many := make([]string, maxLines+1)
	for i := range many {
		many[i] = fmt.Sprint("L", i)
	}
	sim := Sim{pinsim.NewBoard(append([]string{"D0", "D1"}, many...)...)}
	tests := []struct {
		names []string
		want  string
	}{
		{nil, "want 1 to 64"},
		{many, "want 1 to 64"},
		{[]string{"D0", "D0"}, "named twice"},
		{[]string{"D0", "NOPE"}, `no simulated line named "NOPE"`},
	}
	for _, tt := range tests {
		_, err := sim.WatchLines(tt.names, gpio.PullNoChange)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%d names: %v, want an error containing %q", len(tt.names), err, tt.want)
		}
	}
}

func TestSimByName(t *testing.T) {
	sim := Sim{pinsim.NewBoard("RELAY")}
	if p, err := sim.ByName("RELAY"); err != nil || p.Name() != "RELAY" {
		t.Fatalf("ByName: %v, %v", p, err)
	}
}
