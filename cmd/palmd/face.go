package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/palmd/palmd/drivers/lightring"
	"github.com/palmd/palmd/drivers/speaker"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/ui"
)

// options are the touchscreen page, the feedback devices and the badge
// scanner: the local file's [ui], [lightring], [speaker] and [badge],
// each replaced by its flag when one is given.
type options struct {
	ui        string        // loopback address of the touchscreen page; "" logs the screens instead
	lightring string        // SPI port of the LED ring, e.g. "SPI0.0"; "" none
	leds      int           // LEDs on the ring
	speaker   string        // ALSA device, e.g. "default"; "" none
	result    time.Duration // how long an entry's outcome stays on the screen
	badge     string        // -badge: the badge scanner instead of [badge] (badgeFlag)
	check     bool          // -check: validate the configuration and exit
}

// fill takes what the flags did not set from the local file.
func (o *options) fill(cfg *localconfig.Config, fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, apply := range map[string]func(){
		"ui":          func() { o.ui = cfg.UI.Address },
		"result-time": func() { o.result = cfg.UI.ResultTime.Duration },
		"lightring":   func() { o.lightring = cfg.LightRing.SPI },
		"leds":        func() { o.leds = cfg.LightRing.LEDs },
		"speaker":     func() { o.speaker = cfg.Speaker.Device },
	} {
		if !set[name] {
			apply()
		}
	}
}

// face is the reader's touchscreen page, light ring and speaker: what the
// appliance shows, lights and plays.
type face struct {
	screen   *ui.Server   // nil without a page
	listener net.Listener // the page's loopback port
	ring     *lightring.Ring
	spi      spi.PortCloser
	alsa     *speaker.ALSA
	log      *slog.Logger
}

// buildFace opens what opts and the simulation name. The page's port is
// open before the reader says it is ready, so the kiosk browser started
// after palmd finds it.
func buildFace(opts options, sim *simulation, log *slog.Logger) (*face, error) {
	f := &face{log: log}
	if opts.ui != "" {
		cat, err := ui.LoadCatalog()
		if err != nil {
			return nil, err
		}
		if f.listener, err = ui.Listen(opts.ui); err != nil {
			return nil, err
		}
		f.screen = ui.NewServer(cat, log.With("part", "screen"))
		log.Info("touchscreen page", "url", "http://"+f.listener.Addr().String()+"/")
	}
	if sim != nil {
		if opts.lightring != "" || opts.speaker != "" {
			f.close()
			return nil, errors.New("-lightring and -speaker are for real hardware: the simulation records the ring and the sounds")
		}
		return f, nil // the simulation's ring and speaker record instead
	}
	if err := f.openDevices(opts); err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

func (f *face) openDevices(opts options) error {
	if opts.lightring != "" {
		if _, err := host.Init(); err != nil {
			return fmt.Errorf("lightring: %w", err)
		}
		port, err := spireg.Open(opts.lightring)
		if err != nil {
			return fmt.Errorf("lightring %s: %w", opts.lightring, err)
		}
		f.spi = port
		if f.ring, err = lightring.Open(port, opts.leds); err != nil {
			return err
		}
	}
	if opts.speaker != "" {
		f.alsa = speaker.NewALSA(opts.speaker, f.log.With("part", "speaker"))
	}
	return nil
}

// ports are the appliance's display, lights and speaker from this face.
func (f *face) ports(ac *appliance.Config, opts options, sim *simulation, log *slog.Logger) {
	ac.Display, ac.ResultShown = logDisplay{log}, opts.result
	if f.screen != nil {
		ac.Display = f.screen
	}
	switch {
	case sim != nil:
		ac.Lights, ac.Speaker = ui.Lights{Ring: sim.ring}, ui.Speaker{Player: sim.speaker}
	default:
		if f.ring != nil {
			ac.Lights = ui.Lights{Ring: f.ring}
		}
		if f.alsa != nil {
			ac.Speaker = ui.Speaker{Player: f.alsa}
		}
	}
}

// start serves the page and drives the ring and the speaker until ctx
// ends; wg waits for them.
func (f *face) start(ctx context.Context, wg *sync.WaitGroup, app ui.Poster) {
	if f.screen != nil {
		wg.Go(func() {
			if err := ui.Serve(ctx, f.listener, f.screen.Handler(app)); err != nil {
				f.log.Error("touchscreen page stopped", "err", err)
			}
		})
	}
	if f.ring != nil {
		wg.Go(func() {
			if err := f.ring.Run(ctx); err != nil {
				f.log.Error("light ring stopped", "err", err)
			}
		})
	}
	if f.alsa != nil {
		wg.Go(func() { _ = f.alsa.Run(ctx) })
	}
}

// url is the touchscreen page's address, "" without one.
func (f *face) url() string {
	if f.listener == nil {
		return ""
	}
	return "http://" + f.listener.Addr().String() + "/"
}

func (f *face) close() {
	if f.listener != nil {
		_ = f.listener.Close()
	}
	if f.spi != nil {
		_ = f.spi.Close()
	}
}
