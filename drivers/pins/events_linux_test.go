package pins

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"periph.io/x/conn/v3/gpio"
)

// event encodes a struct gpio_v2_line_event.
func event(tsNanos uint64, id, offset, seq uint32) []byte {
	b := make([]byte, eventSize)
	binary.NativeEndian.PutUint64(b[0:], tsNanos)
	binary.NativeEndian.PutUint32(b[8:], id)
	binary.NativeEndian.PutUint32(b[12:], offset)
	binary.NativeEndian.PutUint32(b[16:], seq)
	binary.NativeEndian.PutUint32(b[20:], seq) // line_seqno: not read
	return b
}

// Sizes and the ioctl number from include/uapi/linux/gpio.h (Linux 5.10):
// struct gpio_v2_line_request is 592 bytes, struct gpio_v2_line_event 48,
// and GPIO_V2_GET_LINE_IOCTL is _IOWR(0xB4, 0x07, 592) = 0xC250B407.
func TestUAPILayout(t *testing.T) {
	if got := unsafe.Sizeof(lineRequest{}); got != 592 {
		t.Errorf("sizeof(lineRequest) = %d, want 592", got)
	}
	if got := unsafe.Offsetof(lineRequest{}.fd); got != 588 {
		t.Errorf("offsetof(fd) = %d, want 588", got)
	}
	if getLineIoctl != 0xC250B407 {
		t.Errorf("GPIO_V2_GET_LINE_IOCTL = %#x, want 0xc250b407", getLineIoctl)
	}
}

func TestDecode(t *testing.T) {
	d := newDecoder([]uint32{17, 4}) // D0 on chip offset 17, D1 on 4
	t0 := uint64(d.mono0) + 1_000_000
	var b []byte
	b = append(b, event(t0, lineEventFalling, 17, 1)...)
	b = append(b, event(t0+50_000, lineEventRising, 17, 2)...)
	b = append(b, event(t0+2_000_000, lineEventFalling, 4, 5)...) // 3 and 4 were dropped
	got, err := d.decode(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []LineEvent{
		{Line: 0, Level: gpio.Low, At: d.base.Add(time.Millisecond)},
		{Line: 0, Level: gpio.High, At: d.base.Add(time.Millisecond + 50*time.Microsecond)},
		{Line: 1, Level: gpio.Low, At: d.base.Add(3 * time.Millisecond), Dropped: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Line != want[i].Line || got[i].Level != want[i].Level || !got[i].At.Equal(want[i].At) || got[i].Dropped != want[i].Dropped {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if w := got[1].At.Sub(got[0].At); w != 50*time.Microsecond {
		t.Errorf("pulse width %v, want the kernel's 50µs exactly", w)
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want string
	}{
		{"torn event", make([]byte, eventSize+1), "whole number"},
		{"unrequested line", event(1, lineEventRising, 9, 1), "not requested"},
		{"unknown kind", event(1, 7, 17, 1), "unknown kind"},
	}
	for _, tt := range tests {
		_, err := newDecoder([]uint32{17}).decode(tt.b, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// The reading loop over a pipe: events split across reads are put back
// together, and Run ends with its context or with Close.
func TestFileLinesOverPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	l := fileLines(r, []string{"D0", "D1"}, []uint32{17, 4})
	defer l.Close()
	var b []byte
	for i, off := range []uint32{17, 17, 4, 4} {
		b = append(b, event(uint64(i+1)*1000, uint32(1+i%2), off, uint32(i+1))...)
	}
	go func() {
		_, _ = w.Write(b[:eventSize+10])
		time.Sleep(10 * time.Millisecond)
		_, _ = w.Write(b[eventSize+10:])
	}()
	got := collect(t, l, 4)
	for i, e := range got {
		wantLine, wantLevel := i/2, gpio.Level(i%2 == 0)
		if e.Line != wantLine || e.Level != wantLevel || e.Dropped != 0 {
			t.Errorf("event %d: %+v, want line %d level %v", i, e, wantLine, wantLevel)
		}
		if i > 0 && e.At.Sub(got[i-1].At) != time.Microsecond {
			t.Errorf("event %d: %v after the previous, want 1µs", i, e.At.Sub(got[i-1].At))
		}
	}
	done := make(chan error, 1)
	go func() { done <- l.Run(context.Background(), func(LineEvent) {}) }()
	time.Sleep(10 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v, want ErrClosed", err)
	}
}

// This machine may have no GPIO chip; then the real path must say so.
func TestOpenWithoutGPIOChipIsAClearError(t *testing.T) {
	if chips, _ := filepath.Glob("/dev/gpiochip*"); len(chips) > 0 {
		t.Skip("this machine has GPIO chips")
	}
	b, err := Open()
	if !errors.Is(err, ErrNoGPIO) || b != nil {
		t.Fatalf("Open: %v, %v; want ErrNoGPIO", b, err)
	}
	if !strings.Contains(err.Error(), "/dev/gpiochip") {
		t.Fatalf("error %q does not say what is missing", err)
	}
}

func TestSplitChipOffset(t *testing.T) {
	tests := []struct {
		in     string
		chip   string
		offset int
		ok     bool
	}{
		{"gpiochip0:17", "gpiochip0", 17, true},
		{"gpiochip4:0", "gpiochip4", 0, true},
		{"GPIO17", "", 0, false},
		{":17", "", 0, false},
		{"gpiochip0:-1", "", 0, false},
		{"gpiochip0:x", "", 0, false},
	}
	for _, tt := range tests {
		chip, off, ok := splitChipOffset(tt.in)
		if chip != tt.chip || off != tt.offset || ok != tt.ok {
			t.Errorf("%q: %q %d %v, want %q %d %v", tt.in, chip, off, ok, tt.chip, tt.offset, tt.ok)
		}
	}
}

// FuzzDecode feeds arbitrary bytes where kernel line events belong: the
// decoder must not panic, and what it accepts must be well formed.
func FuzzDecode(f *testing.F) {
	f.Add(append(event(1000, lineEventFalling, 17, 1), event(2000, lineEventRising, 4, 3)...))
	f.Add(event(0, lineEventRising, 4, 0))
	f.Add(make([]byte, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := newDecoder([]uint32{17, 4}).decode(b, nil)
		if err != nil {
			return
		}
		if len(got) != len(b)/eventSize {
			t.Fatalf("%d events from %d bytes", len(got), len(b))
		}
		for _, e := range got {
			if e.Line < 0 || e.Line > 1 || e.Dropped < 0 {
				t.Fatalf("bad event %+v", e)
			}
		}
	})
}
