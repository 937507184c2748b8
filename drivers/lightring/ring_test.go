package lightring

import (
	"bytes"
	"context"
	"image/color"
	"testing"
	"time"

	"periph.io/x/conn/v3/spi/spitest"
)

var green = color.RGBA{G: 200, A: 255}

func TestFrame(t *testing.T) {
	solid := Frame(Pattern{Color: green, Motion: Solid}, time.Hour, 4)
	if !bytes.Equal(solid, []byte{0, 200, 0, 0, 200, 0, 0, 200, 0, 0, 200, 0}) {
		t.Fatalf("solid %v", solid)
	}
	blink := Pattern{Color: green, Motion: Blink, Period: time.Second}
	if on, off := Frame(blink, 100*time.Millisecond, 1), Frame(blink, 600*time.Millisecond, 1); on[1] != 200 || off[1] != 0 {
		t.Fatalf("blink on %v off %v", on, off)
	}
	spin := Frame(Pattern{Color: green, Motion: Spin, Period: time.Second}, 0, 4)
	if spin[1] != 200 || spin[4] >= spin[1] {
		t.Fatalf("spin: the head at LED 0 is not the brightest: %v", spin)
	}
	b0, b1 := Frame(Pattern{Color: green, Motion: Breathe, Period: time.Second}, 0, 1), Frame(Pattern{Color: green, Motion: Breathe, Period: time.Second}, 500*time.Millisecond, 1)
	if b0[1] >= b1[1] {
		t.Fatalf("breathe: %v at the start, %v half way", b0, b1)
	}
}

// TestRingOverSPI: the real ring through periph's nrzled on a recorded SPI
// port: a pattern reaches the bus NRZ-encoded, and stopping turns the LEDs
// off.
func TestRingOverSPI(t *testing.T) {
	rec := &spitest.Record{}
	r, err := Open(rec, 2)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	r.Show(Pattern{Color: color.RGBA{R: 255, A: 255}, Motion: Solid})
	go func() { done <- r.Run(ctx) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		rec.Lock()
		n := len(rec.Ops)
		rec.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing reached the SPI bus")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	first, last := rec.Ops[0].W, rec.Ops[len(rec.Ops)-1].W
	// 3 latch bytes, 4 SPI bytes per colour byte, in G R B order: red is
	// G=0 then R=255.
	zero, full := []byte{0x88, 0x88, 0x88, 0x88}, []byte{0xEE, 0xEE, 0xEE, 0xEE}
	if len(first) != 3+2*12+3 || !bytes.Equal(first[3:7], zero) || !bytes.Equal(first[7:11], full) {
		t.Fatalf("first frame % x", first)
	}
	if !bytes.Equal(last[7:11], zero) {
		t.Fatalf("the ring was left on: % x", last)
	}
}
