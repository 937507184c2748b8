package appliance_test

import (
	"context"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/biometric/recognize"
	"github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/panel/panelsim"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// rig is a whole simulated reader built from the real parts: pins, the
// I/O board, the OSDP and Wiegand links with their simulated panels, the
// simulated camera and the camera worker with a gallery, and the
// appliance. Only the service, the display and the outbox are stand-ins.
type rig struct {
	app     *appliance.Appliance
	cam     *camera.Sim
	pins    *pinsim.Board
	lc      *localconfig.Config
	osdp    *panelsim.OSDP
	wiegand *panelsim.Wiegand
	hand    *image.Gray // an enrolled person's palm, at another pose
	stop    func()      // stops and releases the rig; twice is fine
	closers []func() error
}

// staff is the enrolled person's badge, which both panels grant.
var staff = wiegand.Badge{Facility: 12, Card: 3456}

// newRig starts a reader running cfg (or waiting for activation when cfg
// is nil) with people enrolled besides the one whose hand it shows.
func newRig(tb testing.TB, cfg *api.Config, people int) *rig {
	tb.Helper()
	return newRigWith(tb, cfg, people, false)
}

// newRigWith can run the OSDP panel in a process of its own, so that this
// process's CPU time is the reader's alone.
func newRigWith(tb testing.TB, cfg *api.Config, people int, panelProcess bool) *rig {
	tb.Helper()
	lc, err := localconfig.Load("../../configs/simulator.toml")
	if err != nil {
		tb.Fatal(err)
	}
	r := &rig{lc: lc, cam: camera.NewSim(640, 480, 30)}
	p := lc.Pins
	r.pins = pinsim.NewBoard(p.Relay, p.GPO, p.GPI, p.Tamper, p.WiegandD0, p.WiegandD1, p.WiegandLED)
	r.pins.Sim(p.Tamper).Set(gpio.Low)
	r.pins.Sim(p.GPI).Set(gpio.High)
	r.pins.Sim(p.WiegandLED).Set(gpio.High)
	board, err := ioboard.Open(lc, r.pins)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := store.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	settings, err := panel.LoadSettings(db)
	if err != nil {
		tb.Fatal(err)
	}
	master, path, err := serial.OpenPTYLink(25 * time.Millisecond)
	if err != nil {
		tb.Skip(err)
	}
	port, err := serial.Open(path, 9600, 25*time.Millisecond)
	if err != nil {
		tb.Fatal(err)
	}
	format := mustFormat(tb, "h10301")
	if cfg != nil {
		if format, err = cfg.BadgeFormat(); err != nil {
			tb.Fatal(err)
		}
	}
	runPanel := func(ctx context.Context) { _ = r.osdp.Run(ctx, master) }
	if panelProcess {
		runPanel = panelInProcess(tb, master)
	} else if r.osdp, err = panelsim.NewOSDP(panelsim.OSDPConfig{Install: true, Format: format, Grants: panelsim.Grants{staff}}); err != nil {
		tb.Fatal(err)
	}
	if r.wiegand, err = panelsim.NewWiegand(panelsim.WiegandConfig{D0: r.pins.Sim(p.WiegandD0), D1: r.pins.Sim(p.WiegandD1),
		LED: r.pins.Sim(p.WiegandLED), GrantLevel: gpio.Low, Format: format, Grants: panelsim.Grants{staff},
		// A long frame timeout: on a loaded host pinned to one core the
		// sending thread can stall mid-frame; the figures use the time of
		// the frame's last edge, not its timeout.
		Feedback: 500 * time.Millisecond, FrameTimeout: time.Second}); err != nil {
		tb.Fatal(err)
	}
	g, hand := galleryOf(tb, people)
	r.hand = hand
	palms, err := recognize.New(recognize.Config{FalseMatchRate: 1e-9}, g)
	if err != nil {
		tb.Fatal(err)
	}
	codes, err := vision.NewCodes()
	if err != nil {
		tb.Fatal(err)
	}
	worker, err := vision.New(vision.Config{Open: r.cam.Open, Codes: codes, Palms: palms})
	if err != nil {
		tb.Fatal(err)
	}
	svc := &standIn{activated: cfg != nil, running: cfg}
	r.app, err = appliance.New(appliance.Config{
		Caps: appliance.Caps{RS485: true}, Display: svc, Outbox: svc, Configs: svc, Wiper: svc, Service: svc,
		Camera: worker, Inputs: board, Outputs: [2]panel.Output{board.Relay, board.GPO}, Network: &network.Recorder{},
		Watchdog: svc, Probes: appliance.HostProbes{StateDir: tb.TempDir()},
		Panels: &panel.Opener{Port: port, Settings: settings, D0: board.D0, D1: board.D1, LED: board.LED,
			IO: panel.IO{Outputs: []panel.Output{board.Relay, board.GPO}, GPI: board.GPI.Asserted, Tamper: board.Tamper.Open}},
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 3)
	go func() { runPanel(ctx); done <- struct{}{} }()
	go func() { _ = r.wiegand.Run(ctx); done <- struct{}{} }()
	go func() { _, _ = r.app.Run(ctx); done <- struct{}{} }()
	var once sync.Once
	r.stop = func() { once.Do(func() { r.shutdown(cancel, done) }) }
	r.closers = []func() error{board.Close, port.Close, master.Close, palms.Close, codes.Close, db.Close}
	tb.Cleanup(r.stop)
	<-r.app.Ready()
	return r
}

// shutdown stops the rig's goroutines and releases its parts.
func (r *rig) shutdown(cancel context.CancelFunc, done chan struct{}) {
	cancel()
	for range 3 {
		<-done
	}
	for _, c := range r.closers {
		_ = c()
	}
}

func mustFormat(tb testing.TB, name string) *wiegand.Format {
	f, err := wiegand.Lookup(name)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// galleryOf enrols people synthetic people with two hands each, and one
// drawn hand whose palm the rig shows at another pose.
func galleryOf(tb testing.TB, people int) (*gallery.Gallery, *image.Gray) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := gallery.New()
	g.Reserve(2*people + 1)
	for i := range people {
		id := templatetest.NewIdentity(rng)
		_ = g.Put(gallery.Person{ID: fmt.Sprint(i), Badge: fmt.Sprintf("1:%d", i), Templates: []template.Template{id.Capture(rng, 0.1, 1), id.Capture(rng, 0.1, 1)}})
	}
	e, err := features.NewExtractor()
	if err != nil {
		tb.Fatal(err)
	}
	defer e.Close()
	hand := palmtest.NewHand(3)
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(hand.Render(palmtest.Centred, 1))
	if err != nil || !obs.Good() {
		tb.Fatal(obs.Hints, err)
	}
	enrolled, err := e.Template(obs.ROI)
	if err != nil {
		tb.Fatal(err)
	}
	_ = g.Put(gallery.Person{ID: "me", Badge: fmt.Sprintf("%d:%d", staff.Facility, staff.Card), Templates: []template.Template{enrolled}})
	return g, hand.Render(palmtest.Pose{Deg: 10, Scale: 158, CX: 330, CY: 295}, 9)
}

// panelProcessEnv makes the test binary the rig's OSDP panel: it polls
// the pty master it inherits as descriptor 3 (TestRigPanelProcess).
const panelProcessEnv = "PALMD_RIG_PANEL"

// panelInProcess starts the panel process on master and returns what runs
// it until ctx ends.
func panelInProcess(tb testing.TB, master *serial.PTYLink) func(context.Context) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestRigPanelProcess$")
	cmd.Env = append(os.Environ(), panelProcessEnv+"=1")
	cmd.ExtraFiles = []*os.File{master.File()}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	return func(ctx context.Context) {
		<-ctx.Done()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
}

// TestRigPanelProcess is the OSDP panel of a rig whose panel runs apart;
// run otherwise, it does nothing.
func TestRigPanelProcess(t *testing.T) {
	if os.Getenv(panelProcessEnv) == "" {
		t.Skip("the OSDP panel of a rig, run by newRigWith")
	}
	link, err := serial.NewPTYLink(os.NewFile(3, "pty master"), 25*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	p, err := panelsim.NewOSDP(panelsim.OSDPConfig{Install: true, Format: mustFormat(t, "h10301"), Grants: panelsim.Grants{staff}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := p.Run(ctx, link); err != nil {
		t.Fatal(err)
	}
}

// wait polls the appliance until ok.
func (r *rig) wait(tb testing.TB, what string, ok func(appliance.Status) bool) appliance.Status {
	tb.Helper()
	var st appliance.Status
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var err error
		if st, err = r.app.Status(context.Background()); err == nil && ok(st) {
			return st
		}
	}
	tb.Fatalf("waiting for %s: %+v", what, st)
	return st
}

// standIn is the service, display, outbox and watchdog of a rig: a reader
// activated (or not) with a running configuration, showing and recording
// nothing.
type standIn struct {
	activated bool
	running   *api.Config
}

func (s *standIn) Activated() bool { return s.activated }
func (s *standIn) Activate(context.Context, string) (api.Config, error) {
	return api.Config{}, fmt.Errorf("the rig has no service")
}
func (s *standIn) Sync(ctx context.Context, _ appliance.Device) error { <-ctx.Done(); return ctx.Err() }
func (s *standIn) Show(appliance.Screen)                              {}
func (s *standIn) Record(api.Event) error                             { return nil }
func (s *standIn) Wipe() error                                        { return nil }
func (s *standIn) Feed() error                                        { return nil }
func (s *standIn) SaveRunning(api.Config) error                       { return nil }
func (s *standIn) Running() (api.Config, bool) {
	if s.running == nil {
		return api.Config{}, false
	}
	return *s.running, true
}

var _ osdp.Link = (*serial.Port)(nil)
