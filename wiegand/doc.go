// Package wiegand encodes, sends and receives Wiegand badge frames.
//
// # Wire signalling
//
// A Wiegand link has two data lines, D0 and D1, both pulled High while idle.
// The reader sends a frame one bit at a time, most significant (first) bit
// first: a 0 bit is a Low pulse on D0, a 1 bit is a Low pulse on D1; the other
// line stays High. Each pulse lasts the pulse width (typically 50 µs) and
// pulses start one interval apart (typically 2 ms). There is no clock line and
// no framing character: the panel counts bits until the lines have been quiet
// for a while (about 25 ms) and then interprets the count it received. Both
// lines Low at once never happens on a healthy link; real receivers treat it,
// and pulses much shorter than the minimum width, as noise.
//
// The frame's meaning comes from its format: which bit positions hold the
// facility code and card number, and which positions are parity bits computed
// over which other positions. Standard HID formats are available by name
// (Lookup); site-specific formats are described by a Layout. Positions in this
// package count from 0 for the first bit on the wire; HID's documents count
// from 1.
//
// A separate LED line runs the other way: the panel drives it to tell the
// reader whether it granted access. It is a plain debounced input, read by
// the firmware's I/O board (drivers/input), not by this package.
package wiegand
