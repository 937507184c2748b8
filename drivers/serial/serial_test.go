package serial

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

func TestPortOverPTY(t *testing.T) {
	m, path, err := OpenPTY()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer m.Close()
	p, err := Open(path, 115200, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	want := []byte{0x53, 0x00, 0x08, 0x00, 0x04, 0x60, 0xFF, 0x0D}
	if _, err := m.Write(want); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(p, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(got) != string(want) {
		t.Fatalf("got % x, want % x", got, want)
	}

	if _, err := p.Write([]byte{0x01, 0x02}); err != nil {
		t.Fatalf("write: %v", err)
	}
	back := make([]byte, 2)
	if _, err := io.ReadFull(m, back); err != nil || back[0] != 1 || back[1] != 2 {
		t.Fatalf("master read %x, %v", back, err)
	}

	_, err = p.Read(make([]byte, 4))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle read: err = %v, want timeout", err)
	}
}

func TestOpenInvalidBaud(t *testing.T) {
	if _, err := Open("/dev/null", 0, 0); err == nil {
		t.Fatal("want error for baud 0")
	}
}

func TestKernelRS485FailsCleanlyOnPTY(t *testing.T) {
	m, path, err := OpenPTY()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer m.Close()
	if err := EnableKernelRS485(path); err == nil {
		t.Fatal("want error enabling kernel RS-485 on a pty")
	}
}
