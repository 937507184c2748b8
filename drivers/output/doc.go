// Package output drives a digital output: the door relay's coil and the GPO,
// which behave the same. An Output energises for a time (Pulse), holds
// (Hold) and releases (Release); its State tells health reports and OSDP
// output status whether it is energised and until when.
//
// # The safe state
//
// The safe state is de-energised, and "unlock" always means "energise".
// An Output drives its line to the de-energised level when it is made (so a
// restart after a crash clears whatever the last run left) and when it is
// closed. What de-energised means for the door is chosen by the wiring, from
// the lock type, so nothing in the firmware needs to know which lock is
// fitted:
//
//   - Fail-secure lock (an electric strike that unlocks while powered): wire
//     the lock's supply through COM/NO. Relay de-energised: NO open, strike
//     unpowered, door locked. A palmd crash or a power cut leaves it locked.
//   - Fail-safe lock (a maglock that holds while powered): wire the lock's
//     supply through COM/NC. Relay de-energised: NC closed, maglock powered,
//     door locked; energising opens NC and releases the door. A palmd crash
//     leaves it locked; a power cut to the lock's supply releases it, as
//     fire codes require of fail-safe doors.
//
// Lock.Contact names the contact for each lock type.
//
// # What a crash leaves behind
//
// On the GPIO character device a line belongs to palmd while palmd holds
// it. When the process dies the kernel releases it and, in the kernel's
// words, its state "becomes uncontrolled … and may revert to its default
// state": some controllers keep driving the last level. Two things make a
// crash safe anyway: palmd is restarted by systemd and New de-energises at
// once, and the board must bias the coil driver's input (a pull-down for an
// active-high drive, a pull-up for an active-low one) so that a released,
// floating line reads as de-energised. The coil's operate time (milliseconds)
// also rides over the microseconds between periph configuring the line as an
// output (the kernel starts it Low) and the first level written.
package output
