package output

import "fmt"

// Lock is the type of lock the relay switches, as the local configuration
// names it. It changes nothing in how the relay is driven, only which relay
// contact the installer wires the lock on.
type Lock string

// The lock types.
const (
	FailSecure Lock = "fail-secure" // strike: locked while unpowered
	FailSafe   Lock = "fail-safe"   // maglock: locked while powered
)

// Contact names the relay contact, with COM, that the lock's supply goes
// through so that a de-energised relay leaves the door locked.
func (l Lock) Contact() (string, error) {
	switch l {
	case FailSecure:
		return "COM/NO", nil
	case FailSafe:
		return "COM/NC", nil
	}
	return "", fmt.Errorf("output: lock %q: want %q or %q", string(l), FailSecure, FailSafe)
}
