package serial_test

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/serial"
)

func TestPTYLink(t *testing.T) {
	link, path, err := serial.OpenPTYLink(20 * time.Millisecond)
	if err != nil {
		t.Skip(err)
	}
	defer link.Close()
	port, err := serial.Open(path, 115200, 20*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	if _, err := link.Read(make([]byte, 8)); !errors.Is(err, serial.ErrTimeout) {
		t.Fatalf("idle read: %v, want ErrTimeout", err)
	}
	for _, dir := range []struct {
		name string
		w    io.Writer
		r    io.Reader
	}{{"master to slave", link, port}, {"slave to master", port, link}} {
		msg := []byte{0x53, 0x00, 0x0A, 0xFF, '\n', '\r', 0x03, 0x11}
		if _, err := dir.w.Write(msg); err != nil {
			t.Fatal(err)
		}
		got, err := readPatiently(dir.r, len(msg))
		if err != nil || string(got) != string(msg) {
			t.Fatalf("%s: read % X, %v; want % X (raw, no line discipline)", dir.name, got, err, msg)
		}
	}
}

// readPatiently reads n bytes, riding out read timeouts for up to 5 s.
func readPatiently(r io.Reader, n int) ([]byte, error) {
	got := make([]byte, 0, n)
	buf := make([]byte, n)
	for deadline := time.Now().Add(5 * time.Second); len(got) < n; {
		k, err := r.Read(buf[:n-len(got)])
		got = append(got, buf[:k]...)
		if err != nil && (!errors.Is(err, serial.ErrTimeout) || time.Now().After(deadline)) {
			return got, err
		}
	}
	return got, nil
}
