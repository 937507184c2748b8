package update

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/release"
)

// RAUC is the A/B slot pair of a board, kept by RAUC's service
// (de.pengutronix.rauc on the system bus): RAUC writes a bundle into the
// inactive slot and makes it the bootloader's primary, the bootloader
// counts the attempts to start it and falls back to the other slot when
// they run out or the slot is marked bad, and a mark "good" ends the
// trial. A release on a board is a RAUC bundle, verified twice: by its
// signed release manifest before palmd hands it over, and by RAUC's own
// keyring.
//
// RAUC knows slots, not trials, so palmd keeps one small record beside
// its state (Trial): the release going in and the slot it was installed
// from. Booted from another slot, the release is on trial; booted from
// the same slot once the install finished, the bootloader went back.
type RAUC struct {
	conn  *dbus.Conn
	obj   dbus.BusObject
	Trial string // the trial record's path
	// Wait bounds an installation; zero is DefaultRAUCWait.
	Wait time.Duration
}

// DefaultRAUCWait bounds an installation: writing a root file system
// image to eMMC takes minutes, not hours.
const DefaultRAUCWait = 30 * time.Minute

// The RAUC service on the bus.
const (
	raucService   = "de.pengutronix.rauc"
	raucInterface = "de.pengutronix.rauc.Installer"
	raucPath      = dbus.ObjectPath("/")
)

var _ Slots = (*RAUC)(nil)

// DialRAUC connects to RAUC on the system bus, or on the bus at address
// when it is not empty (tests), keeping the trial record at trial.
func DialRAUC(address, trial string) (*RAUC, error) {
	var conn *dbus.Conn
	var err error
	if address == "" {
		conn, err = dbus.ConnectSystemBus()
	} else {
		conn, err = dbus.Connect(address)
	}
	if err != nil {
		return nil, fmt.Errorf("update: rauc: the bus: %w", err)
	}
	return &RAUC{conn: conn, obj: conn.Object(raucService, raucPath), Trial: trial}, nil
}

// Close ends the connection to the bus.
func (r *RAUC) Close() error { return r.conn.Close() }

// trialRecord is the release going in and where it came from.
type trialRecord struct {
	Version   string `json:"version"`
	From      string `json:"from"`      // the slot booted when it was installed
	Installed bool   `json:"installed"` // RAUC finished writing it
}

// Install implements Slots: RAUC installs the bundle at path and makes
// its slot the primary. The record goes first, so a power cut during the
// install leaves one that says the install never finished.
func (r *RAUC) Install(path string, m release.Manifest) error {
	from, err := r.bootSlot()
	if err != nil {
		return err
	}
	rec := trialRecord{Version: m.Version, From: from}
	if err := r.writeTrial(rec); err != nil {
		return err
	}
	if err := r.install(path); err != nil {
		return err
	}
	rec.Installed = true
	return r.writeTrial(rec)
}

// install asks RAUC to install and waits for its Completed signal.
func (r *RAUC) install(path string) error {
	match := []dbus.MatchOption{dbus.WithMatchObjectPath(raucPath), dbus.WithMatchInterface(raucInterface), dbus.WithMatchMember("Completed")}
	if err := r.conn.AddMatchSignal(match...); err != nil {
		return fmt.Errorf("update: rauc: %w", err)
	}
	defer r.conn.RemoveMatchSignal(match...)
	signals := make(chan *dbus.Signal, 8)
	r.conn.Signal(signals)
	defer r.conn.RemoveSignal(signals)
	if err := r.obj.Call(raucInterface+".InstallBundle", 0, path, map[string]dbus.Variant{}).Err; err != nil {
		return fmt.Errorf("update: rauc: install %s: %w", path, err)
	}
	timeout := time.NewTimer(cmp.Or(r.Wait, DefaultRAUCWait))
	defer timeout.Stop()
	for {
		select {
		case s := <-signals:
			if s.Name != raucInterface+".Completed" || len(s.Body) != 1 {
				continue
			}
			if code, _ := s.Body[0].(int32); code != 0 {
				return fmt.Errorf("update: rauc: install %s failed (%d): %s", path, code, r.lastError())
			}
			return nil
		case <-timeout.C:
			return fmt.Errorf("update: rauc: install %s: no result within %v", path, cmp.Or(r.Wait, DefaultRAUCWait))
		}
	}
}

// Confirm implements Slots: the booted slot is marked good, ending its
// bootloader's count, and the trial is over.
func (r *RAUC) Confirm() error {
	st, err := r.State()
	if err != nil || st.Status != StatusTrying {
		return err
	}
	if err := r.mark("good"); err != nil {
		return err
	}
	if err := os.Remove(r.Trial); err != nil {
		return fmt.Errorf("update: rauc: trial record: %w", err)
	}
	return atomicfile.SyncDir(filepath.Dir(r.Trial))
}

// Reject implements Slots: the booted slot is marked bad, so the next
// start is the other. The record stays: it tells the rollback.
func (r *RAUC) Reject() error {
	st, err := r.State()
	if err != nil || st.Status != StatusTrying {
		return err
	}
	return r.mark("bad")
}

// State implements Slots.
func (r *RAUC) State() (State, error) {
	booted, err := r.bootSlot()
	if err != nil {
		return State{}, err
	}
	st := State{Status: StatusConfirmed, Slot: booted}
	rec, err := r.readTrial()
	switch {
	case err != nil:
		return State{}, err
	case rec.Version != "" && booted != rec.From:
		st.Status, st.Version = StatusTrying, rec.Version
		return st, nil
	case rec.Version != "" && rec.Installed:
		st.Status, st.Failed = StatusRolledBack, rec.Version
	}
	// Otherwise no trial, or an install a power cut ended: the booted
	// slot's own bundle is what runs.
	if st.Version, err = r.slotVersion(booted); err != nil {
		return State{}, err
	}
	return st, nil
}

// Trying implements cloud.Trial.
func (r *RAUC) Trying() bool {
	st, err := r.State()
	return err == nil && st.Status == StatusTrying
}

func (r *RAUC) mark(state string) error {
	var slot, msg string
	if err := r.obj.Call(raucInterface+".Mark", 0, state, "booted").Store(&slot, &msg); err != nil {
		return fmt.Errorf("update: rauc: mark the booted slot %s: %w", state, err)
	}
	return nil
}

// bootSlot is the bootname of the slot the bootloader started.
func (r *RAUC) bootSlot() (string, error) {
	v, err := r.obj.GetProperty(raucInterface + ".BootSlot")
	if err != nil {
		return "", fmt.Errorf("update: rauc: the booted slot: %w", err)
	}
	s, ok := v.Value().(string)
	if !ok || s == "" {
		return "", errors.New("update: rauc: the booted slot: RAUC does not know it (is the bootloader set up for it?)")
	}
	return s, nil
}

// slotVersion is the version of the bundle last installed in the slot
// with bootname boot, "" when RAUC has none (a slot flashed at the
// factory).
func (r *RAUC) slotVersion(boot string) (string, error) {
	var slots []struct {
		Name   string
		Status map[string]dbus.Variant
	}
	if err := r.obj.Call(raucInterface+".GetSlotStatus", 0).Store(&slots); err != nil {
		return "", fmt.Errorf("update: rauc: slot status: %w", err)
	}
	for _, s := range slots {
		if name, _ := s.Status["bootname"].Value().(string); name != boot {
			continue
		}
		v, _ := s.Status["bundle.version"].Value().(string)
		return v, nil
	}
	return "", nil
}

func (r *RAUC) lastError() string {
	v, err := r.obj.GetProperty(raucInterface + ".LastError")
	if err != nil {
		return "no reason given"
	}
	s, _ := v.Value().(string)
	return s
}

func (r *RAUC) readTrial() (trialRecord, error) {
	var rec trialRecord
	b, err := os.ReadFile(r.Trial)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &rec)
	}
	if err != nil {
		return rec, fmt.Errorf("update: rauc: trial record: %w", err)
	}
	return rec, nil
}

func (r *RAUC) writeTrial(rec trialRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(r.Trial, b, 0o600); err != nil {
		return fmt.Errorf("update: rauc: trial record: %w", err)
	}
	return nil
}
