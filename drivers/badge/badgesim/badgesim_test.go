package badgesim

import (
	"context"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/badge"
)

// TestSimulatedScanners: each simulated scanner's badge reaches the reader
// through the real backend (the wedge's decoder on its event stream, the
// serial backend on a kernel pty), and Run ends when asked.
func TestSimulatedScanners(t *testing.T) {
	for _, kind := range []string{"wedge", "serial"} {
		t.Run(kind, func(t *testing.T) {
			sim, sc, err := New(kind)
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			ctx, cancel := context.WithCancel(context.Background())
			reads := make(chan badge.Read)
			done := make(chan error, 1)
			go func() { done <- sc.Run(ctx, reads) }()
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
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}
