package pins

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
	"periph.io/x/conn/v3/gpio"
)

// The GPIO character device's v2 line request (include/uapi/linux/gpio.h).
// x/sys has neither the structs nor the ioctl number.
const (
	lineFlagInput        = 1 << 2
	lineFlagEdgeRising   = 1 << 4
	lineFlagEdgeFalling  = 1 << 5
	lineFlagBiasPullUp   = 1 << 8
	lineFlagBiasPullDown = 1 << 9

	lineEventRising  = 1
	lineEventFalling = 2

	// eventSize is sizeof(struct gpio_v2_line_event).
	eventSize = 48
	// eventBuffer asks the kernel to hold this many edges for a slow
	// reader; a 37-bit Wiegand frame is 74 edges.
	eventBuffer = 512
	// getLineIoctl is GPIO_V2_GET_LINE_IOCTL: _IOWR(0xB4, 0x07, struct
	// gpio_v2_line_request), for the architectures with the generic ioctl
	// encoding (arm, arm64, x86).
	getLineIoctl = 3<<30 | unsafe.Sizeof(lineRequest{})<<16 | 0xB4<<8 | 0x07
)

type lineAttribute struct {
	id      uint32
	padding uint32
	value   uint64
}

type lineConfigAttribute struct {
	attr lineAttribute
	mask uint64
}

type lineConfig struct {
	flags    uint64
	numAttrs uint32
	padding  [5]uint32
	attrs    [10]lineConfigAttribute
}

type lineRequest struct {
	offsets         [maxLines]uint32
	consumer        [32]byte
	config          lineConfig
	numLines        uint32
	eventBufferSize uint32
	padding         [5]uint32
	fd              int32
}

// requestEdges asks the chip for the lines as inputs with both edges
// detected, and returns the request's file, set non-blocking so that reads
// go through Go's poller and can be interrupted.
func requestEdges(chipPath string, offsets []uint32, pull gpio.Pull) (*os.File, error) {
	chip, err := os.OpenFile(chipPath, os.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	// The request outlives the chip's descriptor.
	defer chip.Close()
	var req lineRequest
	copy(req.offsets[:], offsets)
	copy(req.consumer[:len(req.consumer)-1], "palmd")
	req.numLines = uint32(len(offsets))
	req.eventBufferSize = eventBuffer
	req.config.flags = lineFlagInput | lineFlagEdgeRising | lineFlagEdgeFalling
	switch pull {
	case gpio.PullUp:
		req.config.flags |= lineFlagBiasPullUp
	case gpio.PullDown:
		req.config.flags |= lineFlagBiasPullDown
	}
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, chip.Fd(), getLineIoctl, uintptr(unsafe.Pointer(&req)))
	runtime.KeepAlive(chip)
	if errno != 0 {
		return nil, fmt.Errorf("GPIO_V2_GET_LINE_IOCTL: %w", errno)
	}
	if err := unix.SetNonblock(int(req.fd), true); err != nil {
		unix.Close(int(req.fd))
		return nil, fmt.Errorf("set non-blocking: %w", err)
	}
	return os.NewFile(uintptr(req.fd), "gpio-lines"), nil
}

// fileLines reads kernel line events from f. offsets[i] is the chip offset
// of names[i].
func fileLines(f *os.File, names []string, offsets []uint32) *Lines {
	dec := newDecoder(offsets)
	run := func(ctx context.Context, done <-chan struct{}, fn func(LineEvent)) error {
		if err := f.SetReadDeadline(time.Time{}); err != nil {
			return fmt.Errorf("pins: lines: %w", err)
		}
		// Unblock the read when ctx ends; the poller wakes on a past deadline.
		stop := context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
		buf := make([]byte, 64*eventSize)
		var pending []byte
		var events []LineEvent
		for {
			n, err := f.Read(buf)
			if err != nil {
				return readError(ctx, done, err)
			}
			pending = append(pending, buf[:n]...)
			whole := len(pending) - len(pending)%eventSize
			events, err = dec.decode(pending[:whole], events[:0])
			if err != nil {
				return err
			}
			pending = append(pending[:0], pending[whole:]...)
			for _, e := range events {
				fn(e)
			}
		}
	}
	return newLines(names, run, f.Close)
}

func readError(ctx context.Context, done <-chan struct{}, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	select {
	case <-done:
		return ErrClosed
	default:
	}
	if errors.Is(err, os.ErrClosed) {
		return ErrClosed
	}
	return fmt.Errorf("pins: read line events: %w", err)
}

// decoder turns kernel line events into LineEvents.
type decoder struct {
	index   map[uint32]int // chip offset → index in the watched set
	lastSeq uint32
	// The kernel stamps events with CLOCK_MONOTONIC; one pairing of that
	// clock with time.Now converts them, keeping exact spacing between
	// events and a monotonic reading in each time.Time.
	base  time.Time
	mono0 int64
}

func newDecoder(offsets []uint32) *decoder {
	d := &decoder{index: map[uint32]int{}, base: time.Now(), mono0: monotonicNow()}
	for i, o := range offsets {
		d.index[o] = i
	}
	return d
}

func monotonicNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) // cannot fail for this clock
	return ts.Nano()
}

// decode appends the events in b, whole events only, to out.
func (d *decoder) decode(b []byte, out []LineEvent) ([]LineEvent, error) {
	if len(b)%eventSize != 0 {
		return out, fmt.Errorf("pins: line events: %d bytes is not a whole number of %d-byte events", len(b), eventSize)
	}
	for ; len(b) > 0; b = b[eventSize:] {
		ts := binary.NativeEndian.Uint64(b[0:])
		id := binary.NativeEndian.Uint32(b[8:])
		offset := binary.NativeEndian.Uint32(b[12:])
		seq := binary.NativeEndian.Uint32(b[16:])
		line, ok := d.index[offset]
		if !ok {
			return out, fmt.Errorf("pins: line event for offset %d, which was not requested", offset)
		}
		var level gpio.Level
		switch id {
		case lineEventRising:
			level = gpio.High
		case lineEventFalling:
			level = gpio.Low
		default:
			return out, fmt.Errorf("pins: line event of unknown kind %d", id)
		}
		// Sequence numbers start at 1 and count every event of the request,
		// so a gap is edges the kernel dropped when its buffer overflowed.
		// A repeat or a step backwards (a huge gap in uint32 arithmetic) is
		// not counted.
		var dropped int
		if gap := seq - d.lastSeq; gap > 1 && gap < 1<<31 {
			dropped = int(gap - 1)
		}
		d.lastSeq = seq
		at := d.base.Add(time.Duration(int64(ts) - d.mono0))
		out = append(out, LineEvent{Line: line, Level: level, At: at, Dropped: dropped})
	}
	return out, nil
}
