package panel_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/drivers/output"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/panel/panelsim"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

type reader struct {
	osdp       *panel.OSDP
	relay, gpo *pinsim.Pin
	settings   *panel.Settings
}

// newReader is a reader on one end of a pty whose other end is returned.
func newReader(t *testing.T, db *store.DB, format *wiegand.Format, driven ...bool) (*reader, osdp.Link) {
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
	far, path, err := serial.OpenPTYLink(10 * time.Millisecond)
	if err != nil {
		t.Skip(err)
	}
	port, err := serial.Open(path, 9600, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close(); far.Close() })
	if driven == nil {
		driven = []bool{true, true}
	}
	p, err := panel.NewOSDP(panel.OSDPConfig{Link: port, Settings: settings, Secure: true, Format: format}, panel.IO{
		Outputs: []panel.Output{relay, gpo}, Driven: driven,
		GPI: func() bool { return false }, Tamper: func() bool { return false },
	})
	if err != nil {
		t.Fatal(err)
	}
	return &reader{osdp: p, relay: relayPin, gpo: gpoPin, settings: settings}, far
}

// runBoth runs the reader and fn's panel until the test ends.
func runBoth(t *testing.T, r *reader, panelRun func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- r.osdp.Run(ctx, func() {}) }()
	go func() { done <- panelRun(ctx) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	})
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustFormat(t *testing.T, name string) *wiegand.Format {
	t.Helper()
	f, err := wiegand.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func decision(t *testing.T, l panel.Link) panel.Decision {
	t.Helper()
	select {
	case d := <-l.Decisions():
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no decision from the panel")
	}
	return panel.Decision{}
}

// TestReaderAndDoorPanel: the simulated panel adopts the reader with a key
// of its own, then grants the badge on its list and denies another, in
// each standard format both ends are set to.
func TestReaderAndDoorPanel(t *testing.T) {
	staff := wiegand.Badge{Facility: 12, Card: 3456}
	for _, name := range []string{"h10301", "h10306"} {
		t.Run(name, func(t *testing.T) {
			format := mustFormat(t, name)
			db := openDB(t)
			r, far := newReader(t, db, format)
			dp, err := panelsim.NewOSDP(panelsim.OSDPConfig{Install: true, Format: format, Grants: panelsim.Grants{staff}, Feedback: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			runBoth(t, r, func(ctx context.Context) error { return dp.Run(ctx, far) })
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
				if d := decision(t, r.osdp); d.Granted != tc.granted || d.Reason != "" {
					t.Errorf("badge %v: reader saw %+v, want granted=%v and no reason", tc.badge, d, tc.granted)
				}
				if a := <-dp.Access(); a.Badge != tc.badge || a.Granted != tc.granted {
					t.Errorf("panel access %+v, want %v granted=%v", a, tc.badge, tc.granted)
				}
			}
			if !r.osdp.Online() {
				t.Error("panel link reported down while polled")
			}
		})
	}
}

// TestPanelSaysWhyItRefused: a panel set to another badge format denies
// and says why; the reader hands the reason on with the decision.
func TestPanelSaysWhyItRefused(t *testing.T) {
	r, far := newReader(t, openDB(t), mustFormat(t, "h10306"))
	dp, err := panelsim.NewOSDP(panelsim.OSDPConfig{Install: true, Format: mustFormat(t, "h10301")})
	if err != nil {
		t.Fatal(err)
	}
	runBoth(t, r, func(ctx context.Context) error { return dp.Run(ctx, far) })
	if err := r.osdp.Send(wiegand.Badge{Facility: 12, Card: 3456}); err != nil {
		t.Fatal(err)
	}
	d := decision(t, r.osdp)
	if d.Granted || !strings.Contains(d.Reason, "card format not recognised") || !strings.Contains(d.Reason, "34 bits") {
		t.Fatalf("decision %+v: want a deny that names the format problem", d)
	}
}

// cpLink runs a bare control panel against the reader for OUT commands.
func cpLink(t *testing.T, r *reader, far osdp.Link) (*osdp.CP, context.Context) {
	t.Helper()
	cp, err := osdp.NewCP(osdp.CPConfig{PDs: []osdp.PeerConfig{{Address: 0, Install: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	runBoth(t, r, func(ctx context.Context) error {
		go func() {
			for range cp.Events() {
			}
		}()
		return cp.Run(ctx, far)
	})
	return cp, ctx
}

func out(t *testing.T, ctx context.Context, cp *osdp.CP, recs ...osdp.OutputControl) error {
	t.Helper()
	b, err := osdp.OUT{Records: recs}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = cp.Send(sctx, 0, osdp.CmdOUT, b)
	return err
}

// TestPanelDrivesRelay: an OSDP output command pulses the relay.
func TestPanelDrivesRelay(t *testing.T) {
	r, far := newReader(t, openDB(t), mustFormat(t, "h10301"))
	cp, ctx := cpLink(t, r, far)
	if err := out(t, ctx, cp, osdp.OutputControl{Output: 0, Control: osdp.OutTempOnResume, Timer: 2}); err != nil {
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

// TestTemporaryOffThenPermanentOff: a "permanent off" given during a
// "temporary off" must not be undone when the temporary timer ends (it
// was, by a stale timer that re-energised the relay).
func TestTemporaryOffThenPermanentOff(t *testing.T) {
	r, far := newReader(t, openDB(t), mustFormat(t, "h10301"))
	cp, ctx := cpLink(t, r, far)
	steps := []osdp.OutputControl{
		{Output: 0, Control: osdp.OutPermOnAbort},
		{Output: 0, Control: osdp.OutTempOffResume, Timer: 3}, // 300 ms
		{Output: 0, Control: osdp.OutPermOffAbort},
	}
	for _, s := range steps {
		if err := out(t, ctx, cp, s); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(600 * time.Millisecond) // past the temporary timer
	if r.relay.Read() {
		t.Fatal("the relay was re-energised after a permanent off")
	}
}

// TestOutputNotDrivenByPanel: with the relay following grants, the panel's
// OUT for it is refused and the relay does not move.
func TestOutputNotDrivenByPanel(t *testing.T) {
	r, far := newReader(t, openDB(t), mustFormat(t, "h10301"), false, true)
	cp, ctx := cpLink(t, r, far)
	err := out(t, ctx, cp, osdp.OutputControl{Output: 0, Control: osdp.OutPermOnAbort})
	var nak *osdp.NakError
	if !errors.As(err, &nak) {
		t.Fatalf("OUT for a relay that follows grants: %v, want a NAK", err)
	}
	if r.relay.Read() {
		t.Fatal("relay energised by a refused OUT")
	}
	if err := out(t, ctx, cp, osdp.OutputControl{Output: 1, Control: osdp.OutPermOnAbort}); err != nil || !r.gpo.Read() {
		t.Fatalf("OUT for the GPO the panel drives: %v, GPO high %v", err, r.gpo.Read())
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

// TestSecureChannelOff: with the configuration's Secure Channel off, a
// reader that holds a key still answers a panel in the clear (the key is
// kept for when it is turned on again).
func TestSecureChannelOff(t *testing.T) {
	db := openDB(t)
	format := mustFormat(t, "h10301")
	settings, err := panel.LoadSettings(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := settings.SetKey(make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	far, path, err := serial.OpenPTYLink(10 * time.Millisecond)
	if err != nil {
		t.Skip(err)
	}
	port, err := serial.Open(path, 9600, 10*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { port.Close(); far.Close() })
	relay, _ := output.New(pinsim.New("RELAY", 1), output.Config{Name: "relay"})
	p, err := panel.NewOSDP(panel.OSDPConfig{Link: port, Settings: settings, Secure: false, Format: format},
		panel.IO{Outputs: []panel.Output{relay}, GPI: func() bool { return false }, Tamper: func() bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	dp, err := panelsim.NewOSDP(panelsim.OSDPConfig{Plain: true, Format: format, Grants: panelsim.Grants{{Facility: 12, Card: 3456}}})
	if err != nil {
		t.Fatal(err)
	}
	runBoth(t, &reader{osdp: p}, func(ctx context.Context) error { return dp.Run(ctx, far) })
	if err := p.Send(wiegand.Badge{Facility: 12, Card: 3456}); err != nil {
		t.Fatal(err)
	}
	if d := decision(t, p); !d.Granted {
		t.Fatalf("a plain panel: %+v", d)
	}
	if s := settings.OSDP(); s.SCBK == nil {
		t.Fatal("the stored key was lost")
	}
}
