package appliance

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/ioboard"
	"github.com/palmd/palmd/firmware/panel"
	"github.com/palmd/palmd/firmware/vision"
	"github.com/palmd/palmd/wiegand"
)

// running starts an appliance on w in the test's bubble and returns a
// function that stops it and returns what Run returned.
func running(t *testing.T, w *world, caps Caps) (*Appliance, func() (Restart, error)) {
	t.Helper()
	a, err := New(w.config(caps))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		r   Restart
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := a.Run(ctx)
		done <- result{r, err}
	}()
	<-a.Ready()
	synctest.Wait()
	return a, func() (Restart, error) {
		cancel()
		res := <-done
		return res.r, res.err
	}
}

// activeWorld is a world whose reader was activated with cfg.
func activeWorld(cfg api.Config) *world {
	w := newWorld()
	w.service.activated = true
	w.running = &cfg
	return w
}

func (w *world) see(o vision.Output) {
	w.camera <- o
	synctest.Wait()
}

func recognitions(evs []api.Event) (out []api.Recognition) {
	for _, e := range evs {
		if e.Type != api.EventRecognized {
			continue
		}
		var r api.Recognition
		_ = json.Unmarshal(e.Data, &r)
		out = append(out, r)
	}
	return out
}

// TestEntryGrantedDeniedAndUnanswered: the badge of a recognised palm goes
// to the panel, and what the screen shows and the event records follow
// the panel's answer, or its silence until the decision timeout.
func TestEntryGrantedDeniedAndUnanswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := wiegandConfig()
		w := activeWorld(cfg)
		_, stop := running(t, w, Caps{RS485: true})
		defer stop()
		if w.screen() != ScreenIdle || w.look() != vision.LookForPalms {
			t.Fatalf("at start: screen %q, camera looking for %v", w.screen(), w.look())
		}
		link := w.link()
		if link == nil || link.spec.Protocol != "wiegand" || link.spec.Pulse != 50*time.Microsecond {
			t.Fatalf("panel link %+v", link)
		}
		match := vision.Identified{Result: gallery.Result{ID: "p1", Badge: "12:3456", Matched: true}}

		w.see(match)
		if got := link.badges(); len(got) != 1 || got[0] != (wiegand.Badge{Facility: 12, Card: 3456}) || w.screen() != ScreenChecking {
			t.Fatalf("sent %v, screen %q", got, w.screen())
		}
		link.decisions <- panel.Decision{Granted: true}
		synctest.Wait()
		if w.screen() != ScreenGranted || len(w.pulsed(0)) != 1 || w.pulsed(0)[0] != 3*time.Second {
			t.Fatalf("granted: screen %q, relay pulses %v", w.screen(), w.pulsed(0))
		}
		time.Sleep(resultShown)
		synctest.Wait()
		if w.screen() != ScreenIdle {
			t.Fatalf("after the result: screen %q", w.screen())
		}

		w.see(match)
		link.decisions <- panel.Decision{Granted: false}
		synctest.Wait()
		if w.screen() != ScreenDenied || len(w.pulsed(0)) != 1 {
			t.Fatalf("denied: screen %q, relay pulses %v", w.screen(), w.pulsed(0))
		}
		time.Sleep(resultShown)

		w.see(match)
		time.Sleep(cfg.Decision.Duration)
		synctest.Wait()
		if w.screen() != ScreenNoAnswer || len(w.pulsed(0)) != 1 {
			t.Fatalf("unanswered: screen %q, relay pulses %v", w.screen(), w.pulsed(0))
		}
		got := recognitions(w.recorded())
		want := []string{api.DecisionGranted, api.DecisionDenied, api.DecisionNoAnswer}
		if len(got) != 3 {
			t.Fatalf("recognition events %+v", got)
		}
		for i, r := range got {
			if r.Decision != want[i] || r.Badge != "12:3456" || r.Profile != "p1" {
				t.Errorf("event %d: %+v, want decision %s", i, r, want[i])
			}
		}
	})
}

// TestEventsCarryTheirOwnTime: a recognition is stamped when the palm was
// recognised, not when the decision or the delivery came.
func TestEventsCarryTheirOwnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(wiegandConfig())
		_, stop := running(t, w, Caps{})
		defer stop()
		seen := time.Now()
		w.see(vision.Identified{Result: gallery.Result{ID: "p1", Badge: "12:3456", Matched: true}})
		time.Sleep(4 * time.Second)
		w.link().decisions <- panel.Decision{Granted: true}
		synctest.Wait()
		evs := w.recorded()
		if len(evs) != 1 || !evs[0].Time.Equal(seen.UTC()) {
			t.Fatalf("events %+v, want one stamped %v", evs, seen.UTC())
		}
	})
}

// TestProtocolSwitchAtRunTime: a new configuration from the service moves
// the reader from OSDP to Wiegand without a restart; the old link stops,
// the outputs the panel drove are released.
func TestProtocolSwitchAtRunTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(entryConfig("panel"))
		_, stop := running(t, w, Caps{RS485: true})
		defer stop()
		osdpLink := w.link()
		if osdpLink.spec.Protocol != "osdp" || !osdpLink.spec.Driven[0] {
			t.Fatalf("first link %+v", osdpLink.spec)
		}
		next := wiegandConfig()
		next.Version = 2
		var applyErr error
		w.service.rounds <- func(d Device) error { applyErr = d.ApplyConfig(next); return nil }
		synctest.Wait()
		if applyErr != nil {
			t.Fatal(applyErr)
		}
		if !osdpLink.isStopped() || w.link().spec.Protocol != "wiegand" || w.linksOpened() != 2 {
			t.Fatalf("after the switch: old stopped %v, links %d, new %+v", osdpLink.isStopped(), w.linksOpened(), w.link().spec)
		}
		if w.releases(0) != 1 {
			t.Fatalf("relay released %d times, want once when it left the panel's control", w.releases(0))
		}
		// The same configuration again changes nothing.
		w.service.rounds <- func(d Device) error { return d.ApplyConfig(next) }
		synctest.Wait()
		if w.linksOpened() != 2 {
			t.Fatal("an unchanged panel configuration restarted the link")
		}
	})
}

// TestRefusedConfigurationKeepsTheOld: a configuration the reader cannot
// run is refused with its reason and the running one stays.
func TestRefusedConfigurationKeepsTheOld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(entryConfig("panel"))
		a, stop := running(t, w, Caps{RS485: true})
		defer stop()
		bad := entryConfig("panel")
		bad.Version, bad.Mode = 2, ModeEnrollment
		var err error
		w.service.rounds <- func(d Device) error { err = d.ApplyConfig(bad); return nil }
		synctest.Wait()
		if err == nil {
			t.Fatal("a mode change was accepted")
		}
		st, _ := a.Status(context.Background())
		if st.Config != 1 || st.Mode != ModeEntry || w.linksOpened() != 1 {
			t.Fatalf("after the refusal: %+v, links %d", st, w.linksOpened())
		}
	})
}

// TestActivation: setup, a tap, a refused code and then a good one; the
// first configuration runs and is saved, and the sync starts.
func TestActivation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld()
		w.service.activate = func(code string) (api.Config, error) {
			if code != "GOOD" {
				return api.Config{}, errors.New("this activation code was already used")
			}
			return entryConfig("panel"), nil
		}
		a, stop := running(t, w, Caps{RS485: true})
		defer stop()
		if w.screen() != ScreenSetup || w.look() != vision.LookForNothing {
			t.Fatalf("first boot: screen %q, camera %v", w.screen(), w.look())
		}
		if err := a.Post(context.Background(), Touched{Button: ButtonStart}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if w.screen() != ScreenScanCode || w.look() != vision.LookForCodes {
			t.Fatalf("after the tap: screen %q, camera %v", w.screen(), w.look())
		}
		w.see(vision.CodeRead{Payload: "USED"})
		if w.screen() != ScreenCodeRefused || w.service.Activated() {
			t.Fatalf("a used code: screen %q", w.screen())
		}
		w.see(vision.CodeRead{Payload: "GOOD"})
		if w.screen() != ScreenActivated || !w.service.Activated() {
			t.Fatalf("a good code: screen %q", w.screen())
		}
		if c, ok := w.Running(); !ok || c.Version != 1 || w.link() == nil {
			t.Fatal("the first configuration was not saved and applied")
		}
		time.Sleep(noticeShown)
		synctest.Wait()
		if w.screen() != ScreenIdle || w.look() != vision.LookForPalms {
			t.Fatalf("after the notice: screen %q, camera %v", w.screen(), w.look())
		}
		ran := false
		w.service.rounds <- func(Device) error { ran = true; return nil }
		synctest.Wait()
		if !ran {
			t.Fatal("the sync did not start")
		}
	})
}

// TestTamperAlarm: the case opened is an alarm on the screen and an event,
// whatever the reader was doing; closed, the screen comes back.
func TestTamperAlarm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(wiegandConfig())
		a, stop := running(t, w, Caps{})
		defer stop()
		w.inputs <- ioboard.Event{Kind: ioboard.KindTamper, Asserted: true, At: time.Now()}
		synctest.Wait()
		st, _ := a.Status(context.Background())
		if w.screen() != ScreenTamper || !st.Tamper || !contains(st.Health.Failing, CheckTamper) {
			t.Fatalf("open: screen %q, status %+v", w.screen(), st)
		}
		w.inputs <- ioboard.Event{Kind: ioboard.KindTamper, Asserted: false, At: time.Now()}
		synctest.Wait()
		if w.screen() != ScreenIdle {
			t.Fatalf("closed: screen %q", w.screen())
		}
		evs := w.recorded()
		if len(evs) != 2 || evs[0].Type != api.EventTamperRaised || evs[1].Type != api.EventTamperCleared {
			t.Fatalf("events %+v", evs)
		}
	})
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestCameraHealth: a camera that stops delivering fails its check and
// shows on the screen; back, both clear.
func TestCameraHealth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(wiegandConfig())
		a, stop := running(t, w, Caps{})
		defer stop()
		w.see(vision.CameraState{Delivering: true})
		if st, _ := a.Status(context.Background()); st.Health.Status != "HEALTHY" && !onlyPanel(st.Health.Failing) {
			t.Fatalf("delivering: %+v", st.Health)
		}
		w.see(vision.CameraState{Delivering: false})
		st, _ := a.Status(context.Background())
		if st.Health.Status != "CRITICAL" || !contains(st.Health.Failing, CheckCamera) || w.screen() != ScreenCameraFault {
			t.Fatalf("stalled: %+v, screen %q", st.Health, w.screen())
		}
		w.see(vision.CameraState{Delivering: true})
		if st, _ := a.Status(context.Background()); contains(st.Health.Failing, CheckCamera) || w.screen() != ScreenIdle {
			t.Fatalf("back: %+v, screen %q", st.Health, w.screen())
		}
	})
}

// onlyPanel: before the first tick the panel link has not been looked at.
func onlyPanel(failing []string) bool { return len(failing) == 1 && failing[0] == CheckPanelLink }

// TestWatchdogFedByProgress: systemd's watchdog is fed while the camera
// and the panel link beat, and not once the camera stops.
func TestWatchdogFedByProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(wiegandConfig())
		_, stop := running(t, w, Caps{})
		defer stop()
		for range 10 {
			w.beats <- struct{}{}
			time.Sleep(time.Second)
			synctest.Wait()
		}
		if w.fed() < 8 {
			t.Fatalf("fed %d times in 10 s of progress", w.fed())
		}
		time.Sleep(staleBeat + 2*time.Second) // the camera goes quiet; the link still beats
		synctest.Wait()
		before := w.fed()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if w.fed() != before {
			t.Fatalf("fed %d times with the camera stuck", w.fed()-before)
		}
	})
}

// TestDeactivation: the service deactivates the reader; its data is
// wiped, the panel link closes and the reader starts over.
func TestDeactivation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(entryConfig("panel"))
		_, stop := running(t, w, Caps{RS485: true})
		defer stop()
		link := w.link()
		w.service.rounds <- func(d Device) error {
			if err := d.Wipe(); err != nil {
				return err
			}
			return cloud.ErrDeactivated
		}
		synctest.Wait()
		if !w.wiped || !link.isStopped() || w.screen() != ScreenDeactivated || w.look() != vision.LookForNothing {
			t.Fatalf("wiped %v, link stopped %v, screen %q, camera %v", w.wiped, link.isStopped(), w.screen(), w.look())
		}
	})
}

// TestRestartIsAValue: a reboot the service asked for ends Run with a
// Restart after the round that acknowledged it, and nothing is left
// running: synctest.Test fails when a goroutine of the bubble is left
// blocked (counting the process's goroutines instead caught other
// tests' timers).
func TestRestartIsAValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := activeWorld(entryConfig("panel"))
		a, err := New(w.config(Caps{RS485: true}))
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan Restart, 1)
		go func() {
			r, _ := a.Run(context.Background())
			done <- r
		}()
		<-a.Ready()
		w.service.rounds <- func(d Device) error { return d.Execute(api.Command{ID: "c1", Kind: api.CommandReboot}) }
		r := <-done
		if r.Reason == "" || r.Program != "" {
			t.Fatalf("restart %+v", r)
		}
		if !w.link().isStopped() {
			t.Fatal("the panel link outlived Run")
		}
	})
}
