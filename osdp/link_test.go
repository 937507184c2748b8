package osdp_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/palmd/palmd/osdp"
)

var testKey = []byte("0123456789abcdef")

// TestCPAndPDOverPTY runs a CP and a PD in goroutines on two ends of a
// pty line, in the clear, with OSDP 1.x checksums and with Secure Channel.
func TestCPAndPDOverPTY(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pdKey    []byte
		peer     osdp.PeerConfig
		checksum bool
		fmt      bool // the panel takes osdp_FMT: text reads go too
	}{
		{name: "plain", peer: osdp.PeerConfig{Address: 3}, fmt: true},
		{name: "osdp1-checksum", peer: osdp.PeerConfig{Address: 3}, checksum: true},
		{name: "secure", pdKey: testKey, peer: osdp.PeerConfig{Address: 3, SCBK: testKey}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBus(t)
			dev := newDevice()
			pd := runPD(t, osdp.PDConfig{Address: 3, SCBK: tc.pdKey, FMT: tc.fmt}, dev, b.port())
			cp := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{tc.peer}, Checksum: tc.checksum}, b.port())

			on := waitEvent(t, cp, 10*time.Second, kind(osdp.EventOnline))
			if on.ID == nil || *on.ID != testID {
				t.Fatalf("online event ID = %+v, want %+v", on.ID, testID)
			}
			if on.Secure != (tc.pdKey != nil) || pd.Secure() != (tc.pdKey != nil) {
				t.Fatalf("secure: event %v, pd %v; want %v", on.Secure, pd.Secure(), tc.pdKey != nil)
			}
			checkCards(t, pd, cp, tc.fmt)
			checkFeedback(t, cp, dev)
			checkStatusReports(t, cp, dev)
			if !pd.Online() {
				t.Error("PD reports its panel link down while being polled")
			}
		})
	}
}

// checkCards presents reads and expects each exactly once, in order; a
// text read only to a PD whose panel takes FMT.
func checkCards(t *testing.T, pd *osdp.PD, cp *osdp.CP, text bool) {
	t.Helper()
	cards := []osdp.Card{
		{Bits: 26, Data: []byte{0x02, 0x46, 0x8A, 0xC0}},
		{Bits: 34, Data: []byte{0x12, 0x34, 0x56, 0x78, 0x80}},
	}
	if text {
		cards = append(cards, osdp.Card{Text: "1234567"})
	}
	for _, c := range cards {
		if err := pd.Present(c); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range cards {
		ev := waitEvent(t, cp, 5*time.Second, kind(osdp.EventCard))
		if ev.Bits != want.Bits || !bytes.Equal(ev.Data, want.Data) || ev.Text != want.Text {
			t.Fatalf("card %d = %d bits %x %q, want %d bits %x %q", i, ev.Bits, ev.Data, ev.Text, want.Bits, want.Data, want.Text)
		}
	}
}

// checkFeedback sends the panel's output commands and checks the device
// got each once.
func checkFeedback(t *testing.T, cp *osdp.CP, dev *device) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	led := osdp.LED{Records: []osdp.LEDRecord{{
		Temp: osdp.LEDTemporary{Control: osdp.LEDTempSet, OnTime: 5, OffTime: 5, OnColor: osdp.ColorGreen, Timer: 30},
		Perm: osdp.LEDPermanent{Control: osdp.LEDPermSet, OnTime: 1, OnColor: osdp.ColorRed},
	}}}
	cmds := []struct {
		code byte
		m    interface{ MarshalBinary() ([]byte, error) }
	}{
		{osdp.CmdLED, led},
		{osdp.CmdBUZ, osdp.BUZ{Tone: osdp.ToneDefault, OnTime: 2, OffTime: 1, Count: 2}},
		{osdp.CmdTEXT, osdp.TEXT{Command: osdp.TextTempNoWrap, TempTime: 3, Text: []byte("Welcome")}},
		{osdp.CmdOUT, osdp.OUT{Records: []osdp.OutputControl{{Output: 0, Control: osdp.OutTempOnResume, Timer: 30}}}},
	}
	for _, c := range cmds {
		data, err := c.m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		r, err := cp.Send(ctx, 3, c.code, data)
		if err != nil || r.Code != osdp.ReplyACK {
			t.Fatalf("%s: reply %v, err %v", osdp.CommandName(c.code), r, err)
		}
	}
	got := dev.snapshot()
	if len(got.leds) != 1 || got.leds[0] != led.Records[0] {
		t.Errorf("LED records = %+v", got.leds)
	}
	if len(got.buzzes) != 1 || got.buzzes[0].Count != 2 {
		t.Errorf("buzzer = %+v", got.buzzes)
	}
	if len(got.texts) != 1 || got.texts[0] != "Welcome" {
		t.Errorf("text = %q", got.texts)
	}
	if len(got.outputs) != 1 || got.outputs[0].Timer != 30 {
		t.Errorf("outputs = %+v", got.outputs)
	}
	_, err := cp.Send(ctx, 3, osdp.CmdOUT, []byte{9, osdp.OutPermOnAbort, 0, 0})
	var nak *osdp.NakError
	if !errors.As(err, &nak) || nak.Reason != osdp.NakUnableToProcess {
		t.Errorf("OUT to a missing output: err %v, want NAK 0x09", err)
	}
}

// checkStatusReports changes tamper and an input and expects the PD to
// report both in reply to polls.
func checkStatusReports(t *testing.T, cp *osdp.CP, dev *device) {
	t.Helper()
	dev.set(func(st *osdp.DeviceStatus) { st.Tamper = true; st.Inputs[0] = true })
	ev := waitEvent(t, cp, 5*time.Second, kind(osdp.EventStatus))
	if !*ev.Tamper || *ev.Power {
		t.Errorf("status event tamper=%v power=%v", *ev.Tamper, *ev.Power)
	}
	ev = waitEvent(t, cp, 5*time.Second, kind(osdp.EventInputs))
	if len(ev.States) != 1 || !ev.States[0] {
		t.Errorf("inputs event %v", ev.States)
	}
}

// TestInstallModeKeySet takes a PD from SCBK-D to its own key, then checks
// that SCBK-D and plain polls are refused.
func TestInstallModeKeySet(t *testing.T) {
	b := newBus(t)
	dev := newDevice()
	pd := runPD(t, osdp.PDConfig{Address: 0, InstallMode: true}, dev, b.port())
	cp := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 0, Install: true}}}, b.port())
	if ev := waitEvent(t, cp, 10*time.Second, kind(osdp.EventOnline)); !ev.Secure {
		t.Fatal("install-mode session is not secure")
	}
	var key [osdp.KeySize]byte
	copy(key[:], testKey)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cp.SetKey(ctx, 0, key); err != nil {
		t.Fatal(err)
	}
	if got := dev.snapshot().key; got == nil || *got != key {
		t.Fatalf("device persisted key %x", got)
	}
	waitEvent(t, cp, 5*time.Second, kind(osdp.EventKeySet))
	// The CP re-keys with the new SCBK and keeps talking securely.
	if _, err := cp.Send(ctx, 0, osdp.CmdBUZ, []byte{0, osdp.ToneDefault, 1, 1, 1}); err != nil {
		t.Fatalf("command after re-key: %v", err)
	}
	if !pd.Secure() {
		t.Fatal("PD not secure after re-key")
	}

	// A second panel that still uses SCBK-D is refused now.
	b2 := newBus(t)
	runPD(t, osdp.PDConfig{Address: 0, SCBK: key[:]}, newDevice(), b2.port())
	cp2 := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 0, Install: true}}}, b2.port())
	if ev := waitEvent(t, cp2, 10*time.Second, kind(osdp.EventSecureFailed)); ev.Reason != osdp.NakSCRequired {
		t.Errorf("SCBK-D after key set: reason 0x%02X, want 0x06", ev.Reason)
	}
	// And a panel in the clear gets ID and CAP, but its polls are NAKed.
	b3 := newBus(t)
	runPD(t, osdp.PDConfig{Address: 0, SCBK: key[:]}, newDevice(), b3.port())
	cp3 := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 0}}}, b3.port())
	waitEvent(t, cp3, 10*time.Second, kind(osdp.EventOnline))
	if ev := waitEvent(t, cp3, 5*time.Second, kind(osdp.EventNAK)); ev.Reason != osdp.NakSCRequired {
		t.Errorf("plain poll of a keyed PD: NAK 0x%02X, want 0x06", ev.Reason)
	}
}

// TestMultiDrop puts two PDs and a CP on one line.
func TestMultiDrop(t *testing.T) {
	b := newBus(t)
	pd1 := runPD(t, osdp.PDConfig{Address: 1}, newDevice(), b.port())
	pd2 := runPD(t, osdp.PDConfig{Address: 2, SCBK: testKey}, newDevice(), b.port())
	cp := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 1}, {Address: 2, SCBK: testKey}}}, b.port())
	seen := map[byte]bool{}
	for len(seen) < 2 {
		seen[waitEvent(t, cp, 10*time.Second, kind(osdp.EventOnline)).Addr] = true
	}
	if err := pd2.Present(osdp.Card{Bits: 26, Data: []byte{1, 2, 3, 0x40}}); err != nil {
		t.Fatal(err)
	}
	if err := pd1.Present(osdp.Card{Bits: 26, Data: []byte{4, 5, 6, 0}}); err != nil {
		t.Fatal(err)
	}
	got := map[byte][]byte{}
	for len(got) < 2 {
		ev := waitEvent(t, cp, 5*time.Second, kind(osdp.EventCard))
		if got[ev.Addr] != nil {
			t.Fatalf("second card from PD %d", ev.Addr)
		}
		got[ev.Addr] = ev.Data
	}
	if !bytes.Equal(got[1], []byte{4, 5, 6, 0}) || !bytes.Equal(got[2], []byte{1, 2, 3, 0x40}) {
		t.Fatalf("cards by address = %x", got)
	}
}

// TestOfflineAndBack stops answering and expects offline, then online.
func TestOfflineAndBack(t *testing.T) {
	b := newBus(t)
	pdPort := b.port()
	cp := runCP(t, osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 5}}, OfflineAfter: time.Second, ReplyTimeout: 50 * time.Millisecond}, b.port())
	ctx, cancel := context.WithCancel(context.Background())
	pd, err := osdp.NewPD(osdp.PDConfig{Address: 5, ID: testID}, newDevice())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- pd.Run(ctx, pdPort) }()
	waitEvent(t, cp, 10*time.Second, kind(osdp.EventOnline))
	// A read queued while the line is down is delivered once it is back.
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitEvent(t, cp, 10*time.Second, kind(osdp.EventOffline))
	if err := pd.Present(osdp.Card{Bits: 8, Data: []byte{0xA5}}); err != nil {
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go func() { done <- pd.Run(ctx2, pdPort) }()
	waitEvent(t, cp, 10*time.Second, kind(osdp.EventOnline))
	if ev := waitEvent(t, cp, 5*time.Second, kind(osdp.EventCard)); !bytes.Equal(ev.Data, []byte{0xA5}) {
		t.Fatalf("card after reconnect = %x", ev.Data)
	}
	cancel2()
	<-done
}
