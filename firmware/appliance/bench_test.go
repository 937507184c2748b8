package appliance_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/panel/panelsim"
)

// grantConfig is entry over protocol with the relay pulsed for half a
// second on a grant.
func grantConfig(protocol string) *api.Config {
	c := api.DefaultConfig()
	c.Panel.Protocol, c.Relay.Follow = protocol, "grant"
	c.Relay.Unlock = api.Duration{Duration: 500 * time.Millisecond}
	return &c
}

// present shows the enrolled hand until the panel has the badge, then
// takes it away; it returns what the panel saw and the reader's status.
func (r *rig) present(tb testing.TB) (panelsim.Access, appliance.Status) {
	tb.Helper()
	r.wait(tb, "no decision pending", func(s appliance.Status) bool { return s.Entry != appliance.StepDeciding })
	r.cam.Show(r.hand)
	defer r.cam.Show(nil)
	var a panelsim.Access
	var seen []string // what the reader did meanwhile, for a failure
	for deadline := time.After(20 * time.Second); ; {
		select {
		case a = <-r.osdp.Access():
		case a = <-r.wiegand.Access():
		case <-deadline:
			tb.Fatalf("no badge reached a panel; the reader showed %v", seen)
		case <-time.After(10 * time.Millisecond):
			if st, err := r.app.Status(context.Background()); err == nil && (len(seen) == 0 || seen[len(seen)-1] != st.Screen.Name) {
				seen = append(seen, st.Screen.Name)
			}
			continue
		}
		break
	}
	st := r.wait(tb, "the outcome", func(s appliance.Status) bool { return s.Entry == appliance.StepResult })
	r.cam.Show(nil)
	r.wait(tb, "the hand gone", func(s appliance.Status) bool { return !s.Hand })
	return a, st
}

// TestRigEntry: the real parts together, without the service: a palm in
// front of the camera reaches each panel as the enrolled badge and is
// granted, and the relay pulses.
func TestRigEntry(t *testing.T) {
	for _, protocol := range []string{"osdp", "wiegand"} {
		t.Run(protocol, func(t *testing.T) {
			r := newRig(t, grantConfig(protocol), 100)
			r.wait(t, "the panel link", func(s appliance.Status) bool { return s.PanelUp })
			a, st := r.present(t)
			if a.Badge != staff || !a.Granted || st.Outcome != appliance.OutcomeGranted {
				t.Fatalf("panel saw %+v, reader %+v", a, st)
			}
			if st.Frame.IsZero() || a.Read.Before(st.Frame) {
				t.Fatalf("frame %v, read on the wire %v", st.Frame, a.Read)
			}
			relay := r.pins.Sim(r.lc.Pins.Relay)
			if edges := relay.Edges(); len(edges) == 0 {
				t.Fatal("the relay never moved on a grant")
			}
		})
	}
}

func report(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2])/1e6, "median-ms")
	b.ReportMetric(float64(took[(len(took)-1)*99/100])/1e6, "p99-ms")
}

// BenchmarkFrameToWire: from the camera's frame of an enrolled palm to the
// badge complete on the wire at the panel, with 10,000 people (two hands
// each) enrolled. Run it with -cpu 1 for the figure on one core.
func BenchmarkFrameToWire(b *testing.B) {
	for _, protocol := range []string{"osdp", "wiegand"} {
		b.Run(protocol, func(b *testing.B) {
			r := newRig(b, grantConfig(protocol), 10000)
			r.wait(b, "the panel link", func(s appliance.Status) bool { return s.PanelUp })
			var took []time.Duration
			for b.Loop() {
				a, st := r.present(b)
				if !a.Granted {
					b.Fatalf("not granted: %+v %+v", a, st)
				}
				took = append(took, a.Read.Sub(st.Frame))
			}
			report(b, took)
		})
	}
}

// BenchmarkDecisionToRelay: from the panel starting its answer (OSDP: the
// LED command leaves; Wiegand: the LED line asserted) to the relay
// energised. Over Wiegand it includes the GrantHold a reader waits to
// tell a grant from a deny blink.
func BenchmarkDecisionToRelay(b *testing.B) {
	for _, protocol := range []string{"osdp", "wiegand"} {
		b.Run(protocol, func(b *testing.B) {
			r := newRig(b, grantConfig(protocol), 100)
			r.wait(b, "the panel link", func(s appliance.Status) bool { return s.PanelUp })
			relay := r.pins.Sim(r.lc.Pins.Relay)
			var took []time.Duration
			for b.Loop() {
				relay.Reset()
				a, _ := r.present(b)
				edges := relay.Edges()
				if len(edges) == 0 {
					b.Fatal("relay not energised")
				}
				took = append(took, edges[0].At.Sub(a.Answered))
				time.Sleep(time.Second) // the pulse ends before the next
			}
			report(b, took)
		})
	}
}

// cpu is this process's CPU time.
func cpu(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cores measures CPU seconds per wall second over d.
func cores(tb testing.TB, d time.Duration) float64 {
	start, c0 := time.Now(), cpu(tb)
	time.Sleep(d)
	return float64(cpu(tb)-c0) / float64(time.Since(start))
}

// BenchmarkIdleCPU: what a simulated reader costs, as CPU seconds per
// wall second, with its 30 fps simulated camera: waiting for an activation
// code, as an entry reader over OSDP with nothing in view (the panel
// polling at a real line's pace from a process of its own, and, as make
// run has it, in this one), over Wiegand, and with a hand held still after
// its decision.
func BenchmarkIdleCPU(b *testing.B) {
	const window = 10 * time.Second
	for b.Loop() {
		r := newRig(b, nil, 100)
		_ = r.app.Post(context.Background(), appliance.Touched{Button: appliance.ButtonStart})
		r.wait(b, "scanning", func(s appliance.Status) bool { return s.Phase == appliance.PhaseScanning })
		time.Sleep(5 * time.Second) // the empty scene is learned, the first frames decoded
		b.ReportMetric(cores(b, window), "cores-waiting-for-code")
		r.stop()

		// The panel polling on its own process: this one is the reader.
		r = newRigWith(b, grantConfig("osdp"), 100, true)
		r.wait(b, "the panel link", func(s appliance.Status) bool { return s.PanelUp })
		time.Sleep(5 * time.Second)
		b.ReportMetric(cores(b, window), "cores-entry-idle")
		r.stop()

		r = newRig(b, grantConfig("osdp"), 100)
		r.wait(b, "the panel link", func(s appliance.Status) bool { return s.PanelUp })
		time.Sleep(5 * time.Second)
		b.ReportMetric(cores(b, window), "cores-entry-idle-with-panel")

		r.cam.Show(r.hand)
		r.wait(b, "a decision", func(s appliance.Status) bool { return s.Entry == appliance.StepResult })
		b.ReportMetric(cores(b, window), "cores-hand-held-still")
		r.stop()

		// Over Wiegand nothing polls: what is left is the reader's own.
		r = newRig(b, grantConfig("wiegand"), 100)
		time.Sleep(5 * time.Second)
		b.ReportMetric(cores(b, window), "cores-entry-idle-wiegand")
	}
}
