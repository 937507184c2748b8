package badge

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/palmd/palmd/drivers/serial"
)

// Serial is a serial badge scanner: one read per line (CR, LF or both),
// at Baud, 8N1.
type Serial struct {
	Device string
	Baud   int
}

var _ Scanner = Serial{}

// serialPoll is how often a read gives up waiting, so that Run sees its
// context end.
const serialPoll = 200 * time.Millisecond

// Run implements Scanner.
func (s Serial) Run(ctx context.Context, reads chan<- Read) error {
	p, err := serial.Open(s.Device, s.Baud, serialPoll)
	if err != nil {
		return err
	}
	defer p.Close()
	return ServeLines(ctx, p, reads)
}

// ServeLines turns a serial scanner's byte stream into reads until ctx
// ends or the stream fails; read timeouts (serial.ErrTimeout) only let it
// look at ctx. A line longer than any badge is dropped whole.
func ServeLines(ctx context.Context, src io.Reader, reads chan<- Read) error {
	r := bufio.NewReaderSize(timeoutReader{ctx, src}, 256)
	var line []byte
	for {
		b, err := r.ReadByte()
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case b == '\r' || b == '\n':
			text := string(bytes.TrimSpace(line))
			line = line[:0]
			if text == "" || len(text) > maxText {
				continue
			}
			select {
			case reads <- Read{Text: text, At: time.Now()}:
			case <-ctx.Done():
				return nil
			}
		case len(line) <= maxText:
			line = append(line, b)
		}
	}
}

// timeoutReader retries reads that timed out until ctx ends.
type timeoutReader struct {
	ctx context.Context
	r   io.Reader
}

func (t timeoutReader) Read(b []byte) (int, error) {
	for {
		n, err := t.r.Read(b)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if t.ctx.Err() != nil {
			return 0, t.ctx.Err()
		}
	}
}
