package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/badge/badgesim"
	"github.com/palmd/palmd/drivers/badge/osdpreader"
	"github.com/palmd/palmd/drivers/badge/wiegandreader"
	"github.com/palmd/palmd/firmware/localconfig"
)

// badgeScanner builds the enrollment desk's badge scanner of the local
// file's [badge]: on simulated hardware the simulator of its kind (a
// keyboard wedge when none is named), on a board the scanner on its
// device or lines (lines watches a Wiegand card reader's). nil: none.
func badgeScanner(b localconfig.Badge, sim *simulation, lines wiegandreader.LineWatcher, log *slog.Logger) (badge.Scanner, error) {
	if sim != nil {
		s, sc, err := badgesim.New(b.Scanner)
		if err != nil {
			return nil, fmt.Errorf("badge: %w", err)
		}
		sim.badges = s
		return sc, nil
	}
	switch b.Scanner {
	case "wedge":
		return badge.Wedge{Device: b.Device}, nil
	case "serial":
		return badge.Serial{Device: b.Device, Baud: b.Baud}, nil
	case "osdp":
		return osdpreader.Reader{Device: b.Device, Baud: b.Baud, Address: byte(b.Address), Log: log.With("part", "badge-reader")}, nil
	case "wiegand":
		return wiegandreader.Reader{Board: lines, D0: b.D0, D1: b.D1}, nil
	}
	return nil, nil
}

// badgeFlag is -badge: a scanner that replaces the local file's [badge],
// checked as the file is. "wedge:/dev/input/by-id/…-event-kbd" or
// "wedge:NAME" (a USB HID keyboard-wedge scanner, by its input device's
// path or the name the kernel gives it), "serial:/dev/ttyACM0[@BAUD]"
// (one line per read), "osdp:/dev/ttyUSB1[@BAUD][#ADDR]" (an OSDP card
// reader polled by palmd as its panel), "wiegand:D0,D1" (a Wiegand card
// reader on two GPIO lines), or on simulated hardware "sim:KIND".
func badgeFlag(spec string, cfg *localconfig.Config) error {
	kind, arg, _ := strings.Cut(spec, ":")
	b := localconfig.Badge{Scanner: kind}
	switch kind {
	case "sim":
		if cfg.Device.Backend != localconfig.BackendSim {
			return fmt.Errorf("-badge %s: a simulated scanner needs device.backend = \"sim\"", spec)
		}
		b.Scanner = arg
	case "wedge":
		b.Device = arg
	case "serial", "osdp":
		dev, n, hasAddr := strings.Cut(arg, "#")
		if hasAddr && kind == "osdp" {
			a, err := strconv.Atoi(n)
			if err != nil {
				return fmt.Errorf("-badge %s: address %q: want 0..126", spec, n)
			}
			b.Address = a
		}
		dev, baud, hasBaud := strings.Cut(dev, "@")
		if hasBaud {
			n, err := strconv.Atoi(baud)
			if err != nil || n <= 0 {
				return fmt.Errorf("-badge %s: baud %q: want a positive number", spec, baud)
			}
			b.Baud = n
		}
		b.Device = dev
	case "wiegand":
		b.D0, b.D1, _ = strings.Cut(arg, ",")
	default:
		return fmt.Errorf("-badge %s: want wedge:DEVICE, serial:DEVICE[@BAUD], osdp:DEVICE[@BAUD][#ADDR], wiegand:D0,D1 or sim:wedge|serial|osdp|wiegand", spec)
	}
	old := cfg.Badge
	cfg.Badge = b
	if err := cfg.Validate(); err != nil {
		cfg.Badge = old
		return fmt.Errorf("-badge %s: %w", spec, err)
	}
	return nil
}
