package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/draw"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/drivers/badge/badgesim"
	"github.com/palmd/palmd/drivers/camera"
	"github.com/palmd/palmd/drivers/lightring/ringsim"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/drivers/pinsim"
	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/drivers/speaker/speakersim"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/panel/panelsim"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// simulation is the simulated hardware around the reader: the pins, the
// camera, the door controller on the RS-485 line and on the Wiegand
// lines, the network, and the loopback control endpoint that plays them.
type simulation struct {
	cfg     *localconfig.Config
	log     *slog.Logger
	pins    *pinsim.Board
	camera  *camera.Sim
	network *network.Recorder
	osdp    *panelsim.OSDP // nil without [rs485]
	master  osdp.Link      // the panel's end of the line
	wiegand *panelsim.Wiegand
	grants  panelsim.Grants
	ring    *ringsim.Ring
	speaker *speakersim.Speaker
	panel   *panelView // what the simulated panels received and answered
	uiURL   string     // the touchscreen page the simulator's page shows
	badges  badgesim.Scanner
}

// simFPS is the simulated camera's frame rate, a reader camera's.
const simFPS = 30

// newSimulation makes the configured lines, at rest: case closed, door
// contact and panel LED inactive.
func newSimulation(cfg *localconfig.Config, log *slog.Logger) *simulation {
	p := cfg.Pins
	b := pinsim.NewBoard(p.Relay, p.GPO, p.GPI, p.Tamper, p.WiegandD0, p.WiegandD1, p.WiegandLED)
	b.Sim(p.Tamper).Set(gpio.Level(!cfg.Tamper.ActiveLow))
	b.Sim(p.GPI).Set(gpio.Level(cfg.GPI.ActiveLow))
	b.Sim(p.WiegandLED).Set(gpio.Level(cfg.Wiegand.LEDGrantLevel == "low"))
	s := &simulation{cfg: cfg, log: log.With("sim", "hardware"), pins: b, camera: camera.NewSim(640, 480, simFPS), network: &network.Recorder{},
		ring: &ringsim.Ring{}, speaker: &speakersim.Speaker{}, panel: &panelView{}}
	s.network.SetRange(simNetworks)
	if cfg.Simulate.CameraUnplugged {
		s.camera.Unplug()
	}
	for _, g := range cfg.Simulate.PanelGrants {
		f, c, _ := localconfig.ParseGrant(g) // validated at load
		s.grants = append(s.grants, wiegand.Badge{Facility: f, Card: c})
	}
	return s
}

// openPanelLine puts the simulated OSDP panel on the master of a pty and
// opens the slave as the reader's serial port, through the real driver.
// The simulated panel knows the reader's key, as the real one would after
// adopting it (a simulator's shortcut: it reads the reader's settings);
// a reader without one gets one from the panel. The caller closes both
// ends.
func (s *simulation) openPanelLine(st panel.OSDPSettings) (port, panelEnd io.Closer, err error) {
	m, path, err := serial.OpenPTYLink(serialReadTimeout)
	if err != nil {
		return nil, nil, err
	}
	p, err := serial.Open(path, int(st.Baud), serialReadTimeout)
	if err != nil {
		m.Close()
		return nil, nil, err
	}
	h10301, _ := wiegand.Lookup("h10301")
	s.osdp, err = panelsim.NewOSDP(panelsim.OSDPConfig{
		Address: st.Address, SCBK: st.SCBK, Install: st.SCBK == nil && st.InstallMode,
		Format: h10301, Grants: s.grants, Logger: s.log.With("sim", "door-panel"),
	})
	if err != nil {
		m.Close()
		p.Close()
		return nil, nil, err
	}
	s.master = m
	return p, m, nil
}

// start runs the simulated panels and the control endpoint until ctx ends.
func (s *simulation) start(ctx context.Context, wg *sync.WaitGroup, app *appliance.Appliance, uiURL string) error {
	s.uiURL = uiURL
	p := s.cfg.Pins
	h10301, _ := wiegand.Lookup("h10301")
	grant := gpio.Level(s.cfg.Wiegand.LEDGrantLevel == "high")
	var err error
	s.wiegand, err = panelsim.NewWiegand(panelsim.WiegandConfig{
		D0: s.pins.Sim(p.WiegandD0), D1: s.pins.Sim(p.WiegandD1), LED: s.pins.Sim(p.WiegandLED),
		GrantLevel: grant, Format: h10301, Grants: s.grants, Logger: s.log.With("sim", "wiegand-panel"),
	})
	if err != nil {
		return err
	}
	wg.Go(func() { _ = s.wiegand.Run(ctx) })
	wg.Go(func() { s.panel.follow(ctx, s.wiegand.Access()) })
	if s.osdp != nil {
		wg.Go(func() { s.panel.follow(ctx, s.osdp.Access()) })
		wg.Go(func() {
			if err := s.osdp.Run(ctx, s.master); err != nil {
				s.log.Error("simulated door panel stopped", "err", err)
			}
		})
	}
	addr := s.cfg.Simulate.Control
	if addr == "" {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("simulator control: %w", err)
	}
	srv := &http.Server{Handler: s.handler(app), ReadHeaderTimeout: 5 * time.Second}
	wg.Go(func() { _ = srv.Serve(l) })
	wg.Go(func() {
		<-ctx.Done()
		_ = srv.Close()
	})
	s.log.Info("simulator control endpoint", "url", "http://"+l.Addr().String()+"/state")
	s.log.Info("simulated appliance", "url", "http://"+l.Addr().String()+"/")
	return nil
}

// followSite sets the simulated panels up like the site's: the installer
// sets a real panel to the site's badge format and the reader's address.
func (s *simulation) followSite(o *panel.Opener) appliance.Panels { return sitePanels{o, s} }

type sitePanels struct {
	*panel.Opener
	sim *simulation
}

func (p sitePanels) Open(spec panel.Spec) (panel.Link, error) {
	if p.sim.osdp != nil && spec.Protocol == panel.ProtocolOSDP {
		c := p.Settings.Following(panel.Com{Address: spec.Address, Baud: spec.Baud})
		p.sim.osdp.Configure(c.Address, spec.Secure, spec.Format)
	}
	if p.sim.wiegand != nil {
		p.sim.wiegand.SetFormat(spec.Format)
	}
	return p.Opener.Open(spec)
}

// handler serves the control endpoint.
func (s *simulation) handler(app *appliance.Appliance) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/pins", s.pins.Handler())
	mux.Handle("/pins/", s.pins.Handler())
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		st, err := app.Status(r.Context())
		reply(w, st, err)
	})
	mux.HandleFunc("POST /camera", s.showImage)
	mux.HandleFunc("POST /camera/{plug}", func(w http.ResponseWriter, r *http.Request) {
		switch r.PathValue("plug") {
		case "unplug":
			s.camera.Unplug()
		case "plug":
			s.camera.Plug()
		default:
			http.Error(w, "camera: want /camera/unplug or /camera/plug", http.StatusNotFound)
			return
		}
		reply(w, map[string]bool{"plugged": s.camera.Plugged()}, nil)
	})
	mux.HandleFunc("POST /identify", func(w http.ResponseWriter, r *http.Request) { s.identify(w, r, app) })
	mux.HandleFunc("POST /touch", func(w http.ResponseWriter, r *http.Request) { s.touch(w, r, app) })
	mux.HandleFunc("POST /panel", s.panelAnswers)
	mux.HandleFunc("POST /badge", s.presentBadge)
	mux.HandleFunc("GET /network", func(w http.ResponseWriter, _ *http.Request) {
		ssid, secured, n := s.network.Current()
		reply(w, map[string]any{"ssid": ssid, "passphrase_set": secured, "applied": n, "cable": s.network.Cable()}, nil)
	})
	s.pageRoutes(mux)
	return mux
}

func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// showImage is POST /camera: put an image (PNG or JPEG) in front of the
// camera; an empty body takes it away.
func (s *simulation) showImage(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(raw) == 0 {
		s.camera.Show(nil)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		http.Error(w, "camera: not a PNG or JPEG image: "+err.Error(), http.StatusBadRequest)
		return
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	s.camera.Show(g)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, `{"shown":true}`)
}

// identifyRequest is POST /identify: play a presentation whose palm the
// pipeline matched to this badge, or matched to nobody.
type identifyRequest struct {
	Facility *uint64 `json:"facility"`
	Card     *uint64 `json:"card"`
	Nobody   bool    `json:"nobody"`
}

func (s *simulation) identify(w http.ResponseWriter, r *http.Request, app *appliance.Appliance) {
	var req identifyRequest
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req)
	if err == nil && !req.Nobody && (req.Facility == nil || req.Card == nil) {
		err = fmt.Errorf("want facility and card, or nobody")
	}
	if err != nil {
		http.Error(w, `identify: want {"facility":N,"card":N} or {"nobody":true}: `+err.Error(), http.StatusBadRequest)
		return
	}
	res := gallery.Result{}
	if !req.Nobody {
		res = gallery.Result{ID: "simulated", Badge: strconv.FormatUint(*req.Facility, 10) + ":" + strconv.FormatUint(*req.Card, 10), Matched: true}
	}
	if err := app.Post(r.Context(), appliance.Seen{Output: vision.Identified{Result: res, Frame: time.Now()}}); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, `{"presented":true}`)
}

// touch is POST /touch {"button":"start"}: a tap on the screen, with
// the value a button carries ({"button":"network","value":"SSID"}).
func (s *simulation) touch(w http.ResponseWriter, r *http.Request, app *appliance.Appliance) {
	var req struct{ Button, Value string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req); err != nil || strings.TrimSpace(req.Button) == "" {
		http.Error(w, `touch: want {"button":"start"}`, http.StatusBadRequest)
		return
	}
	if err := app.Post(r.Context(), appliance.Touched{Button: req.Button, Value: req.Value}); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// panelAnswers is POST /panel {"answer":false}: the simulated door
// controllers take badges without answering (a panel waiting on its host),
// or answer again.
func (s *simulation) panelAnswers(w http.ResponseWriter, r *http.Request) {
	var req struct{ Answer *bool }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req); err != nil || req.Answer == nil {
		http.Error(w, `panel: want {"answer":true} or {"answer":false}`, http.StatusBadRequest)
		return
	}
	if s.osdp != nil {
		s.osdp.Mute(!*req.Answer)
	}
	if s.wiegand != nil {
		s.wiegand.Mute(!*req.Answer)
	}
	s.panel.setSilent(!*req.Answer)
	reply(w, map[string]bool{"answer": *req.Answer}, nil)
}

// presentBadge is POST /badge {"text":"12:3456"}: a badge held to the
// simulated desk scanner, which types (or sends) the text as it is, so
// that a read in the wrong format can be played too.
func (s *simulation) presentBadge(w http.ResponseWriter, r *http.Request) {
	var req struct{ Text string }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req); err != nil || req.Text == "" || len(req.Text) > 64 {
		http.Error(w, `badge: want {"text":"FACILITY:CARD"}`, http.StatusBadRequest)
		return
	}
	if s.badges == nil {
		http.Error(w, "badge: this reader runs without a simulated badge scanner", http.StatusConflict)
		return
	}
	if err := s.badges.Present(req.Text); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, `{"presented":true}`)
}
