package main

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/palmd/palmd/drivers/badge"
	"github.com/palmd/palmd/drivers/badge/badgesim"
	"github.com/palmd/palmd/drivers/badge/osdpreader"
)

// badgeScanner builds the enrollment desk's badge scanner that -badge
// names: "wedge:/dev/input/by-id/…-event-kbd" or "wedge:NAME" (a USB HID
// keyboard-wedge scanner, by its input device's path or the name the
// kernel gives it), "serial:/dev/ttyACM0[@BAUD]" (one line per read,
// 9600 baud by default), "osdp:/dev/ttyUSB1[@BAUD][#ADDR]" (an OSDP card
// reader polled by palmd as its panel; 9600 baud, address 0 by default),
// or on simulated hardware "sim:wedge", "sim:serial" or "sim:osdp"
// (default sim:wedge). "" is no scanner on a board. (It belongs in the
// local file's [badge] once localconfig has one.)
func badgeScanner(spec string, sim *simulation, log *slog.Logger) (badge.Scanner, error) {
	kind, arg, _ := strings.Cut(spec, ":")
	switch {
	case sim != nil && spec == "":
		kind, arg = "sim", "wedge"
	case spec == "":
		return nil, nil
	}
	switch kind {
	case "sim":
		if sim == nil {
			return nil, fmt.Errorf("-badge %s: a simulated scanner needs device.backend = \"sim\"", spec)
		}
		s, sc, err := badgesim.New(arg)
		if err != nil {
			return nil, fmt.Errorf("-badge %s: %w", spec, err)
		}
		sim.badges = s
		return sc, nil
	case "wedge":
		if arg == "" {
			return nil, fmt.Errorf("-badge %s: name the input device (a path or its name)", spec)
		}
		return badge.Wedge{Device: arg}, nil
	case "serial":
		dev, baud, err := serialSpec(arg)
		if err != nil {
			return nil, fmt.Errorf("-badge %s: %w", spec, err)
		}
		return badge.Serial{Device: dev, Baud: baud}, nil
	case "osdp":
		addr := 0
		if a, n, ok := strings.Cut(arg, "#"); ok {
			var err error
			if addr, err = strconv.Atoi(n); err != nil || addr < 0 || addr > 126 {
				return nil, fmt.Errorf("-badge %s: address %q: want 0..126", spec, n)
			}
			arg = a
		}
		dev, baud, err := serialSpec(arg)
		if err != nil {
			return nil, fmt.Errorf("-badge %s: %w", spec, err)
		}
		return osdpreader.Reader{Device: dev, Baud: baud, Address: byte(addr), Log: log.With("part", "badge-reader")}, nil
	}
	return nil, fmt.Errorf("-badge %s: want wedge:DEVICE, serial:DEVICE[@BAUD], osdp:DEVICE[@BAUD][#ADDR] or sim:wedge|serial|osdp", spec)
}

func serialSpec(arg string) (string, int, error) {
	dev, b, ok := strings.Cut(arg, "@")
	baud := 9600
	if ok {
		var err error
		if baud, err = strconv.Atoi(b); err != nil || baud <= 0 {
			return "", 0, fmt.Errorf("baud %q: want a positive number", b)
		}
	}
	if !strings.HasPrefix(dev, "/") {
		return "", 0, fmt.Errorf("device %q: want a path", dev)
	}
	return dev, baud, nil
}
