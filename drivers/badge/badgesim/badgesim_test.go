package badgesim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/wiegand"
)

// start runs the scanner of a simulator of kind until stop, which checks
// that Run ended without an error.
func start(t *testing.T, kind string) (sim Scanner, reads chan badge.Read, stop func()) {
	t.Helper()
	sim, sc, err := New(kind)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // a test that failed before stop
	reads = make(chan badge.Read)
	done := make(chan error, 1)
	go func() { done <- sc.Run(ctx, reads) }()
	return sim, reads, func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
	}
}

// TestSimulatedScanners: each simulated scanner's badge reaches the reader
// through the real backend (the wedge's decoder on its event stream, the
// serial backend on a kernel pty), and Run ends when asked.
func TestSimulatedScanners(t *testing.T) {
	for _, kind := range []string{"wedge", "serial"} {
		t.Run(kind, func(t *testing.T) {
			sim, reads, stop := start(t, kind)
			for _, text := range []string{"12:3456", "790000"} {
				if err := sim.Present(text); err != nil {
					t.Fatal(err)
				}
				select {
				case r := <-reads:
					if r.Text != text {
						t.Fatalf("read %q, want %q", r.Text, text)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%q never read", text)
				}
			}
			stop()
		})
	}
}

// TestSimulatedCardReaders: a card presented to the simulated OSDP reader
// (through the real serial driver and the osdp CP) or Wiegand reader
// (through the real transmitter, the simulated lines and the receiver)
// reaches the desk as its Wiegand bits; a badge too big for 26 bits comes
// as the larger card it is.
func TestSimulatedCardReaders(t *testing.T) {
	for _, kind := range []string{"osdp", "wiegand"} {
		t.Run(kind, func(t *testing.T) {
			sim, reads, stop := start(t, kind)
			for _, tc := range []struct {
				text   string
				format string
			}{{"12:3456", "h10301"}, {"12:99999", "corp1000-35"}} {
				if err := sim.Present(tc.text); err != nil {
					t.Fatal(err)
				}
				select {
				case r := <-reads:
					f, _ := wiegand.Lookup(tc.format)
					b, err := f.Decode(wiegand.Bits(r.Bits))
					if err != nil || fmt.Sprintf("%d:%d", b.Facility, b.Card) != tc.text {
						t.Fatalf("read %d bits: %+v %v, want %s in %s", len(r.Bits), b, err, tc.text, tc.format)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s never read", tc.text)
				}
			}
			if err := sim.Present("not a card"); err == nil {
				t.Fatal("a card reader presented text")
			}
			stop()
		})
	}
}
