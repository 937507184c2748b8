package pins

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
)

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

func fedLines(t *testing.T, names ...string) (*Lines, func(LineEvent), *bool) {
	t.Helper()
	stopped := new(bool)
	l, push, err := NewFedLines(names, func() error { *stopped = true; return nil })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, push, stopped
}

// Edges queue from NewFedLines on and arrive in the order they were
// pushed, with their timestamps, on the index of their line.
func TestFedLinesDeliverInOrder(t *testing.T) {
	l, push, _ := fedLines(t, "D0", "D1")
	start := time.Unix(1_700_000_000, 0)
	var pushed []LineEvent
	for i, d := range []struct {
		line  int
		level gpio.Level
	}{{0, gpio.Low}, {0, gpio.High}, {1, gpio.Low}, {1, gpio.High}} {
		e := LineEvent{Line: d.line, Level: d.level, At: start.Add(time.Duration(i) * 50 * time.Microsecond)}
		pushed = append(pushed, e)
		push(e)
	}
	for i, e := range collect(t, l, len(pushed)) {
		if e != pushed[i] {
			t.Errorf("event %d: %+v, want %+v", i, e, pushed[i])
		}
	}
}

func TestFedLinesOverflowIsCounted(t *testing.T) {
	l, push, _ := fedLines(t, "D0")
	const extra = 6
	for i := range FedQueue + extra { // nobody reading
		push(LineEvent{Level: gpio.Level(i%2 == 1)})
	}
	got := collect(t, l, FedQueue)
	if got[0].Level != gpio.Low || got[FedQueue-1].Dropped != 0 {
		t.Fatalf("first %+v, last %+v", got[0], got[FedQueue-1])
	}
	push(LineEvent{Level: gpio.High})
	if next := collect(t, l, 1)[0]; next.Dropped != extra {
		t.Fatalf("edge after overflow: Dropped %d, want %d", next.Dropped, extra)
	}
}

func TestLinesEndWithContextOrClose(t *testing.T) {
	l, push, stopped := fedLines(t, "D0", "D1")
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
	if !*stopped {
		t.Fatal("Close did not stop the source")
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	push(LineEvent{Level: gpio.Low}) // must not block or panic
	if err := l.Run(context.Background(), func(LineEvent) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run on closed lines: %v", err)
	}
}

func TestFedLinesRejectNames(t *testing.T) {
	many := make([]string, maxLines+1)
	for i := range many {
		many[i] = fmt.Sprint("L", i)
	}
	for _, tt := range []struct {
		names []string
		want  string
	}{
		{nil, "want 1 to 64"},
		{many, "want 1 to 64"},
		{[]string{"D0", "D0"}, "named twice"},
	} {
		_, _, err := NewFedLines(tt.names, func() error { return nil })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%d names: %v, want an error containing %q", len(tt.names), err, tt.want)
		}
	}
}
