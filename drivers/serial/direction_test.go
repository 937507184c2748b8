package serial_test

import (
	"io"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/drivers/serial/serialtest"
)

func TestParseDirection(t *testing.T) {
	for _, s := range []string{"auto", "kernel", "gpio"} {
		if d, err := serial.ParseDirection(s); err != nil || string(d) != s {
			t.Errorf("ParseDirection(%q) = %q, %v", s, d, err)
		}
	}
	if _, err := serial.ParseDirection("rts"); err == nil {
		t.Error("ParseDirection accepted an unknown mode")
	}
}

// TestDEPortFramesEachWrite checks DE goes high before the bytes and low
// at least a character time after the write has drained.
func TestDEPortFramesEachWrite(t *testing.T) {
	a, b := serialtest.Pair(t)
	pa, err := serial.Open(a, 9600, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := serial.Open(b, 9600, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	de := pinsim.New("RS485_DE", 1)
	dp, err := serial.NewDEPort(pa, de, 9600)
	if err != nil {
		t.Fatal(err)
	}
	if de.Read() != gpio.Low {
		t.Fatal("DE not released at start")
	}
	msg := []byte("hello rs485")
	if _, err := dp.Write(msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(pb, got); err != nil || string(got) != string(msg) {
		t.Fatalf("read %q, %v", got, err)
	}
	edges := de.Edges()
	if len(edges) < 2 || edges[len(edges)-2].Level != gpio.High || edges[len(edges)-1].Level != gpio.Low {
		t.Fatalf("DE edges %+v, want ... high, low", edges)
	}
	if held := edges[len(edges)-1].At.Sub(edges[len(edges)-2].At); held < time.Second/960 {
		t.Errorf("DE held %v, less than one character time at 9600 baud", held)
	}
}
