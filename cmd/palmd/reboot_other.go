//go:build !linux

package main

import "errors"

// rebootDevice is only possible on Linux readers.
func rebootDevice() error { return errors.New("reboot: not supported on this OS") }
