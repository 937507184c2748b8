package serialtest

import (
	"io"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/serial"
)

func TestPairLinksTwoPorts(t *testing.T) {
	a, b := Pair(t)
	pa, err := serial.Open(a, 115200, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer pa.Close()
	pb, err := serial.Open(b, 115200, 500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer pb.Close()
	for _, dir := range []struct{ w, r *serial.Port }{{pa, pb}, {pb, pa}} {
		msg := []byte{0xFF, 0x53, 0x01, 0x0D}
		if _, err := dir.w.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(dir.r, got); err != nil {
			t.Fatalf("read: %v", err)
		}
		if string(got) != string(msg) {
			t.Fatalf("got % x want % x", got, msg)
		}
	}
}
