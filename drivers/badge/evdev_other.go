//go:build !linux

package badge

import (
	"context"
	"errors"
)

// Wedge is a keyboard-wedge badge scanner; its input device exists on
// Linux only.
type Wedge struct{ Device, SysFS string }

// Run implements Scanner.
func (Wedge) Run(context.Context, chan<- Read) error {
	return errors.New("badge: keyboard-wedge scanners are read through Linux input devices")
}
