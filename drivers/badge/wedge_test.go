package badge

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

// key is one press (and release) of code, at ms after t0.
func key(ms int, code uint16) []InputEvent {
	at := t0.Add(time.Duration(ms) * time.Millisecond)
	return []InputEvent{{Time: at, Type: EvMsc, Code: 4, Value: 0x7001e}, {Time: at, Type: EvKey, Code: code, Value: keyDown},
		{Time: at, Type: EvSyn}, {Time: at.Add(4 * time.Millisecond), Type: EvKey, Code: code, Value: keyUp}, {Time: at, Type: EvSyn}}
}

func seq(parts ...[]InputEvent) (out []InputEvent) {
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func decodeAll(evs []InputEvent) []string {
	var d WedgeDecoder
	var out []string
	for _, ev := range evs {
		if r, ok := d.Feed(ev); ok {
			out = append(out, r.Text)
		}
	}
	return out
}

// TestWedgeDecoder: event sequences as the kernel reports a USB HID
// keyboard (MSC_SCAN, the key, SYN_REPORT; the release), decoded to what
// the scanner typed.
func TestWedgeDecoder(t *testing.T) {
	shift := func(ms int, down bool) []InputEvent {
		v := int32(keyUp)
		if down {
			v = keyDown
		}
		return []InputEvent{{Time: t0.Add(time.Duration(ms) * time.Millisecond), Type: EvKey, Code: keyLeftShift, Value: v}}
	}
	repeat := []InputEvent{{Time: t0.Add(9 * time.Millisecond), Type: EvKey, Code: 3, Value: keyRepeat}}
	for _, tc := range []struct {
		name string
		evs  []InputEvent
		want []string
	}{
		{"digits and Enter", seq(key(0, 2), key(8, 3), key(16, 4), key(24, keyEnter)), []string{"123"}},
		{"keypad digits and keypad Enter", seq(key(0, 79), key(8, 82), key(16, keyKPEnter)), []string{"10"}},
		{"Tab ends a read", seq(key(0, 11), key(8, keyTab)), []string{"0"}},
		{"shift+semicolon is the separator", seq(key(0, 3), shift(5, true), key(8, keySemicolon), shift(12, false), key(16, 4), key(24, keyEnter)), []string{"2:3"}},
		{"a shifted digit has no character", seq(shift(0, true), key(2, 2), shift(6, false), key(10, keyEnter)), []string{"?"}},
		{"a letter has no character", seq(key(0, 30), key(8, keyEnter)), []string{"?"}},
		{"auto-repeat is not a key press", seq(key(0, 3), repeat, key(16, keyEnter)), []string{"2"}},
		{"Enter alone reads nothing", seq(key(0, keyEnter)), nil},
		{"a pause drops what came before", seq(key(0, 9), key(900, 2), key(908, keyEnter)), []string{"1"}},
		{"two reads", seq(key(0, 2), key(8, keyEnter), key(2000, 3), key(2008, keyEnter)), []string{"1", "2"}},
		{"Typing types what it is given", Typing("12:3456", t0, 8*time.Millisecond), []string{"12:3456"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decodeAll(tc.evs); strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("read %q, want %q", got, tc.want)
			}
		})
	}
}

// TestWedgeBoundsARead: a stuck key does not grow a read beyond any badge.
func TestWedgeBoundsARead(t *testing.T) {
	var evs []InputEvent
	for i := range 1000 {
		evs = append(evs, key(i, 2)...)
	}
	got := decodeAll(append(evs, key(1001, keyEnter)...))
	if len(got) != 1 || len(got[0]) != maxText {
		t.Fatalf("a stuck key read %d characters, want %d", len(got[0]), maxText)
	}
}

// TestEventsOverAPipe: the kernel's binary events through a pipe become
// reads; cancelling ends a blocked read.
func TestEventsOverAPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	reads := make(chan Read)
	done := make(chan error, 1)
	go func() { done <- Events{Src: r}.Run(ctx, reads) }()
	var buf bytes.Buffer
	for _, ev := range Typing("12:3456", t0, 8*time.Millisecond) {
		buf.Write(EncodeEvent(ev))
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if got := <-reads; got.Text != "12:3456" || !got.At.After(t0) {
		t.Fatalf("read %+v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

// TestPartialEvent: a stream cut inside an event is an error, not a
// shifted stream of nonsense.
func TestPartialEvent(t *testing.T) {
	b := EncodeEvent(InputEvent{Time: t0, Type: EvKey, Code: 2, Value: keyDown})
	err := ReadEvents(bytes.NewReader(b[:len(b)-1]), func(InputEvent) bool { return true })
	if err == nil || !strings.Contains(err.Error(), "partial") {
		t.Fatalf("err %v", err)
	}
}

func TestEventRoundTrip(t *testing.T) {
	ev := InputEvent{Time: time.Unix(1764666000, 123456000), Type: EvKey, Code: keyKPEnter, Value: -1}
	var got InputEvent
	if err := ReadEvents(bytes.NewReader(EncodeEvent(ev)), func(e InputEvent) bool { got = e; return true }); err.Error() != "EOF" {
		t.Fatal(err)
	}
	if !got.Time.Equal(ev.Time) || got.Type != ev.Type || got.Code != ev.Code || got.Value != ev.Value {
		t.Fatalf("%+v, want %+v", got, ev)
	}
}

// FuzzWedgeDecoder: any bytes from an input device decode without panic,
// into reads of at most maxText characters from the decoder's alphabet.
func FuzzWedgeDecoder(f *testing.F) {
	var buf bytes.Buffer
	for _, ev := range Typing("12:3456", t0, 8*time.Millisecond) {
		buf.Write(EncodeEvent(ev))
	}
	f.Add(buf.Bytes())
	f.Add(EncodeEvent(InputEvent{Type: EvKey, Code: keyEnter, Value: keyDown}))
	f.Fuzz(func(t *testing.T, raw []byte) {
		raw = raw[:len(raw)/eventSize*eventSize]
		var d WedgeDecoder
		_ = ReadEvents(bytes.NewReader(raw), func(ev InputEvent) bool {
			if r, ok := d.Feed(ev); ok {
				if r.Text == "" || len(r.Text) > maxText || strings.Trim(r.Text, "0123456789:-,?") != "" {
					t.Fatalf("read %q", r.Text)
				}
			}
			return true
		})
	})
}

// TestFindInput: a device is found by the name the kernel gives it.
func TestFindInput(t *testing.T) {
	sys := t.TempDir()
	for dev, name := range map[string]string{"event0": "AT Translated Set 2 keyboard", "event5": "RFIDeas USB Keyboard"} {
		if err := os.MkdirAll(filepath.Join(sys, dev, "device"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sys, dev, "device", "name"), []byte(name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := FindInput(sys, "RFIDeas USB Keyboard"); err != nil || got != "/dev/input/event5" {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := FindInput(sys, "Nothing"); err == nil || !strings.Contains(err.Error(), "AT Translated") {
		t.Fatalf("a missing device: %v (want the names there are)", err)
	}
}
