//go:build linux

package wiegand

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// raisePriority moves the calling OS thread (locked by the caller) to
// SCHED_FIFO at prio, so that other processes cannot preempt a pulse, and
// returns a function that restores the thread's previous policy.
func raisePriority(prio int) (restore func(), err error) {
	old, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return nil, fmt.Errorf("sched_getattr: %w", err)
	}
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(prio)}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		return nil, fmt.Errorf("sched_setattr SCHED_FIFO %d: %w", prio, err)
	}
	// Going back to a normal policy needs no privilege.
	return func() { _ = unix.SchedSetAttr(0, old, 0) }, nil
}
