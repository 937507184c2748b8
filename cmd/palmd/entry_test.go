package main

import (
	"bytes"
	"image/png"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palmd/palmd/biometric/features"
	"github.com/palmd/palmd/biometric/palm"
	"github.com/palmd/palmd/biometric/palm/palmtest"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/store"
)

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

func showPNG(t *testing.T, control string, hand *palmtest.Hand, p palmtest.Pose) {
	t.Helper()
	var body bytes.Buffer
	if hand != nil {
		if err := png.Encode(&body, hand.Render(p, 9)); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Post("http://"+control+"/camera", "image/png", &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("camera: %s", resp.Status)
	}
}

// TestEntryByPalm: an enrolled palm shown to the simulated camera at
// another pose is recognised, its badge goes over OSDP and the door panel
// grants it; a stranger's palm is not recognised; nothing logs the badge.
func TestEntryByPalm(t *testing.T) {
	cfg, control := writeConfig(t)
	stateDir := filepath.Join(filepath.Dir(cfg), "state")
	me, stranger := palmtest.NewHand(21), palmtest.NewHand(22)
	enrolHand(t, stateDir, "person-1", "12:3456", me)
	logs := startPalmd(t, cfg)
	waitLog(t, logs, "ready")

	showPNG(t, control, &me, palmtest.Pose{Deg: 10, Scale: 158, CX: 330, CY: 295})
	waitLog(t, logs, "recognised")
	waitLog(t, logs, "access granted")
	showPNG(t, control, nil, palmtest.Pose{}) // the hand leaves
	showPNG(t, control, &stranger, palmtest.Centred)
	waitLog(t, logs, "Not recognised")
	if strings.Contains(logs.String(), "3456") {
		t.Fatal("a badge number reached the log")
	}
}
