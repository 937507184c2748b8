package appliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/release"
	"github.com/palmd/palmd/firmware/update"
	"github.com/palmd/palmd/firmware/vision"
)

// slotsOnTrial is a real slot pair whose release 2.0.0 was installed
// and started once by the bootloader, with 1.0.0 the good one.
func slotsOnTrial(t *testing.T) (SlotSoftware, update.Dir) {
	t.Helper()
	d := update.Dir{Root: filepath.Join(t.TempDir(), "slots")}
	if err := d.Init(writeProgram(t, "1.0.0"), "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Boot(); err != nil {
		t.Fatal(err)
	}
	path := writeProgram(t, "2.0.0")
	b, _ := os.ReadFile(path)
	sum := sha256.Sum256(b)
	m := release.Manifest{Product: release.Product, Version: "2.0.0", Arch: "amd64", Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
	if err := d.Install(path, m); err != nil {
		t.Fatal(err)
	}
	if s, err := d.Boot(); err != nil || s.Version != "2.0.0" {
		t.Fatalf("try boot: %+v %v", s, err)
	}
	return SlotSoftware{Slots: d, Updates: &cloud.Updates{Dir: filepath.Join(t.TempDir(), "updates")}}, d
}

func writeProgram(t *testing.T, version string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "palmd-"+version)
	if err := os.WriteFile(path, []byte("#!/bin/sh\necho "+version+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// trialWorld is an activated reader running 2.0.0 on trial.
func trialWorld(sw Software, window time.Duration) (*world, func(Caps) Config) {
	w := activeWorld(wiegandConfig())
	return w, func(caps Caps) Config {
		c := w.config(caps)
		c.Software, c.ConfirmAfter, c.Version = sw, window, "2.0.0"
		return c
	}
}

func startTrial(t *testing.T, cfg Config) (*Appliance, func() (Restart, error)) {
	t.Helper()
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, runApp(t, a)
}

// runApp runs a in the bubble until the returned function stops it.
func runApp(t *testing.T, a *Appliance) func() (Restart, error) {
	t.Helper()
	type result struct {
		r   Restart
		err error
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		r, err := a.Run(ctx)
		done <- result{r, err}
	}()
	<-a.Ready()
	synctest.Wait()
	var once sync.Once
	var res result
	return func() (Restart, error) { // twice is fine
		once.Do(func() {
			cancel()
			res = <-done
		})
		return res.r, res.err
	}
}

// round runs one sync round that reaches the service, or not.
func (w *world) round(err error) {
	w.service.rounds <- func(d Device) error { d.RoundDone(err); return nil }
	synctest.Wait()
}

// live keeps the camera beating for d, a beat every 5 s.
func (w *world) live(d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		step := min(5*time.Second, time.Until(end))
		time.Sleep(step)
		w.beats <- struct{}{}
		synctest.Wait()
	}
}

func eventsOf(evs []api.Event, typ string) (out []api.SoftwareUpdate) {
	for _, e := range evs {
		if e.Type == typ {
			var u api.SoftwareUpdate
			_ = json.Unmarshal(e.Data, &u)
			out = append(out, u)
		}
	}
	return out
}

func statusOf(t *testing.T, a *Appliance) Status {
	t.Helper()
	st, err := a.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestTrialConfirmsAfterAHealthyWindow: a release on trial confirms its
// slot only once its checks have passed without a break for the window;
// a failed sync round starts the window again. Health fails
// software-slot until then.
func TestTrialConfirmsAfterAHealthyWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, d := slotsOnTrial(t)
		w, cfg := trialWorld(sw, time.Minute)
		a, stop := startTrial(t, cfg(Caps{}))
		defer stop()
		if h := statusOf(t, a).Health; !slices.Contains(h.Failing, CheckSoftwareSlot) {
			t.Fatalf("on trial, health %+v", h)
		}
		w.see(vision.CameraState{Delivering: true})
		w.round(nil)
		w.live(30 * time.Second)
		w.round(errors.New("service unreachable")) // the window starts again
		w.live(5 * time.Second)
		w.round(nil)
		restarted := time.Now()
		w.live(time.Minute - time.Second)
		if st, _ := d.State(); st.Status != update.StatusTrying {
			t.Fatalf("confirmed %v after the service came back, before the window: %+v", time.Since(restarted), st)
		}
		w.live(time.Second)
		if st, _ := d.State(); st.Status != update.StatusConfirmed || st.Version != "2.0.0" {
			t.Fatalf("after a healthy window: %+v", st)
		}
		st := statusOf(t, a)
		if slices.Contains(st.Health.Failing, CheckSoftwareSlot) || st.Software.Slot != string(update.StatusConfirmed) {
			t.Fatalf("confirmed, status %+v", st)
		}
		if got := eventsOf(w.recorded(), api.EventUpdateConfirmed); len(got) != 1 || got[0].Version != "2.0.0" {
			t.Fatalf("confirmed events %+v", got)
		}
	})
}

// TestTrialGivesUp: a release that never becomes healthy rejects its slot
// at the end of its trial and restarts; the bootloader then starts the
// good release.
func TestTrialGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, d := slotsOnTrial(t)
		w, cfg := trialWorld(sw, time.Minute)
		_, stop := startTrial(t, cfg(Caps{}))
		defer stop()
		w.live(trialLimit(time.Minute) - 10*time.Second) // the service is never reached
		time.Sleep(11 * time.Second)
		synctest.Wait()
		r, err := stop()
		if err != nil || r.Reason == "" {
			t.Fatalf("Run ended with %+v, %v; want a restart", r, err)
		}
		s, err := d.Boot()
		if err != nil || s.Version != "1.0.0" {
			t.Fatalf("after giving up the bootloader started %+v, %v", s, err)
		}
	})
}

// TestRollbackReportedOnce: the release started after a rollback records
// a Rolled Back event naming the failed release and refuses it for good;
// its next start does not report it again.
func TestRollbackReportedOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, d := slotsOnTrial(t)
		if err := d.Reject(); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Boot(); err != nil {
			t.Fatal(err)
		}
		w, cfg := trialWorld(sw, time.Minute)
		c := cfg(Caps{})
		c.Version = "1.0.0"
		a, stop := startTrial(t, c)
		got := eventsOf(w.recorded(), api.EventUpdateRolledBack)
		if len(got) != 1 || got[0].Version != "2.0.0" || got[0].Running != "1.0.0" {
			t.Fatalf("rolled back events %+v", got)
		}
		if !sw.Refused("2.0.0") {
			t.Fatal("the failed release is not refused")
		}
		if st := statusOf(t, a); slices.Contains(st.Health.Failing, CheckSoftwareSlot) || st.Software.Failed != "2.0.0" {
			t.Fatalf("after a rollback, status %+v", st)
		}
		stop()
		_, stop = startTrial(t, c)
		defer stop()
		if got := eventsOf(w.recorded(), api.EventUpdateRolledBack); len(got) != 1 {
			t.Fatalf("reported again at the next start: %+v", got)
		}
	})
}

// TestTrialGivesUpAtTheConfiguredLimit: with a trial limit configured,
// the release on trial keeps its slot until the limit, then rejects it.
func TestTrialGivesUpAtTheConfiguredLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, d := slotsOnTrial(t)
		w, cfg := trialWorld(sw, time.Second)
		c := cfg(Caps{})
		c.TrialLimit = 10 * time.Second
		_, stop := startTrial(t, c)
		defer stop()
		w.live(9 * time.Second) // the service is never reached
		if st, err := d.State(); err != nil || st.Status != update.StatusTrying {
			t.Fatalf("before the limit: %+v, %v", st, err)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		r, err := stop()
		if err != nil || r.Reason == "" {
			t.Fatalf("Run ended with %+v, %v; want a restart", r, err)
		}
		if s, err := d.Boot(); err != nil || s.Version != "1.0.0" {
			t.Fatalf("after giving up the bootloader started %+v, %v", s, err)
		}
	})
}

// TestTrialNeedsACameraFrame: the lifecycle takes the camera for working
// until it stalls; a release on trial confirms only once the camera has
// really delivered a frame, then after a whole window.
func TestTrialNeedsACameraFrame(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw, d := slotsOnTrial(t)
		w, cfg := trialWorld(sw, time.Minute)
		_, stop := startTrial(t, cfg(Caps{}))
		defer stop()
		w.round(nil)
		w.live(2 * time.Minute) // every other check passes; no frame yet
		if st, _ := d.State(); st.Status != update.StatusTrying {
			t.Fatalf("confirmed without a camera frame: %+v", st)
		}
		w.see(vision.CameraState{Delivering: true})
		w.live(time.Minute - 5*time.Second)
		if st, _ := d.State(); st.Status != update.StatusTrying {
			t.Fatalf("confirmed before a window of frames: %+v", st)
		}
		w.live(5 * time.Second)
		if st, _ := d.State(); st.Status != update.StatusConfirmed {
			t.Fatalf("a window after the first frame: %+v", st)
		}
	})
}
