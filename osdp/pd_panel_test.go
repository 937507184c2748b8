package osdp_test

import (
	"bytes"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/osdp"
)

// cardFormat returns the compliance of the card data format entry of a
// PDCAP reply.
func cardFormat(t *testing.T, r *osdp.Packet) byte {
	t.Helper()
	var c osdp.PDCAP
	if r.Code != osdp.ReplyPDCAP {
		t.Fatalf("CAP answered %s", osdp.ReplyName(r.Code))
	}
	if err := c.UnmarshalBinary(r.Data); err != nil {
		t.Fatal(err)
	}
	for _, e := range c.Caps {
		if e.Function == osdp.CapCardDataFormat {
			return e.Compliance
		}
	}
	t.Fatal("PDCAP has no card data format entry")
	return 0
}

// TestPDCardFormatIsWhatItSends: without a panel known to take FMT, text
// reads are refused and PDCAP says bits only; with one, PDCAP says bits
// or characters and text goes out as FMT. Bits always go as RAW.
func TestPDCardFormatIsWhatItSends(t *testing.T) {
	for _, tc := range []struct {
		fmt        bool
		compliance byte
		textReply  byte
	}{
		{false, 1, 0},
		{true, 3, osdp.ReplyFMT},
	} {
		h := newHarness(t, osdp.PDConfig{Address: 1, FMT: tc.fmt})
		if got := cardFormat(t, h.send(cmd(osdp.CmdCAP, 0))); got != tc.compliance {
			t.Errorf("FMT %v: PDCAP card format %d, want %d", tc.fmt, got, tc.compliance)
		}
		err := h.pd.Present(osdp.Card{Text: "1234"})
		if tc.fmt == (err != nil) || (!tc.fmt && !errors.Is(err, osdp.ErrTextNeedsFMT)) {
			t.Errorf("FMT %v: text read: %v", tc.fmt, err)
		}
		if err := h.pd.Present(osdp.Card{Bits: 26, Data: []byte{2, 0x46, 0x8A, 0xC0}}); err != nil {
			t.Fatal(err)
		}
		if tc.fmt {
			if r := h.send(cmd(osdp.CmdPOLL)); r.Code != tc.textReply {
				t.Errorf("text read went out as %s", osdp.ReplyName(r.Code))
			}
		}
		if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyRAW {
			t.Errorf("FMT %v: bit read went out as %s", tc.fmt, osdp.ReplyName(r.Code))
		}
	}
}

// TestRefusedReadDoesNotBlockQueue: a panel that drops the reader and
// starts over (ID, CAP, POLL at sequence 0) whenever it gets osdp_FMT, as
// widely deployed panels do, loses that read after a few tries, and every
// later card and tamper report gets through.
func TestRefusedReadDoesNotBlockQueue(t *testing.T) {
	h := newHarness(t, osdp.PDConfig{Address: 1, FMT: true}) // misconfigured: this panel refuses FMT
	card := []byte{0x02, 0x46, 0x8A, 0xC0}
	for _, c := range []osdp.Card{{Text: "1234"}, {Bits: 26, Data: card}} {
		if err := h.pd.Present(c); err != nil {
			t.Fatal(err)
		}
	}
	refused := 0
	var got *osdp.Packet
	for start := 0; start < 10 && got == nil; start++ {
		h.seq = 0
		h.send(cmd(osdp.CmdID, 0))
		h.send(cmd(osdp.CmdCAP, 0))
		switch r := h.send(cmd(osdp.CmdPOLL)); r.Code {
		case osdp.ReplyFMT:
			refused++ // the panel takes the reader offline and starts over
		case osdp.ReplyRAW:
			got = r
		default:
			t.Fatalf("poll answered %s", osdp.ReplyName(r.Code))
		}
	}
	if got == nil || !bytes.Equal(got.Data[4:], card) {
		t.Fatalf("after %d refusals the next card never came", refused)
	}
	if refused != 3 || h.pd.DroppedReads() != 1 {
		t.Fatalf("refused %d times, dropped %d reads; want 3 and 1", refused, h.pd.DroppedReads())
	}
	h.dev.set(func(st *osdp.DeviceStatus) { st.Tamper = true })
	if r := h.send(cmd(osdp.CmdPOLL)); r.Code != osdp.ReplyLSTATR {
		t.Fatalf("tamper after the refused read: %s", osdp.ReplyName(r.Code))
	}
}

// panelLine is the panel's end of a kernel pty whose other end a PD opens
// through the serial driver: the test writes frames at the PD and reads
// its replies byte for byte.
type panelLine struct {
	t     *testing.T
	m     *os.File
	slave string
	dec   *osdp.Decoder
	buf   []byte
}

func newPanelLine(t *testing.T) (*panelLine, *serial.Port) {
	t.Helper()
	m, path, err := serial.OpenPTY()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	fd, err := unix.Dup(int(m.Fd())) // pollable, for read deadlines
	if err != nil {
		t.Fatal(err)
	}
	_ = m.Close()
	if err := unix.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	l := &panelLine{t: t, m: os.NewFile(uintptr(fd), path+"-master"), slave: path, dec: osdp.NewDecoder(), buf: make([]byte, 512)}
	p, err := serial.Open(path, 115200, readTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close(); _ = l.m.Close() })
	return l, p
}

// frames encodes commands to address 1, each with the given mark.
func frames(t *testing.T, mark bool, cmds ...*osdp.Packet) []byte {
	t.Helper()
	var out []byte
	for _, c := range cmds {
		c.Addr, c.UseCRC, c.Mark = 1, true, mark
		var err error
		if out, err = osdp.AppendPacket(out, c); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func (l *panelLine) write(b []byte) {
	l.t.Helper()
	if _, err := l.m.Write(b); err != nil {
		l.t.Fatal(err)
	}
}

// reply reads the next frame the PD sends, failing after 2 s.
func (l *panelLine) reply() *osdp.Packet {
	l.t.Helper()
	_ = l.m.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if p, err := l.dec.Next(); p != nil {
			return p
		} else if err != nil {
			l.t.Fatalf("PD sent a bad frame: %v", err)
		}
		n, err := l.m.Read(l.buf)
		if err != nil {
			l.t.Fatalf("no reply: %v", err)
		}
		_, _ = l.dec.Write(l.buf[:n])
	}
}

// waitQueued waits until the PD's side of the line holds n unread bytes:
// what the test wrote has reached the tty the PD reads.
func (l *panelLine) waitQueued(n int) {
	l.t.Helper()
	fd, err := unix.Open(l.slave, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	defer unix.Close(fd)
	deadline := time.Now().Add(2 * time.Second)
	for {
		q, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
		if err != nil {
			l.t.Fatal(err)
		}
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%d of %d bytes reached the PD", q, n)
		}
		time.Sleep(time.Millisecond) // polling a kernel queue, not timing logic
	}
}

func expectReply(t *testing.T, r *osdp.Packet, code, seq byte) {
	t.Helper()
	if r.Code != code || r.Seq != seq {
		t.Fatalf("got %s seq %d, want %s seq %d", osdp.ReplyName(r.Code), r.Seq, osdp.ReplyName(code), seq)
	}
}

// TestPDAnswersNewestAfterLateStart: the panel's ID and two retries are
// waiting when the reader starts; it answers once, so the panel's next
// command (CAP at sequence 1) gets PDCAP, not a stale PDID.
func TestPDAnswersNewestAfterLateStart(t *testing.T) {
	line, port := newPanelLine(t)
	id := frames(t, false, &osdp.Packet{Code: osdp.CmdID, Data: []byte{0}})
	piled := bytes.Repeat(id, 3)
	line.write(piled)
	line.waitQueued(len(piled))
	runPD(t, osdp.PDConfig{Address: 1}, newDevice(), port)
	expectReply(t, line.reply(), osdp.ReplyPDID, 0)
	line.write(frames(t, false, &osdp.Packet{Seq: 1, Code: osdp.CmdCAP, Data: []byte{0}}))
	expectReply(t, line.reply(), osdp.ReplyPDCAP, 1)
}

// busyDevice blocks in LED until released, while the test's clock moves
// on past the panel's reply window.
type busyDevice struct {
	*device
	entered, release chan struct{}
}

func (d *busyDevice) LED(r osdp.LEDRecord) {
	d.entered <- struct{}{}
	<-d.release
	d.device.LED(r)
}

// TestPDBusyAnswersOnce: the reader is busy on an LED command for longer
// than the panel waits; the panel's two retries pile up meanwhile. The
// panel gets one ACK for that sequence number, so its next POLL is
// answered in step, and the LED ran once.
func TestPDBusyAnswersOnce(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	line, port := newPanelLine(t)
	dev := &busyDevice{device: newDevice(), entered: make(chan struct{}), release: make(chan struct{})}
	runPD(t, osdp.PDConfig{Address: 1, Now: clock}, dev, port)

	line.write(frames(t, false, &osdp.Packet{Code: osdp.CmdID, Data: []byte{0}}))
	expectReply(t, line.reply(), osdp.ReplyPDID, 0)
	led, err := osdp.LED{Records: []osdp.LEDRecord{{Perm: osdp.LEDPermanent{Control: osdp.LEDPermSet, OnTime: 1, OnColor: osdp.ColorGreen}}}}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmdLED := frames(t, false, &osdp.Packet{Seq: 1, Code: osdp.CmdLED, Data: led})
	line.write(cmdLED)
	select {
	case <-dev.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the PD never ran the LED command")
	}
	retries := bytes.Repeat(cmdLED, 2) // the panel timed out twice
	line.write(retries)
	line.waitQueued(len(retries))
	now.Add(int64(450 * time.Millisecond))
	close(dev.release)

	expectReply(t, line.reply(), osdp.ReplyACK, 1)
	line.write(frames(t, false, &osdp.Packet{Seq: 2, Code: osdp.CmdPOLL}))
	expectReply(t, line.reply(), osdp.ReplyACK, 2)
	if n := len(dev.snapshot().leds); n != 1 {
		t.Fatalf("LED ran %d times", n)
	}
}

// TestPDMirrorsMark: a command preceded by the 0xFF mark gets a reply
// preceded by it; one without gets none; a repeated command mirrors its
// own mark.
func TestPDMirrorsMark(t *testing.T) {
	line, port := newPanelLine(t)
	runPD(t, osdp.PDConfig{Address: 1}, newDevice(), port)
	for i, tc := range []struct {
		seq  byte
		mark bool
	}{{0, true}, {1, false}, {1, true}, {2, true}, {3, false}} {
		line.write(frames(t, tc.mark, &osdp.Packet{Seq: tc.seq, Code: osdp.CmdPOLL}))
		r := line.reply()
		if r.Mark != tc.mark || r.Seq != tc.seq {
			t.Fatalf("command %d (seq %d, mark %v): reply seq %d, mark %v", i, tc.seq, tc.mark, r.Seq, r.Mark)
		}
	}
}
