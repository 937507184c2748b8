package osdp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Link is the byte stream to the other end of the line, normally a serial
// port opened with a short read timeout (10–20 ms). Read must return an
// error matching os.ErrDeadlineExceeded when nothing arrived within that
// timeout: the PD and CP keep time with it instead of a reader goroutine.
type Link interface {
	io.Reader
	io.Writer
}

// BaudSetter is implemented by links that can change speed, which a PD
// needs to apply osdp_COMSET. Links without it keep their speed.
type BaudSetter interface {
	SetBaud(baud int) error
}

// framer reads frames from a Link through a Decoder.
type framer struct {
	link Link
	dec  *Decoder
	buf  [512]byte
	now  func() time.Time
}

func newFramer(link Link, now func() time.Time) *framer {
	return &framer{link: link, dec: NewDecoder(), now: now}
}

// next returns the next well-formed frame, or (nil, nil) once deadline
// has passed (a zero deadline waits until ctx ends). Bad frames are
// dropped silently; they show up in the decoder's Stats. When the line
// goes quiet with half a frame buffered, that frame's SOM is dropped so a
// corrupted LEN cannot hold back the frames behind it.
func (f *framer) next(ctx context.Context, deadline time.Time) (*Packet, error) {
	for {
		p, err := f.dec.Next()
		if err != nil {
			continue
		}
		if p != nil {
			return p, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !deadline.IsZero() && !f.now().Before(deadline) {
			return nil, nil
		}
		if err := f.fill(); err != nil {
			return nil, err
		}
	}
}

// settle returns the frames already complete behind the last one next
// returned and, while a frame is still arriving, those that complete
// before the line goes quiet or deadline passes.
func (f *framer) settle(ctx context.Context, deadline time.Time) ([]*Packet, error) {
	var out []*Packet
	for {
		p, err := f.dec.Next()
		switch {
		case err != nil:
			continue
		case p != nil:
			out = append(out, p)
			continue
		case f.dec.Buffered() == 0 || ctx.Err() != nil || !f.now().Before(deadline):
			return out, nil
		}
		if err := f.fill(); err != nil {
			return out, err
		}
	}
}

// fill reads once from the link into the decoder. A read that times out
// means the line went quiet: a partial frame will not complete.
func (f *framer) fill() error {
	n, err := f.link.Read(f.buf[:])
	if n > 0 {
		_, _ = f.dec.Write(f.buf[:n])
		return nil
	}
	switch {
	case err == nil:
	case errors.Is(err, os.ErrDeadlineExceeded):
		f.dec.Stale()
	default:
		return fmt.Errorf("osdp: read: %w", err)
	}
	return nil
}

// write sends one encoded frame.
func (f *framer) write(frame []byte) error {
	if _, err := f.link.Write(frame); err != nil {
		return fmt.Errorf("osdp: write: %w", err)
	}
	return nil
}
