package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/palmd/palmd/drivers/serial"
	"github.com/palmd/palmd/firmware/doorpanel"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/store"
	"github.com/palmd/palmd/osdp"
	"github.com/palmd/palmd/wiegand"
)

// defaultBadgeFormat is used until the service's configuration, which
// names the site's badge format, is applied.
const defaultBadgeFormat = "h10301"

// serialReadTimeout is how the OSDP stack keeps time on the line; longer
// than a USB adapter's 16 ms latency timer so frames are not split.
const serialReadTimeout = 25 * time.Millisecond

// panelLink is the OSDP side of the reader: the PD and its serial line and,
// in simulation, the door panel on the far end of a pty.
type panelLink struct {
	log     *slog.Logger
	pd      *panel.OSDP
	port    osdp.Link
	closers []io.Closer
	door    *doorpanel.Panel // simulation only
	doorEnd osdp.Link
	// recognised, if set, records a recognition (an event for the service).
	recognised func(badge string)
}

// openPanel sets up OSDP when [rs485] names a device.
func openPanel(cfg *localconfig.Config, db *store.DB, board *ioboard.Board, pins ioboard.Pins, log *slog.Logger) (*panelLink, error) {
	if cfg.RS485.Device == "" {
		return nil, nil
	}
	settings, err := panel.LoadSettings(db)
	if err != nil {
		return nil, err
	}
	format, err := wiegand.Lookup(defaultBadgeFormat)
	if err != nil {
		return nil, err
	}
	pd, err := panel.NewOSDP(panel.OSDPConfig{
		ID:       osdp.PDID{Vendor: [3]byte{'P', 'L', 'M'}, Model: 1, Version: 1, FirmwareMajor: 0, FirmwareMinor: 1},
		Settings: settings, Format: format, Logger: log,
	}, panel.IO{Outputs: []panel.Output{board.Relay, board.GPO}, GPI: board.GPI.Asserted, Tamper: board.Tamper.Open})
	if err != nil {
		return nil, err
	}
	p := &panelLink{log: log, pd: pd}
	st := settings.OSDP()
	if cfg.RS485.Device == "sim" {
		err = p.openSim(cfg, st, format)
	} else {
		err = p.openPort(cfg, st, pins)
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	log.Info("osdp", "serial", cfg.RS485.Device, "addr", st.Address, "baud", st.Baud, "secure_key", st.SCBK != nil, "install_mode", st.InstallMode)
	return p, nil
}

// openSim puts the simulated door panel on the master of a pty and opens
// the slave as the reader's serial port, through the real serial driver.
func (p *panelLink) openSim(cfg *localconfig.Config, st panel.OSDPSettings, format *wiegand.Format) error {
	master, path, err := serial.OpenPTYLink(serialReadTimeout)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, master)
	port, err := serial.Open(path, int(st.Baud), serialReadTimeout)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, port)
	p.port, p.doorEnd = port, master
	var grants []wiegand.Badge
	for _, g := range cfg.Simulate.PanelGrants {
		f, c, _ := localconfig.ParseGrant(g) // validated at load
		grants = append(grants, wiegand.Badge{Facility: f, Card: c})
	}
	// The simulated panel knows the reader's key, as the real one would
	// after adopting it; a reader without one gets one from the panel.
	p.door, err = doorpanel.New(doorpanel.Config{
		Address: st.Address, SCBK: st.SCBK, Install: st.SCBK == nil && st.InstallMode,
		Format: format, Grants: grants, Logger: p.log.With("sim", "door-panel"),
	})
	return err
}

// openPort opens the RS-485 port and sets up its direction control.
func (p *panelLink) openPort(cfg *localconfig.Config, st panel.OSDPSettings, pins ioboard.Pins) error {
	dev := cfg.RS485.Device
	dir, err := serial.ParseDirection(cfg.RS485.Direction)
	if err != nil {
		return err
	}
	if dir == serial.DirectionKernel {
		if err := serial.EnableKernelRS485(dev); err != nil {
			return err
		}
	}
	port, err := serial.Open(dev, int(st.Baud), serialReadTimeout)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, port)
	p.port = port
	if dir == serial.DirectionGPIO {
		de, err := pins.ByName(cfg.RS485.DEPin)
		if err != nil {
			return fmt.Errorf("rs485.de_pin: %w", err)
		}
		if p.port, err = serial.NewDEPort(port, de, int(st.Baud)); err != nil {
			return err
		}
	}
	return nil
}

// Run serves the panel until ctx ends, logging its decisions.
func (p *panelLink) Run(ctx context.Context) error {
	done := make(chan error, 2)
	go func() { done <- p.pd.Run(ctx, p.port) }()
	running := 1
	if p.door != nil {
		running++
		go func() { done <- p.door.Run(ctx, p.doorEnd) }()
	}
	var errs []error
	for running > 0 {
		select {
		case d := <-p.pd.Decisions():
			if d.Granted {
				p.log.Info("access granted")
			} else {
				p.log.Info("access denied")
			}
		case err := <-done:
			running--
			if err != nil && ctx.Err() == nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Close releases the serial lines.
func (p *panelLink) Close() {
	for _, c := range p.closers {
		_ = c.Close()
	}
}

// identifyRequest is POST /identify on the simulator endpoint: play a
// person recognised with this badge, as the entry flow does on a match.
type identifyRequest struct {
	Facility uint64 `json:"facility"`
	Card     uint64 `json:"card"`
}

func (p *panelLink) handleIdentify(w http.ResponseWriter, r *http.Request) {
	var req identifyRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<12)).Decode(&req); err != nil {
		http.Error(w, "identify: want {\"facility\":N,\"card\":N}: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := p.pd.Send(wiegand.Badge{Facility: req.Facility, Card: req.Card}); err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	if p.recognised != nil {
		p.recognised(fmt.Sprintf("%d:%d", req.Facility, req.Card))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintln(w, `{"queued":true}`)
}
