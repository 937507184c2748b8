package main

import (
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
)

// version is the software version reported to the service and compared
// with its releases; a release build sets it with
// -ldflags "-X main.version=V".
var version = "0.1.0"

// health runs the checks of product.md §7 that this reader has: tamper
// closed, panel link alive (OSDP polls arriving), storage writable. The
// service-reachable check is the report arriving at all.
func (a *appliance) health() api.Health {
	var failing []string
	if a.board.Tamper.Open() {
		failing = append(failing, "tamper")
	}
	if a.panel != nil && !a.panel.pd.Online() {
		failing = append(failing, "panel-link")
	}
	if err := a.db.Put("health/probe", []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		failing = append(failing, "storage")
	}
	h := api.Health{Status: "HEALTHY", Failing: failing, At: time.Now().UTC(), Version: version}
	if len(failing) > 0 {
		h.Status = "CRITICAL"
	}
	if c, ok := cloud.RunningConfig(a.db); ok {
		h.Config = c.Version
	}
	return h
}

// applyConfig switches what the hardware does to a new configuration. It
// is all-or-nothing: the badge format is built before anything changes.
func (a *appliance) applyConfig(c api.Config) error {
	format, err := c.BadgeFormat()
	if err != nil {
		return err
	}
	if a.panel != nil {
		a.panel.pd.SetFormat(format)
	}
	return nil
}

// record puts a recognition event in the outbox; badge is empty when
// nobody was recognised.
func (a *appliance) record(kind, badge string) {
	data := map[string]string{}
	if badge != "" {
		data = map[string]string{"associatedIdType": "badge", "associatedIdValue": badge}
	}
	ev, err := cloud.NewEvent(kind, data, time.Now())
	if err == nil {
		err = cloud.Record(a.db, ev)
	}
	if err != nil {
		a.log.Error("recording a recognition event", "err", err)
	}
}
