package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/store"
)

// activeReader is a palmd activated against a fresh devcloud.
func activeReader(t testing.TB) (*palmd, *devcloud, string) {
	t.Helper()
	dc := startDevcloud(t)
	inst, code := dc.door(t)
	cfg, control := writeConfig(t, dc.serviceSection(""))
	p := startPalmd(t, cfg, control)
	p.activate(code)
	return p, dc, inst
}

// TestEntryOverOSDP: activated from the console's QR code, the reader is
// adopted by the simulated OSDP door panel with a key of its own; a
// recognised badge is granted or denied by the panel, a palm that matched
// nobody sends nothing; the service publishes each recognition with the
// panel's answer, and no badge reaches the log.
func TestEntryOverOSDP(t *testing.T) {
	p, dc, _ := activeReader(t)
	p.waitState("the panel link", func(s appliance.Status) bool { return s.PanelUp && s.Protocol == "osdp" })
	for _, tc := range []struct {
		body string
		want appliance.Outcome
	}{
		{`{"facility":12,"card":3456}`, appliance.OutcomeGranted},
		{`{"facility":12,"card":7}`, appliance.OutcomeDenied},
		{`{"nobody":true}`, appliance.OutcomeNotRecognised},
	} {
		if st := p.decide(tc.body); st.Outcome != tc.want {
			t.Fatalf("%s: outcome %s (%s), want %s", tc.body, st.Outcome, st.Reason, tc.want)
		}
	}
	var decisions []string
	for deadline := time.Now().Add(20 * time.Second); len(decisions) < 3 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		decisions = nil
		for _, ev := range dc.published() {
			if dt := ev["detail-type"]; dt == api.EventRecognized || dt == api.EventNotRecognized {
				decisions = append(decisions, fmt.Sprint(dt, "/", dataOf(ev)["accessDecision"]))
			}
		}
	}
	want := []string{"Successful Recognition/GRANTED", "Successful Recognition/DENIED", "Unsuccessful Recognition/<nil>"}
	if fmt.Sprint(decisions) != fmt.Sprint(want) {
		t.Fatalf("published %v, want %v", decisions, want)
	}
	if strings.Contains(p.logs.String(), "3456") {
		t.Fatal("a badge number reached the log")
	}
}

func dataOf(ev map[string]any) map[string]any {
	d, _ := ev["detail"].(map[string]any)
	data, _ := d["data"].(map[string]any)
	return data
}

// TestWiegandEntryAndProtocolSwitch: the service switches the reader from
// OSDP to Wiegand while it runs, in another badge format, with the relay
// pulsed on a grant; the simulated Wiegand panel decodes the site's format
// and grants, denies (a blink on the LED line) or stays silent (no
// answer, nothing unlocked).
func TestWiegandEntryAndProtocolSwitch(t *testing.T) {
	p, dc, inst := activeReader(t)
	cfg := api.DefaultConfig()
	cfg.Panel.Protocol, cfg.Badge.Format = "wiegand", "h10306"
	cfg.Relay.Follow, cfg.Relay.Unlock = "grant", api.Duration{Duration: 500 * time.Millisecond}
	cfg.Decision = api.Duration{Duration: 2 * time.Second}
	dc.configure(inst, cfg)
	p.waitState("Wiegand", func(s appliance.Status) bool { return s.Protocol == "wiegand" && s.PanelUp })

	relayEdges := func() int { return pinEdges(t, p, "RELAY") }
	before := relayEdges()
	if st := p.decide(`{"facility":12,"card":3456}`); st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("granted over Wiegand: %+v", st)
	}
	for deadline := time.Now().Add(5 * time.Second); relayEdges() < before+2 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
	}
	if got := relayEdges(); got != before+2 {
		t.Fatalf("relay edges %d after a grant, want one pulse (2 more than %d)", got, before)
	}
	if st := p.decide(`{"facility":12,"card":7}`); st.Outcome != appliance.OutcomeDenied {
		t.Fatalf("denied over Wiegand: %+v", st)
	}
	p.post("/panel", "application/json", []byte(`{"answer":false}`))
	if st := p.decide(`{"facility":12,"card":3456}`); st.Outcome != appliance.OutcomeNoAnswer || st.Screen.Name != appliance.ScreenNoAnswer {
		t.Fatalf("a silent panel: %+v", st)
	}
	if got := relayEdges(); got != before+2 {
		t.Fatal("the relay moved without an answer")
	}
}

// pinEdges reads a simulated line's edge count.
func pinEdges(t *testing.T, p *palmd, pin string) int {
	t.Helper()
	var st struct{ Edges int }
	resp, err := httpGetJSON("http://"+p.control+"/pins/"+pin, &st)
	if err != nil {
		t.Fatalf("pin %s: %v (%v)", pin, err, resp)
	}
	return st.Edges
}

// TestRefusedConfiguration: a configuration the reader cannot honour (a
// change of mode) is refused, the service is told why, and the reader
// keeps running the old one.
func TestRefusedConfiguration(t *testing.T) {
	p, dc, inst := activeReader(t)
	cfg := api.DefaultConfig()
	cfg.Mode = "enrollment"
	dc.configure(inst, cfg)
	var got struct {
		Rejected *api.ConfigState `json:"rejectedConfig"`
	}
	for deadline := time.Now().Add(20 * time.Second); got.Rejected == nil && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		dc.cli(&got, "GET", "/manage/instances/"+inst)
	}
	if got.Rejected == nil || got.Rejected.Rejected != 2 || !strings.Contains(got.Rejected.Reason, "mode") {
		t.Fatalf("the service was told %+v", got.Rejected)
	}
	if st, _ := p.state(); st.Config != 1 || st.Mode != "entry" {
		t.Fatalf("after the refusal the reader runs %+v", st)
	}
	if st := p.decide(`{"facility":12,"card":3456}`); st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("entry after the refusal: %+v", st)
	}
}

// TestEntryByPalm: an enrolled palm shown to the simulated camera at
// another pose is recognised and granted; a stranger's palm is not
// recognised.
func TestEntryByPalm(t *testing.T) {
	dc := startDevcloud(t)
	_, code := dc.door(t)
	cfgPath, control := writeConfig(t, dc.serviceSection(""))
	p := startPalmd(t, cfgPath, control)
	p.activate(code)
	p.stop()
	me, stranger := palmtest.NewHand(21), palmtest.NewHand(22)
	enrolHand(t, filepath.Join(filepath.Dir(cfgPath), "state"), "person-1", "12:3456", me)

	p = startPalmd(t, cfgPath, control)
	p.waitState("entry after a restart", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenIdle && s.PanelUp })
	showHand(t, p, &me, palmtest.Pose{Deg: 10, Scale: 158, CX: 330, CY: 295})
	st := p.waitState("a decision", func(s appliance.Status) bool { return s.Entry == appliance.StepResult })
	if st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("an enrolled palm: %+v", st)
	}
	showHand(t, p, nil, palmtest.Pose{}) // the hand leaves
	p.waitState("idle", func(s appliance.Status) bool { return s.Screen.Name == appliance.ScreenIdle })
	showHand(t, p, &stranger, palmtest.Centred)
	st = p.waitState("a decision", func(s appliance.Status) bool { return s.Entry == appliance.StepResult })
	if st.Outcome != appliance.OutcomeNotRecognised {
		t.Fatalf("a stranger's palm: %+v", st)
	}
}

// enrolHand stores a profile for hand in the reader's state directory, as
// the service's gallery sync would.
func enrolHand(t *testing.T, stateDir, id, badge string, hand palmtest.Hand) {
	t.Helper()
	db, err := store.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir, err := people.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	obs, err := palm.NewLocator(palm.DefaultConfig).Locate(hand.Render(palmtest.Centred, 1))
	if err != nil || !obs.Good() {
		t.Fatalf("enrolment frame: %v %v", obs.Hints, err)
	}
	e, err := features.NewExtractor()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	tm, err := e.Template(obs.ROI)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tm.MarshalBinary()
	if err := dir.Add(api.Profile{ID: id, Badge: badge, Templates: [][]byte{raw}}); err != nil {
		t.Fatal(err)
	}
}

func showHand(t *testing.T, p *palmd, hand *palmtest.Hand, pose palmtest.Pose) {
	t.Helper()
	var body bytes.Buffer
	if hand != nil {
		if err := png.Encode(&body, hand.Render(pose, 9)); err != nil {
			t.Fatal(err)
		}
	}
	p.post("/camera", "image/png", body.Bytes())
}

// TestSoftwareUpdateInSimulation: a release published on devcloud's command
// line reaches an activated palmd, which installs it into
// service.install_to and ends asking to restart into it.
func TestSoftwareUpdateInSimulation(t *testing.T) {
	dc := startDevcloud(t)
	_, code := dc.door(t)
	target := filepath.Join(t.TempDir(), "palmd-installed")
	cfg, control := writeConfig(t, dc.serviceSection(fmt.Sprintf("release_key = %q\ninstall_to = %q",
		filepath.Join(dc.dir, "release.pub"), target)))
	p := startPalmd(t, cfg, control)
	p.activate(code)

	build := filepath.Join(t.TempDir(), "palmd-9.9.9")
	body := []byte("#!/bin/sh\necho palmd 9.9.9\n")
	if err := os.WriteFile(build, body, 0o755); err != nil {
		t.Fatal(err)
	}
	dc.cli(nil, "release", "publish", build, "--version", "9.9.9", "--arch", runtime.GOARCH)
	select {
	case r := <-p.done:
		p.done <- r // for the cleanup's stop
		if r.err != nil || r.restart.Program != target {
			t.Fatalf("palmd ended with %+v, want a restart into %s", r, target)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("palmd did not install the release:\n%s", p.logs.String())
	}
	if got, _ := os.ReadFile(target); string(got) != string(body) {
		t.Fatalf("installed program %q", got)
	}
}

// TestEventQueuedOfflineKeepsItsTime: an entry while the service is
// unreachable still works (the panel is local), and its event, delivered
// when the service is back, is published with the time it happened.
func TestEventQueuedOfflineKeepsItsTime(t *testing.T) {
	p, dc, _ := activeReader(t)
	p.waitState("the panel link", func(s appliance.Status) bool { return s.PanelUp })
	dc.stop()
	st := p.decide(`{"facility":12,"card":3456}`)
	if st.Outcome != appliance.OutcomeGranted {
		t.Fatalf("entry while the service is down: %+v", st)
	}
	happened := st.Frame.UTC()
	time.Sleep(3 * time.Second)
	dc.start()
	var when string
	for deadline := time.Now().Add(60 * time.Second); when == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		for _, ev := range dc.published() {
			if ev["detail-type"] == api.EventRecognized {
				when, _ = ev["time"].(string)
			}
		}
	}
	at, err := time.Parse(time.RFC3339, when)
	if err != nil {
		t.Fatalf("published time %q: %v", when, err)
	}
	if d := at.Sub(happened.Truncate(time.Second)); d < 0 || d > time.Second {
		t.Fatalf("published at %v, the entry was at %v", at, happened)
	}
}
