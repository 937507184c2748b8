//go:build !linux

package wiegand

import "errors"

// raisePriority is only implemented on Linux; elsewhere frames are sent at
// normal priority.
func raisePriority(int) (func(), error) {
	return nil, errors.New("realtime priority is only supported on Linux")
}
