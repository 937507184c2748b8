package main

import (
	"context"
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/palmd/palmd/biometric/synth"
	"github.com/palmd/palmd/drivers/network"
	"github.com/palmd/palmd/firmware/panel/panelsim"
	"github.com/palmd/palmd/ui"
)

// The simulated appliance in a browser: the reader's screen beside the
// simulator's controls, every control a call to this same endpoint.
//
//go:embed simpage
var simPage embed.FS

// simNetworks are the Wi-Fi networks in range of the simulated reader.
// The simulator's page shows their passphrases: they are a simulator's,
// not a site's.
var simNetworks = []network.SimNetwork{
	{Network: network.Network{SSID: "Headquarters", Signal: 82, Secured: true}, Passphrase: "palm-reader-1"},
	{Network: network.Network{SSID: "Visitors", Signal: 64}},
	{Network: network.Network{SSID: "Lab 5 GHz", Signal: 38, Secured: true}, Passphrase: "lab-network-5"},
}

// pageRoutes adds the simulator's page and what it reads.
func (s *simulation) pageRoutes(mux *http.ServeMux) {
	page, _ := fs.Sub(simPage, "simpage")
	mux.Handle("GET /page/", http.StripPrefix("/page/", http.FileServerFS(page)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFileFS(w, r, page, "index.html")
	})
	mux.HandleFunc("GET /sim", func(w http.ResponseWriter, _ *http.Request) { reply(w, s.about(), nil) })
	mux.HandleFunc("GET /lights", func(w http.ResponseWriter, _ *http.Request) { reply(w, s.ring.History(), nil) })
	mux.HandleFunc("GET /sounds", func(w http.ResponseWriter, _ *http.Request) { reply(w, s.speaker.History(), nil) })
	mux.HandleFunc("GET /panel", func(w http.ResponseWriter, _ *http.Request) { reply(w, s.panel.snapshot(), nil) })
	mux.HandleFunc("POST /network", s.cable)
	mux.HandleFunc("POST /hand", s.showHand)
}

// simLEDs is the simulated ring's size, a common 24-LED ring.
const simLEDs = 24

// simAbout is what the page needs to label its controls.
type simAbout struct {
	Screen    string               `json:"screen_url"` // the touchscreen page; "" when palmd runs without -ui
	Tamper    string               `json:"tamper_pin"`
	TamperOn  string               `json:"tamper_open_level"`
	GPI       string               `json:"gpi_pin"`
	GPIOn     string               `json:"gpi_pressed_level"`
	Grants    []string             `json:"grants"`
	Networks  []network.SimNetwork `json:"networks"`
	Poses     []string             `json:"poses"`
	Screens   []string             `json:"screens"`
	Languages []string             `json:"languages"`
	LEDs      int                  `json:"leds"`
}

func (s *simulation) about() simAbout {
	level := func(activeLow bool) string {
		if activeLow {
			return "low"
		}
		return "high"
	}
	// An active-low line is Low while its switch is closed: an open case
	// is High. A request-to-exit press asserts the GPI.
	a := simAbout{Screen: s.uiURL, Tamper: s.cfg.Pins.Tamper, GPI: s.cfg.Pins.GPI, Networks: simNetworks,
		TamperOn: level(!s.cfg.Tamper.ActiveLow), GPIOn: level(s.cfg.GPI.ActiveLow),
		Screens: ui.Screens(), Languages: ui.Languages, LEDs: simLEDs, Poses: slices.Sorted(maps.Keys(handPoses))}
	for _, g := range s.grants {
		a.Grants = append(a.Grants, strconv.FormatUint(g.Facility, 10)+":"+strconv.FormatUint(g.Card, 10))
	}
	return a
}

// cable is POST /network {"cable":false}: pull the simulated Ethernet
// cable, or plug it back.
func (s *simulation) cable(w http.ResponseWriter, r *http.Request) {
	var req struct{ Cable *bool }
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req); err != nil || req.Cable == nil {
		http.Error(w, `network: want {"cable":true} or {"cable":false}`, http.StatusBadRequest)
		return
	}
	s.network.Plug(*req.Cable)
	reply(w, map[string]bool{"cable": *req.Cable}, nil)
}

// panelView keeps what the simulated door controllers received and how
// they answered, for the page: the panel's own view of the door.
type panelView struct {
	mu     sync.Mutex
	silent bool
	reads  []panelRead // the latest
	total  int         // reads received since palmd started
}

// panelRead is one badge a panel received.
type panelRead struct {
	Badge    string    `json:"badge"`
	Bits     int       `json:"bits"`
	Granted  bool      `json:"granted"`
	Err      string    `json:"undecodable,omitempty"`
	Read     time.Time `json:"read"`
	Answered time.Time `json:"answered,omitzero"` // zero: no answer
}

// follow records the reads a panel reports until ctx ends.
func (p *panelView) follow(ctx context.Context, reads <-chan panelsim.Access) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-reads:
			badge := strconv.FormatUint(a.Badge.Facility, 10) + ":" + strconv.FormatUint(a.Badge.Card, 10)
			p.mu.Lock()
			p.total++
			p.reads = append(p.reads, panelRead{Badge: badge, Bits: a.Bits, Granted: a.Granted, Err: a.Err, Read: a.Read, Answered: a.Answered})
			if len(p.reads) > 32 {
				p.reads = p.reads[1:]
			}
			p.mu.Unlock()
		}
	}
}

func (p *panelView) setSilent(silent bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.silent = silent
}

func (p *panelView) snapshot() map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return map[string]any{"answering": !p.silent, "received": p.total, "reads": append([]panelRead(nil), p.reads...)}
}

// handPoses are how the simulator can hold a synthetic hand over the
// camera: what the person does, not what the pipeline will say of it.
var handPoses = map[string]func(c *synth.Conditions){
	"held-right":  func(*synth.Conditions) {},
	"too-far":     func(c *synth.Conditions) { c.Scale = 0.45 },
	"too-close":   func(c *synth.Conditions) { c.Scale = 1.7 },
	"off-centre":  func(c *synth.Conditions) { c.DX = 190 },
	"in-the-dark": func(c *synth.Conditions) { c.Gain = 0.25 },
	// The palm tilted towards the camera, about 12° each way: the ROI as
	// located lands off the enrolled patch, and the reader's second look
	// (recognize.Reader.Offer) is what recovers it.
	"tilted": func(c *synth.Conditions) { c.Pitch, c.Yaw = 12, -12 },
}

// showHand is POST /hand {"person":N,"hand":"left","pose":"too-far"}:
// a fresh capture of synthetic person N's hand (biometric/synth; the
// right one unless told) held over the camera as the pose says, for the
// real pipeline to guide, identify or enrol; {"away":true} takes it
// away. Each call is a new presentation: the hand lands a little
// differently each time, as a person's does ("seed" replays one, for
// tests).
func (s *simulation) showHand(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Person uint64
		Hand   string
		Pose   string
		Seed   uint64 // the presentation's; zero: a new one
		Away   bool
	}
	err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req)
	if req.Pose == "" {
		req.Pose = "held-right"
	}
	pose, ok := handPoses[req.Pose]
	side, sideOK := map[string]synth.Side{"": synth.Right, "right": synth.Right, "left": synth.Left}[req.Hand]
	if err != nil || (!req.Away && (!ok || !sideOK)) {
		poses := strings.Join(slices.Sorted(maps.Keys(handPoses)), "|")
		http.Error(w, `hand: want {"person":N,"hand":"right|left","pose":"`+poses+`"} or {"away":true}`, http.StatusBadRequest)
		return
	}
	if req.Away {
		s.camera.Show(nil)
		reply(w, map[string]bool{"shown": false}, nil)
		return
	}
	if req.Seed == 0 {
		req.Seed = rand.Uint64()
	}
	c := presentation(rand.New(rand.NewPCG(req.Seed, req.Person)))
	pose(&c)
	s.camera.Show(synth.NewPerson(req.Person).Hands[side].Capture(c))
	reply(w, map[string]any{"shown": true, "person": req.Person, "hand": side.String(), "pose": req.Pose}, nil)
}

// presentation is how a cooperative person holds a hand over the reader:
// near the nominal pose, a little turned, shifted, lit and noisy.
func presentation(rng *rand.Rand) synth.Conditions {
	c := synth.Nominal
	c.Rotation = rng.Float64()*12 - 6
	c.Scale = 0.95 + rng.Float64()*0.1
	c.DX, c.DY = rng.NormFloat64()*8, rng.NormFloat64()*6
	c.Spread = 0.9 + rng.Float64()*0.2
	c.Gain = 0.9 + rng.Float64()*0.2
	c.Noise = 2 + rng.Float64()*2
	c.Seed = rng.Uint64()
	return c
}
