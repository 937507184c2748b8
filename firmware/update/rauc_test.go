package update

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/palmd/palmd/firmware/release"
)

// privateBus starts a dbus-daemon of the test's own (scripts/deps.sh
// installs it) and returns its address; it stops with the test.
func privateBus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("dbus-daemon (make deps installs it): %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// fakeRAUC is RAUC's service with two slots, bootnames A and B, and the
// bootloader's choice at a reboot: the primary unless it is marked bad.
// A bundle's bytes are its version.
type fakeRAUC struct {
	mu       sync.Mutex
	wg       sync.WaitGroup
	conn     *dbus.Conn
	props    *prop.Properties
	booted   string
	primary  string
	bad      map[string]bool
	versions map[string]string
	marks    []string
	refuse   string // the next install fails with this LastError
}

func startRAUC(t *testing.T, addr string) *fakeRAUC {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRAUC{conn: conn, booted: "A", primary: "A", bad: map[string]bool{}, versions: map[string]string{"A": "1.0.0"}}
	t.Cleanup(func() { f.wg.Wait(); conn.Close() })
	if err := conn.Export(f, raucPath, raucInterface); err != nil {
		t.Fatal(err)
	}
	f.props, err = prop.Export(conn, raucPath, prop.Map{raucInterface: {
		"BootSlot":  {Value: "A", Emit: prop.EmitFalse},
		"LastError": {Value: "", Emit: prop.EmitFalse},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(raucService, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("owning %s: %v %v", raucService, reply, err)
	}
	return f
}

func other2(slot string) string {
	if slot == "A" {
		return "B"
	}
	return "A"
}

// InstallBundle writes the bundle into the slot not booted, makes it the
// primary and signals Completed afterwards, as RAUC does.
func (f *fakeRAUC) InstallBundle(source string, _ map[string]dbus.Variant) *dbus.Error {
	b, err := os.ReadFile(source)
	f.mu.Lock()
	defer f.mu.Unlock()
	code := int32(0)
	switch {
	case err != nil:
		f.props.SetMust(raucInterface, "LastError", err.Error())
		code = 1
	case f.refuse != "":
		f.props.SetMust(raucInterface, "LastError", f.refuse)
		code = 1
	default:
		target := other2(f.booted)
		f.versions[target], f.primary, f.bad[target] = string(b), target, false
	}
	f.wg.Go(func() { f.conn.Emit(raucPath, raucInterface+".Completed", code) })
	return nil
}

func (f *fakeRAUC) Mark(state, slot string) (string, string, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if slot != "booted" {
		return "", "", dbus.MakeFailedError(os.ErrInvalid)
	}
	f.marks = append(f.marks, state+" "+f.booted)
	if state == "bad" {
		f.bad[f.booted], f.primary = true, other2(f.booted)
	}
	return f.booted, "marked " + state, nil
}

func (f *fakeRAUC) GetSlotStatus() ([]struct {
	Name   string
	Status map[string]dbus.Variant
}, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []struct {
		Name   string
		Status map[string]dbus.Variant
	}
	for i, b := range []string{"A", "B"} {
		st := map[string]dbus.Variant{"bootname": dbus.MakeVariant(b), "class": dbus.MakeVariant("rootfs")}
		if v, ok := f.versions[b]; ok {
			st["bundle.version"] = dbus.MakeVariant(v)
		}
		out = append(out, struct {
			Name   string
			Status map[string]dbus.Variant
		}{Name: "rootfs." + string(rune('0'+i)), Status: st})
	}
	return out, nil
}

// reboot starts the primary slot, or the other when it is marked bad.
func (f *fakeRAUC) reboot() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bad[f.primary] {
		f.primary = other2(f.primary)
	}
	f.booted = f.primary
	f.props.SetMust(raucInterface, "BootSlot", f.booted)
}

func (f *fakeRAUC) marked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.marks)
}

func bundle(t *testing.T, version string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "palmd-"+version+".raucb")
	if err := os.WriteFile(p, []byte(version), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func dialRAUC(t *testing.T, addr, trial string) *RAUC {
	t.Helper()
	r, err := DialRAUC(addr, trial)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func wantState(t *testing.T, r *RAUC, want State) {
	t.Helper()
	got, err := r.State()
	if err != nil || got != want {
		t.Fatalf("state %+v %v, want %+v", got, err, want)
	}
}

// TestRAUCTrial: a release installed through RAUC is on trial once the
// bootloader starts its slot, and confirming marks that slot good; one
// rejected is marked bad, the bootloader goes back and the state names it
// rolled back.
func TestRAUCTrial(t *testing.T) {
	for _, confirm := range []bool{true, false} {
		name := map[bool]string{true: "confirmed", false: "rejected"}[confirm]
		t.Run(name, func(t *testing.T) {
			addr := privateBus(t)
			f := startRAUC(t, addr)
			trial := filepath.Join(t.TempDir(), "trial.json")
			r := dialRAUC(t, addr, trial)
			wantState(t, r, State{Status: StatusConfirmed, Slot: "A", Version: "1.0.0"})
			if err := r.Install(bundle(t, "1.1.0"), release.Manifest{Version: "1.1.0"}); err != nil {
				t.Fatal(err)
			}
			f.reboot()
			wantState(t, r, State{Status: StatusTrying, Slot: "B", Version: "1.1.0"})
			if !r.Trying() {
				t.Fatal("a release on trial is not Trying")
			}
			if confirm {
				if err := r.Confirm(); err != nil {
					t.Fatal(err)
				}
				f.reboot()
				wantState(t, r, State{Status: StatusConfirmed, Slot: "B", Version: "1.1.0"})
				if m := f.marked(); !slices.Equal(m, []string{"good B"}) {
					t.Fatalf("marks %q", m)
				}
				return
			}
			if err := r.Reject(); err != nil {
				t.Fatal(err)
			}
			f.reboot()
			wantState(t, r, State{Status: StatusRolledBack, Slot: "A", Version: "1.0.0", Failed: "1.1.0"})
			if m := f.marked(); !slices.Equal(m, []string{"bad B"}) {
				t.Fatalf("marks %q", m)
			}
			if err := r.Confirm(); err != nil || len(f.marked()) != 1 {
				t.Fatalf("confirming a rolled-back reader marked a slot: %v %q", err, f.marked())
			}
		})
	}
}

// TestRAUCCrashLoop: a release the bootloader gave up on (its attempts ran
// out, no mark from palmd) is reported rolled back too.
func TestRAUCCrashLoop(t *testing.T) {
	addr := privateBus(t)
	f := startRAUC(t, addr)
	r := dialRAUC(t, addr, filepath.Join(t.TempDir(), "trial.json"))
	if err := r.Install(bundle(t, "1.1.0"), release.Manifest{Version: "1.1.0"}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.primary = "A" // the bootloader's attempts of B ran out
	f.mu.Unlock()
	f.reboot()
	wantState(t, r, State{Status: StatusRolledBack, Slot: "A", Version: "1.0.0", Failed: "1.1.0"})
}

// TestRAUCRefusedBundle: an install RAUC refuses is an error with RAUC's
// reason, and leaves the reader on its release, not on trial.
func TestRAUCRefusedBundle(t *testing.T) {
	addr := privateBus(t)
	f := startRAUC(t, addr)
	f.refuse = "signature verification failed"
	r := dialRAUC(t, addr, filepath.Join(t.TempDir(), "trial.json"))
	err := r.Install(bundle(t, "1.1.0"), release.Manifest{Version: "1.1.0"})
	if err == nil || !strings.Contains(err.Error(), "signature verification failed") {
		t.Fatalf("install: %v", err)
	}
	f.reboot()
	wantState(t, r, State{Status: StatusConfirmed, Slot: "A", Version: "1.0.0"})
}

// TestRAUCNotRunning: without RAUC on the bus the state is an error that
// says what is missing.
func TestRAUCNotRunning(t *testing.T) {
	r := dialRAUC(t, privateBus(t), filepath.Join(t.TempDir(), "trial.json"))
	if _, err := r.State(); err == nil || !strings.Contains(err.Error(), "booted slot") {
		t.Fatalf("state without RAUC: %v", err)
	}
}

// TestRAUCInstallCut: a power cut while RAUC was writing (the record
// says the install never finished, the bootloader starts the old slot)
// leaves the reader on its release, neither on trial nor rolled back.
func TestRAUCInstallCut(t *testing.T) {
	addr := privateBus(t)
	startRAUC(t, addr)
	trial := filepath.Join(t.TempDir(), "trial.json")
	if err := os.WriteFile(trial, []byte(`{"version":"1.1.0","from":"A","installed":false}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := dialRAUC(t, addr, trial)
	wantState(t, r, State{Status: StatusConfirmed, Slot: "A", Version: "1.0.0"})
}
