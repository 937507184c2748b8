package update

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palmd/palmd/firmware/release"
)

// stage writes a release file (a script that prints its version) and
// its manifest; pad makes it big enough to be cut in the middle.
func stage(t testing.TB, dir, version string, pad int) (string, release.Manifest) {
	t.Helper()
	body := "#!/bin/sh\necho " + version + "\nexit 0\n#" + strings.Repeat("x", pad) + "\n"
	path := filepath.Join(dir, "staged-"+version)
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	return path, release.Manifest{Product: release.Product, Version: version, Arch: "amd64", Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
}

func newDir(t *testing.T) Dir {
	t.Helper()
	d := Dir{Root: filepath.Join(t.TempDir(), "slots")}
	first, _ := stage(t, t.TempDir(), "1.0.0", 0)
	if err := d.Init(first, "1.0.0"); err != nil {
		t.Fatal(err)
	}
	return d
}

func boot(t *testing.T, d Dir) Slot {
	t.Helper()
	s, err := d.Boot()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func state(t *testing.T, d Dir) State {
	t.Helper()
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func install(t *testing.T, d Dir, version string) {
	t.Helper()
	path, m := stage(t, t.TempDir(), version, 100)
	if err := d.Install(path, m); err != nil {
		t.Fatal(err)
	}
}

func TestTrialConfirmedIsKept(t *testing.T) {
	d := newDir(t)
	if s := boot(t, d); s.Name != "a" || s.Version != "1.0.0" {
		t.Fatalf("first boot %+v", s)
	}
	install(t, d, "2.0.0")
	if st := state(t, d); st.Status != StatusConfirmed || st.Version != "1.0.0" {
		t.Fatalf("after install, before the restart: %+v", st)
	}
	if s := boot(t, d); s.Name != "b" || s.Version != "2.0.0" {
		t.Fatalf("the try boot started %+v", s)
	}
	if st := state(t, d); st.Status != StatusTrying || st.Version != "2.0.0" {
		t.Fatalf("on trial: %+v", st)
	}
	if !d.Trying() {
		t.Fatal("Trying is false on trial")
	}
	if err := d.Confirm(); err != nil {
		t.Fatal(err)
	}
	for range DefaultTries + 1 { // confirmed: no more counting
		if s := boot(t, d); s.Name != "b" {
			t.Fatalf("a confirmed release was left for %+v", s)
		}
	}
	if st := state(t, d); st.Status != StatusConfirmed || st.Version != "2.0.0" || st.Failed != "" {
		t.Fatalf("confirmed: %+v", st)
	}
	install(t, d, "3.0.0") // the next release goes to the other slot
	if s := boot(t, d); s.Name != "a" || s.Version != "3.0.0" {
		t.Fatalf("third release started from %+v", s)
	}
}

func TestTriesRunOutRollsBack(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	for i := range DefaultTries {
		if s := boot(t, d); s.Version != "2.0.0" {
			t.Fatalf("try %d started %+v", i+1, s)
		}
	}
	if s := boot(t, d); s.Name != "a" || s.Version != "1.0.0" {
		t.Fatalf("after %d failed starts: %+v", DefaultTries, s)
	}
	st := state(t, d)
	if st.Status != StatusRolledBack || st.Failed != "2.0.0" || st.Version != "1.0.0" {
		t.Fatalf("rolled back: %+v", st)
	}
	if err := d.Confirm(); err != nil { // the good slot runs: nothing to confirm
		t.Fatal(err)
	}
	if s := boot(t, d); s.Name != "a" {
		t.Fatalf("after a rollback %+v", s)
	}
}

func TestRejectGoesBackAtOnce(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	boot(t, d)
	if err := d.Reject(); err != nil {
		t.Fatal(err)
	}
	if s := boot(t, d); s.Version != "1.0.0" {
		t.Fatalf("a rejected trial started again: %+v", s)
	}
	if st := state(t, d); st.Status != StatusRolledBack || st.Failed != "2.0.0" {
		t.Fatalf("%+v", st)
	}
}

func TestNoInstallOnTrial(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	boot(t, d)
	path, m := stage(t, t.TempDir(), "3.0.0", 0)
	if err := d.Install(path, m); !errors.Is(err, ErrTrying) {
		t.Fatalf("install over the slot to go back to: %v", err)
	}
	if s := boot(t, d); s.Version != "2.0.0" {
		t.Fatalf("%+v", s)
	}
}

// A slot on trial whose bytes changed is not started at all.
func TestDamagedTrialIsNotStarted(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	if err := os.WriteFile(filepath.Join(d.Root, "b", Program), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if s := boot(t, d); s.Version != "1.0.0" {
		t.Fatalf("a damaged slot was started: %+v", s)
	}
}

// A second release before the restart replaces the first one's trial.
func TestInstallReplacesAPendingTrial(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	install(t, d, "2.1.0")
	if s := boot(t, d); s.Version != "2.1.0" || s.Name != "b" {
		t.Fatalf("%+v", s)
	}
}

func TestInitLeavesSlotsAlone(t *testing.T) {
	d := newDir(t)
	boot(t, d)
	install(t, d, "2.0.0")
	boot(t, d)
	if err := d.Confirm(); err != nil {
		t.Fatal(err)
	}
	other, _ := stage(t, t.TempDir(), "0.9.0", 0)
	if err := d.Init(other, "0.9.0"); err != nil {
		t.Fatal(err)
	}
	if s := boot(t, d); s.Version != "2.0.0" {
		t.Fatalf("Init replaced a running pair: %+v", s)
	}
}

// TestAdoptRunsAFreshBuild: Adopt initialises an empty directory; given
// the same program again it leaves the slots alone, so a release
// installed since keeps running; given another build it makes that the
// good slot, forgetting a pending trial and a rollback.
func TestAdoptRunsAFreshBuild(t *testing.T) {
	d := Dir{Root: filepath.Join(t.TempDir(), "slots")}
	dev, _ := stage(t, t.TempDir(), "0.1.0", 0)
	if changed, err := d.Adopt(dev, "0.1.0"); err != nil || !changed {
		t.Fatalf("adopt into an empty directory: %v, %v", changed, err)
	}
	if s := boot(t, d); s.Version != "0.1.0" {
		t.Fatalf("booted %+v", s)
	}
	install(t, d, "0.2.0")
	boot(t, d)
	if err := d.Confirm(); err != nil {
		t.Fatal(err)
	}
	if changed, err := d.Adopt(dev, "0.1.0"); err != nil || changed {
		t.Fatalf("adopt of the same build: %v, %v", changed, err)
	}
	if s := boot(t, d); s.Version != "0.2.0" {
		t.Fatalf("the installed release was replaced by the same build: %+v", s)
	}
	install(t, d, "0.3.0") // waiting for its trial
	rebuilt, _ := stage(t, t.TempDir(), "0.1.0", 10)
	if changed, err := d.Adopt(rebuilt, "0.1.0"); err != nil || !changed {
		t.Fatalf("adopt of a new build: %v, %v", changed, err)
	}
	for range 2 {
		s := boot(t, d)
		if s.Version != "0.1.0" || d.Whole(s.Name) != nil {
			t.Fatalf("after adopting a new build: booted %+v", s)
		}
		b, _ := os.ReadFile(s.Program)
		if want, _ := os.ReadFile(rebuilt); string(b) != string(want) {
			t.Fatalf("slot %s holds another program than the new build", s.Name)
		}
	}
	if st := state(t, d); st.Status != StatusConfirmed || st.Failed != "" {
		t.Fatalf("state %+v", st)
	}
}
