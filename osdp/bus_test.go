package osdp_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

// readTimeout is the serial read timeout the stack keeps time with.
const readTimeout = 10 * time.Millisecond

// bus is an RS-485 line made of kernel pseudo-terminals: every byte one
// device writes reaches every other device, as on a shared pair. Each
// device opens its own pty slave with go.bug.st/serial; the bus holds the
// masters. An optional noise function may alter what crosses the line.
type bus struct {
	t       testing.TB
	mu      sync.Mutex
	masters []*os.File
	noise   func(from int, b []byte) []byte
	// baud, when set, delays each chunk by its time on the wire (10 bits
	// a byte): ptys ignore the baud rate.
	baud int
}

func newBus(t testing.TB) *bus { return &bus{t: t} }

// port adds a device to the line and returns its open serial port.
func (b *bus) port() *serial.Port {
	b.t.Helper()
	m, path, err := serial.OpenPTY()
	if err != nil {
		b.t.Skipf("no pseudo-terminals: %v", err)
	}
	// OpenPTY's Fd call left the master blocking; make it pollable so
	// Close unblocks the copier.
	fd, err := unix.Dup(int(m.Fd()))
	if err != nil {
		b.t.Fatal(err)
	}
	_ = m.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		b.t.Fatal(err)
	}
	master := os.NewFile(uintptr(fd), path+"-master")
	p, err := serial.Open(path, 115200, readTimeout)
	if err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	idx := len(b.masters)
	b.masters = append(b.masters, master)
	b.mu.Unlock()
	go b.copyFrom(idx, master)
	b.t.Cleanup(func() { _ = p.Close(); _ = master.Close() })
	return p
}

func (b *bus) copyFrom(idx int, m *os.File) {
	buf := make([]byte, 4096)
	for {
		n, err := m.Read(buf)
		if err != nil {
			return
		}
		chunk := buf[:n]
		if b.baud > 0 {
			time.Sleep(time.Duration(len(chunk)) * 10 * time.Second / time.Duration(b.baud))
		}
		b.mu.Lock()
		if b.noise != nil {
			chunk = b.noise(idx, chunk)
		}
		for i, o := range b.masters {
			if i != idx {
				_, _ = o.Write(chunk)
			}
		}
		b.mu.Unlock()
	}
}

// device is a fake reader behind a PD: it records what the panel asked.
type device struct {
	mu      sync.Mutex
	st      osdp.DeviceStatus
	outputs []osdp.OutputControl
	leds    []osdp.LEDRecord
	buzzes  []osdp.BUZ
	texts   []string
	key     *[osdp.KeySize]byte
	com     *osdp.COMSET
}

func newDevice() *device {
	return &device{st: osdp.DeviceStatus{Inputs: []bool{false}, Outputs: []bool{false, false}}}
}

func (d *device) Status() osdp.DeviceStatus {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.Clone()
}

func (d *device) Output(o osdp.OutputControl) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if int(o.Output) >= len(d.st.Outputs) {
		return os.ErrInvalid
	}
	d.outputs = append(d.outputs, o)
	d.st.Outputs[o.Output] = o.Control == osdp.OutPermOnAbort || o.Control == osdp.OutTempOnResume
	return nil
}

func (d *device) LED(r osdp.LEDRecord) { d.mu.Lock(); d.leds = append(d.leds, r); d.mu.Unlock() }
func (d *device) Buzzer(z osdp.BUZ)    { d.mu.Lock(); d.buzzes = append(d.buzzes, z); d.mu.Unlock() }
func (d *device) Text(t osdp.TEXT) {
	d.mu.Lock()
	d.texts = append(d.texts, string(t.Text))
	d.mu.Unlock()
}

func (d *device) KeySet(k [osdp.KeySize]byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.key = &k
	return nil
}

func (d *device) ComSet(addr byte, baud uint32) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.com = &osdp.COMSET{Address: addr, Baud: baud}
	return nil
}

func (d *device) set(f func(st *osdp.DeviceStatus)) { d.mu.Lock(); f(&d.st); d.mu.Unlock() }

func (d *device) snapshot() device {
	d.mu.Lock()
	defer d.mu.Unlock()
	return device{outputs: d.outputs, leds: d.leds, buzzes: d.buzzes, texts: d.texts, key: d.key, com: d.com}
}

var _ osdp.Device = (*device)(nil)

var testID = osdp.PDID{Vendor: [3]byte{0x0A, 0x0B, 0x0C}, Model: 7, Version: 1, Serial: 0xC0FFEE, FirmwareMajor: 1}

// runPD starts a PD on port until the test ends.
func runPD(t testing.TB, cfg osdp.PDConfig, dev osdp.Device, port osdp.Link) *osdp.PD {
	t.Helper()
	if cfg.ID == (osdp.PDID{}) {
		cfg.ID = testID
	}
	pd, err := osdp.NewPD(cfg, dev)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pd.Run(ctx, port) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("pd.Run: %v", err)
		}
	})
	return pd
}

// runCP starts a CP on port until the test ends.
func runCP(t testing.TB, cfg osdp.CPConfig, port osdp.Link) *osdp.CP {
	t.Helper()
	cp, err := osdp.NewCP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx, port) }()
	t.Cleanup(func() {
		cancel()
		for range cp.Events() {
		}
		if err := <-done; err != nil {
			t.Errorf("cp.Run: %v", err)
		}
	})
	return cp
}

// waitEvent reads events until one satisfies match, failing after d.
func waitEvent(t testing.TB, cp *osdp.CP, d time.Duration, match func(osdp.Event) bool) osdp.Event {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-cp.Events():
			if !ok {
				t.Fatal("CP stopped")
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no matching event within %v", d)
		}
	}
}

func kind(k osdp.EventKind) func(osdp.Event) bool {
	return func(ev osdp.Event) bool { return ev.Kind == k }
}

// noisy returns a noise function that inserts random garbage between
// chunks and flips bytes inside them at the given rates.
func noisy(seed uint64, garbage, corrupt float64) func(int, []byte) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	return func(_ int, b []byte) []byte {
		out := append([]byte(nil), b...)
		if rng.Float64() < corrupt {
			out[rng.IntN(len(out))] ^= byte(1 + rng.IntN(255))
		}
		if rng.Float64() < garbage {
			junk := make([]byte, 1+rng.IntN(16))
			for i := range junk {
				junk[i] = byte(rng.UintN(256))
			}
			out = append(junk, out...)
		}
		return out
	}
}
