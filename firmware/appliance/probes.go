package appliance

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// HostProbes measures the machine palmd runs on.
type HostProbes struct {
	// StateDir is where persistent state lives.
	StateDir string
	// Thermal is a glob of the kernel's thermal zones; default
	// /sys/class/thermal/thermal_zone*/temp.
	Thermal string
}

var _ Probes = HostProbes{}

// minFree is the free space below which storage fails its check: a tenth
// of the filesystem, but never more than 16 MiB (a day of events and
// several updates' worth on a reader's eMMC).
func minFree(total uint64) uint64 { return min(16<<20, total/10) }

// Storage implements Probes: the state directory writable, with room.
func (p HostProbes) Storage() error { return checkStorage(p.StateDir) }

// Temperature implements Probes: the hottest zone, in °C.
func (p HostProbes) Temperature() (float64, bool) {
	glob := p.Thermal
	if glob == "" {
		glob = "/sys/class/thermal/thermal_zone*/temp"
	}
	zones, _ := filepath.Glob(glob)
	hottest, ok := 0.0, false
	for _, z := range zones {
		b, err := os.ReadFile(z)
		if err != nil {
			continue
		}
		milli, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			continue
		}
		if c := float64(milli) / 1000; !ok || c > hottest {
			hottest, ok = c, true
		}
	}
	return hottest, ok
}
