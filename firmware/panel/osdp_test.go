package panel_test

import (
	"context"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/firmware/doorpanel"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

type reader struct {
	osdp  *panel.OSDP
	relay *pinsim.Pin
}

func newReader(t *testing.T, db *store.DB, format *wiegand.Format) *reader {
	t.Helper()
	relayPin, gpoPin := pinsim.New("RELAY", 1), pinsim.New("GPO", 2)
	relay, err := output.New(relayPin, output.Config{Name: "relay"})
	if err != nil {
		t.Fatal(err)
	}
	gpo, err := output.New(gpoPin, output.Config{Name: "gpo"})
	if err != nil {
		t.Fatal(err)
	}
	settings, err := panel.LoadSettings(db)
	if err != nil {
		t.Fatal(err)
	}
	p, err := panel.NewOSDP(panel.OSDPConfig{Settings: settings, Format: format}, panel.IO{
		Outputs: []panel.Output{relay, gpo}, GPI: func() bool { return false }, Tamper: func() bool { return false },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &reader{osdp: p, relay: relayPin}
}

// run connects a reader and a door panel over a pty until the test ends.
func run(t *testing.T, r *reader, cfg doorpanel.Config) *doorpanel.Panel {
	t.Helper()
	link, path, err := serial.OpenPTYLink(10 * time.Millisecond)
	if err != nil {
		t.Skip(err)
	}
	port, err := serial.Open(path, 9600, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	dp, err := doorpanel.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- r.osdp.Run(ctx, port) }()
	go func() { done <- dp.Run(ctx, link) }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		port.Close()
		link.Close()
	})
	return dp
}

func TestReaderAndDoorPanel(t *testing.T) {
	format, err := wiegand.Lookup("h10301")
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	staff := wiegand.Badge{Facility: 12, Card: 3456}
	r := newReader(t, db, format)
	dp := run(t, r, doorpanel.Config{Address: 0, Install: true, Format: format, Grants: []wiegand.Badge{staff}, Feedback: time.Second})

	// The panel adopts the reader: the key it installs is persisted.
	waitFor(t, func() bool {
		s, err := panel.LoadSettings(db)
		return err == nil && s.OSDP().SCBK != nil && !s.OSDP().InstallMode
	})
	for _, tc := range []struct {
		badge   wiegand.Badge
		granted bool
	}{{staff, true}, {wiegand.Badge{Facility: 12, Card: 999}, false}} {
		if err := r.osdp.Send(tc.badge); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-r.osdp.Decisions():
			if d.Granted != tc.granted {
				t.Errorf("badge %v: reader saw granted=%v, want %v", tc.badge, d.Granted, tc.granted)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("badge %v: no decision from the panel", tc.badge)
		}
		a := <-dp.Access()
		if a.Badge != tc.badge || a.Granted != tc.granted {
			t.Errorf("panel access %+v, want %v granted=%v", a, tc.badge, tc.granted)
		}
	}
	if !r.osdp.Online() {
		t.Error("panel link reported down while polled")
	}
}

// TestPanelDrivesRelay: an OSDP output command pulses the relay.
func TestPanelDrivesRelay(t *testing.T) {
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	format, _ := wiegand.Lookup("h10301")
	r := newReader(t, db, format)
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 0}}})
	if err != nil {
		t.Fatal(err)
	}
	link, path, err := serial.OpenPTYLink(10 * time.Millisecond)
	if err != nil {
		t.Skip(err)
	}
	defer link.Close()
	port, err := serial.Open(path, 9600, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.osdp.Run(ctx, port)
	go cp.Run(ctx, link)
	go func() {
		for range cp.Events() {
		}
	}()
	out, _ := osdp.OUT{Records: []osdp.OutputControl{{Output: 0, Control: osdp.OutTempOnResume, Timer: 2}}}.MarshalBinary()
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	defer scancel()
	if _, err := cp.Send(sctx, 0, osdp.CmdOUT, out); err != nil {
		t.Fatal(err)
	}
	if r.relay.Read() != true {
		t.Fatal("relay not energised by OUT")
	}
	waitFor(t, func() bool { return r.relay.Read() == false })
	if n := len(r.relay.Edges()); n != 2 {
		t.Errorf("relay edges %d, want one pulse", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10 s")
}
