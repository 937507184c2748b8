// Package pins opens the reader's GPIO lines by name and watches input lines
// for timestamped edges.
//
// On a board, Open initialises periph (host.Init) and Board resolves names
// through periph's GPIO character-device driver (gpioioctl, Linux 5.10 and
// later), never through sysfs or a memory-mapped SoC driver that may have
// registered the same name: a line is named as the kernel names it (see
// `gpioinfo`), or as CHIP:OFFSET ("gpiochip0:17") for an unnamed line. On a
// machine without /dev/gpiochip*, and on other operating systems, Open
// returns an error wrapping ErrNoGPIO.
//
// WatchLines captures the edges of several input lines as one stream in the
// order they happened: on a board the lines are requested from the kernel as
// one line set, so the kernel queues their edges in order and stamps each
// with its interrupt time (this is what a Wiegand receiver needs on D0/D1).
// periph's own LineSet is not used for this: its WaitForEdge drops the
// kernel's timestamp and sequence number, and names the line by its chip
// offset. NewFedLines gives other sources of edges the same Lines: the
// simulator's pinsim.Board builds its WatchLines on it, with the
// simulator's timestamps. This package never imports the simulator.
//
// Consumers own their interfaces; both Board and pinsim.Board satisfy, for example,
//
//	type Pins interface{ ByName(name string) (gpio.PinIO, error) }
//	type LineWatcher interface {
//		WatchLines(names []string, pull gpio.Pull) (*pins.Lines, error)
//	}
package pins
