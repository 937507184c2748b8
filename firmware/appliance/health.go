package appliance

import (
	"time"

	"github.com/palmd/palmd/firmware/api"
)

// maxTemperature is the hottest a reader may run before health says so:
// the industrial grade of the SoCs such boards carry is rated to 85 °C at
// the die.
const maxTemperature = 85.0

// The health checks of product.md §7, by the names reports give them.
const (
	CheckCamera      = "camera"
	CheckPanelLink   = "panel-link"
	CheckStorage     = "storage"
	CheckService     = "service"
	CheckTamper      = "tamper"
	CheckTemperature = "temperature"
	// CheckSoftwareSlot is in software.go.
)

// health runs every check this reader has: the camera delivering frames,
// the door controller's link alive, storage writable with room, the
// service reachable, the case closed, the running release confirmed, the
// temperature in range.
func (a *Appliance) health() api.Health {
	s := a.state
	var failing []string
	fail := func(check string, failed bool) {
		if failed {
			failing = append(failing, check)
		}
	}
	fail(CheckCamera, s.caps.Camera && !s.Camera)
	fail(CheckPanelLink, s.Config != nil && !s.PanelUp)
	if err := a.cfg.Probes.Storage(); err != nil {
		a.log.Warn("storage check failed", "err", err)
		fail(CheckStorage, true)
	}
	fail(CheckService, s.Offline)
	fail(CheckTamper, s.Tamper)
	fail(CheckSoftwareSlot, s.Software.failing())
	if t, ok := a.cfg.Probes.Temperature(); ok {
		fail(CheckTemperature, t > maxTemperature)
	}
	h := api.Health{Status: "HEALTHY", Failing: failing, At: time.Now().UTC(), Version: a.cfg.Version}
	if len(failing) > 0 {
		h.Status = "CRITICAL"
	}
	if s.Config != nil {
		h.Config = s.Config.Version
	}
	return h
}
