// Package input reads debounced digital inputs: the GPI (door contact,
// request-to-exit) and the tamper switch.
//
// An Input reads its line when it is made (the state at start is read, not
// assumed) and then, in Run, reports each change once the line has been
// quiet for the debounce time, at the level it settled on. A glitch shorter
// than the debounce time that returns to the old level reports nothing; a
// line that never settles reports nothing either.
//
// Every wait for an edge has a positive timeout and loops, checking the
// context: periph's GPIO character-device driver returns at once from
// WaitForEdge(-1) although the interface documents -1 as "forever". The
// periodic wake-up also re-reads the line, catching a change whose edge the
// kernel dropped.
//
// periph's gpioutil.Debounce is not used, for reasons found reading it
// (conn v3.7.3): it samples the line once, a fixed delay after the first
// edge, without waiting for the bouncing to stop, so a burst longer than
// that delay is read mid-bounce and reported as two changes or none; its
// lock-out ("debounce") argument is stored but never applied; its delay is a
// sleep no context can cancel; it passes the caller's -1 timeout down to the
// driver (the pitfall above); and it imports github.com/jonboulle/clockwork,
// a module this repository does not carry.
package input
