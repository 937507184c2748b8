package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/biometric/gallery"
	"github.com/palmd/palmd/biometric/match"
	palm "github.com/palmd/palmd/biometric/template"
	"github.com/palmd/palmd/biometric/template/templatetest"
	"github.com/palmd/palmd/cmd/internal/loopback"
	"github.com/palmd/palmd/firmware/activation"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/store"
)

// TestActivationFromQRImage: from the PNG the console shows to ACTIVE, a
// 0600 identity, its key sealed in the store, and a first mutual-TLS sync.
func TestActivationFromQRImage(t *testing.T) {
	svc := startService(t, "", "")
	_, inst := svc.door("", "Front door")
	if st := svc.instance(inst).State; st != stateReady {
		t.Fatalf("configured instance is %s", st)
	}
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	got := svc.instance(inst)
	if got.State != stateActive || got.AssetTag != "PLM-0001" {
		t.Fatalf("instance after activation: %+v", got)
	}
	fi, err := os.Stat(filepath.Join(r.dir, "identity", "identity.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity.json: %v mode %v, want 0600", err, fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(r.dir, "identity", "device-key.pem")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the device key is a file in the clear: %v", err)
	}
	r.mustRound()
	if got := svc.instance(inst); got.Running != 1 || got.Health != "HEALTHY" || !got.Online {
		t.Fatalf("after the first sync: %+v", got)
	}
}

// TestBadCodesChangeNothing: forged, expired, reused and garbled codes are
// refused each with its own error, and leave reader and service as they were.
func TestBadCodesChangeNothing(t *testing.T) {
	svc := startService(t, "", "")
	_, inst := svc.door("", "Side door")
	good := svc.qrToken(inst)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	p, err := activation.Verify(good, svc.srv.ca.activation.Public().(ed25519.PublicKey), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	forged, _ := activation.Mint(p, otherKey)
	r := newReader(t, svc, "")
	for _, tc := range []struct {
		name  string
		token string
		now   time.Time
		want  error
	}{
		{"forged", forged, time.Now(), activation.ErrForged},
		{"expired", good, time.Now().Add(2 * time.Minute), activation.ErrExpired},
		{"garbled", "WIFI:S:guest;;", time.Now(), activation.ErrGarbled},
		{"truncated", good[:len(good)/2], time.Now(), activation.ErrGarbled},
	} {
		r.act.Now = func() time.Time { return tc.now }
		if _, _, err := r.act.Activate(context.Background(), tc.token); !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		assertNotActivated(t, svc, r, inst)
	}
	r.act.Now = nil
	// A code the service never issued, correctly signed: refused online.
	p.Secret = base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef0123"))
	unknown, _ := activation.Mint(p, svc.srv.ca.activation)
	var se *cloud.StatusError
	if _, _, err := r.act.Activate(context.Background(), unknown); !errors.As(err, &se) || se.Status != 403 {
		t.Errorf("unissued code: %v", err)
	}
	assertNotActivated(t, svc, r, inst)
	// Used once, then refused.
	r.activate(good)
	second := newReader(t, svc, "")
	if _, _, err := second.act.Activate(context.Background(), good); !errors.As(err, &se) || se.Body.Code != "code_used" {
		t.Fatalf("reused code: %v", err)
	}
	if _, _, err := second.ids.Load(); !errors.Is(err, identity.ErrNotActivated) {
		t.Fatal("a refused activation left an identity")
	}
}

func assertNotActivated(t *testing.T, svc *service, r *reader, inst string) {
	t.Helper()
	if _, _, err := r.ids.Load(); !errors.Is(err, identity.ErrNotActivated) {
		t.Fatalf("reader has an identity after a refused code: %v", err)
	}
	if st := svc.instance(inst).State; st != stateReady {
		t.Fatalf("instance state %s after a refused code", st)
	}
}

// TestEventsSurviveOutageAndRestart: the service goes away, the reader
// keeps recording, restarts; every event arrives once.
func TestEventsSurviveOutageAndRestart(t *testing.T) {
	svcDir := t.TempDir()
	svc := startService(t, svcDir, loopback.Addr(t)) // bound again by the restart below
	_, inst := svc.door("", "Lobby")
	readerDir := t.TempDir()
	r := newReader(t, svc, readerDir)
	r.activate(svc.qrToken(inst))
	var ids []string
	record := func(n int) {
		for range n {
			ev, err := cloud.NewEvent("Successful Recognition", map[string]string{"badge": "redacted"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := cloud.Record(r.db, ev); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ev.ID)
		}
	}
	record(30)
	r.mustRound()
	svc.stop() // cable pulled
	record(40)
	if err := r.round(); err == nil {
		t.Fatal("sync succeeded with the service down")
	}
	// The reader restarts: the outbox is in its bbolt file.
	r.db.Close()
	r2 := newReader(t, svc, readerDir)
	record2 := func() {
		ev, _ := cloud.NewEvent("Unsuccessful Recognition", nil, time.Now())
		if err := cloud.Record(r2.db, ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	record2()
	if n, _ := r2.db.OutboxLen(); n != 41 {
		t.Fatalf("outbox after restart holds %d, want 41", n)
	}
	svc2 := startService(t, svcDir, svc.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go r2.syncr.Run(ctx)
	for n := -1; n != 0; n, _ = r2.db.OutboxLen() {
		if ctx.Err() != nil {
			t.Fatalf("outbox still holds %d events", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	seen := map[string]int{}
	for _, p := range svc2.publishedEvents() {
		seen[p.ID]++
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("event %s published %d times", id, seen[id])
		}
	}
}

// TestInvalidConfigurationKeptOut: a configuration the reader cannot run
// is refused and reported; the previous one stays.
func TestInvalidConfigurationKeptOut(t *testing.T) {
	svc, inst, r := activeReader(t, "Garage")
	r.mustRound()
	// A configuration the API would refuse, written straight into the
	// service's state: what a reader must survive from a buggy service.
	err := svc.srv.db.b.Update(func(tx *bolt.Tx) error {
		rec, err := svc.srv.db.getInstance(tx, inst)
		if err != nil {
			return err
		}
		bad := *rec.Config
		bad.Version, bad.Panel.Baud = 2, 4800
		rec.Config = &bad
		return svc.srv.db.putInstance(tx, rec)
	})
	if err != nil {
		t.Fatal(err)
	}
	r.mustRound()
	if c, _ := cloud.RunningConfig(r.db); c.Version != 1 || len(r.dev.applied) != 0 {
		t.Fatalf("reader runs version %d, applied %d", c.Version, len(r.dev.applied))
	}
	got := svc.instance(inst)
	if got.Running != 1 || got.Rejected == nil || got.Rejected.Rejected != 2 || !strings.Contains(got.Rejected.Reason, "osdp_baud") {
		t.Fatalf("service view: running %d rejected %+v", got.Running, got.Rejected)
	}
	// A valid change is applied.
	cfg := api.DefaultConfig()
	cfg.Language = "de"
	svc.must("PUT", "/manage/instances/"+inst+"/configuration", map[string]any{"configuration": cfg}, nil)
	r.mustRound()
	if c, _ := cloud.RunningConfig(r.db); c.Version != 3 || c.Language != "de" {
		t.Fatalf("after a valid change the reader runs %+v", c)
	}
}

// TestDeletionReachesOtherReaders: a person enrolled at one reader is
// matched at another of the site until deleted; then gone at once.
func TestDeletionReachesOtherReaders(t *testing.T) {
	svc := startService(t, "", "")
	siteID, a := svc.door("", "Desk")
	_, b := svc.door(siteID, "Turnstile")
	ra, rb := newReader(t, svc, ""), newReader(t, svc, "")
	ra.activate(svc.qrToken(a))
	rb.activate(svc.qrToken(b))
	rng := mrand.New(mrand.NewPCG(1, 2))
	hand := templatetest.NewIdentity(rng)
	enrolled := hand.Capture(rng, 0.1, 1)
	raw, _ := enrolled.MarshalBinary()
	e := api.Enrollment{ID: "person-1", Badge: "12:3456", Templates: [][]byte{raw}, At: time.Now()}
	if err := ra.syncr.Enroll(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	rb.mustRound()
	probe := match.Probe{Codes: []palm.Template{hand.Capture(rng, 0.2, 2)}}
	opts := gallery.Options{Threshold: 0.32}
	if m := rb.people.Gallery.Identify(probe, opts); !m.Matched || m.Badge != "12:3456" {
		t.Fatalf("the other reader does not recognise the person: %+v", m)
	}
	svc.must("DELETE", "/manage/users/person-1", nil, nil)
	rb.mustRound()
	if m := rb.people.Gallery.Identify(probe, opts); m.Matched {
		t.Fatalf("deleted person still recognised: %+v", m)
	}
	if _, err := rb.db.GetProfile("person-1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted profile still on the reader: %v", err)
	}
	var users struct{ Users []userView }
	svc.must("GET", "/manage/users?siteId="+siteID, nil, &users)
	if len(users.Users) != 1 || users.Users[0].Status != "DELETED" {
		t.Fatalf("users %+v", users.Users)
	}
}

// TestAccessLevels: an installer key cannot reboot a device or read enrolled
// users; read-only keys only read; every call is in the audit log.
func TestAccessLevels(t *testing.T) {
	svc := startService(t, "", "")
	_, inst := svc.door("", "Back door")
	installer, readonly := svc.as("installer.key"), svc.as("readonly.key")
	ctx := context.Background()
	for _, tc := range []struct {
		m            *manager
		method, path string
		ok           bool
	}{
		{installer, "POST", "/manage/instances/" + inst + "/reboot", false},
		{installer, "GET", "/manage/users", false},
		{installer, "GET", "/manage/sites", true},
		{installer, "GET", "/manage/instances/" + inst, true},
		{installer, "POST", "/manage/instances/" + inst + "/activation-code", true},
		{readonly, "GET", "/manage/users", true},
		{readonly, "POST", "/manage/sites", false},
		{readonly, "POST", "/manage/instances/" + inst + "/activation-code", false},
	} {
		err := tc.m.call(ctx, tc.method, tc.path, nil, nil)
		if (err == nil) != tc.ok || (!tc.ok && !strings.Contains(err.Error(), "403")) {
			t.Errorf("%s %s with %s key: %v", tc.method, tc.path, tc.m.key[:6], err)
		}
	}
	var audit struct{ Events []auditEntry }
	svc.must("GET", "/manage/audit", nil, &audit)
	denied := 0
	for _, e := range audit.Events {
		if !e.Allowed && e.Who != "" && e.Source == "127.0.0.1" {
			denied++
		}
	}
	if denied != 4 {
		t.Errorf("audit log holds %d denied calls, want 4", denied)
	}
}

// TestCommandsOnceAndDeactivation: reboot runs once; deactivation wipes
// the reader and its certificate stops working.
func TestCommandsOnceAndDeactivation(t *testing.T) {
	svc, inst, r := activeReader(t, "Vault")
	svc.must("POST", "/manage/instances/"+inst+"/reboot", nil, nil)
	r.mustRound()
	r.mustRound()
	if n := len(r.dev.executed); n != 1 || r.dev.executed[0].Kind != api.CommandReboot {
		t.Fatalf("executed %+v", r.dev.executed)
	}
	svc.must("POST", "/manage/instances/"+inst+"/deactivate", nil, nil)
	if err := r.round(); !errors.Is(err, cloud.ErrDeactivated) {
		t.Fatalf("round after deactivation: %v", err)
	}
	if _, _, err := r.ids.Load(); !errors.Is(err, identity.ErrNotActivated) || !r.dev.wiped {
		t.Fatalf("identity after deactivation: %v, wiped %v", err, r.dev.wiped)
	}
	if st := svc.instance(inst).State; st != stateReady {
		t.Fatalf("instance %s after deactivation", st)
	}
	// The same instance takes a new reader with a new code.
	r2 := newReader(t, svc, "")
	r2.activate(svc.qrToken(inst))
	r2.mustRound()
}

// TestHealthEventsInGuideShape: a change to CRITICAL is published as the
// guide's sample event.
func TestHealthEventsInGuideShape(t *testing.T) {
	svc, inst, r := activeReader(t, "Dock")
	r.mustRound()
	r.dev.mu.Lock()
	r.dev.health = api.Health{Status: "CRITICAL", Failing: []string{"tamper"}}
	r.dev.mu.Unlock()
	r.mustRound()
	var found bool
	for _, p := range svc.publishedEvents() {
		if p.DetailType == "Device Health Status Changed To Critical" {
			d := p.Detail.Data
			found = d["currentHealthStatus"] == "CRITICAL" && d["previousHealthStatus"] == "HEALTHY" &&
				d["assetTagId"] == "PLM-0001" && d["deviceInstanceName"] == "Dock" && p.Version == "0" &&
				p.Detail.Metadata["siteName"] == "HQ" && len(p.Resources) == 1
		}
	}
	if !found {
		t.Fatalf("no health event in the guide's shape: %+v", svc.publishedEvents())
	}
	if got := svc.instance(inst); fmt.Sprint(got.Failing) != "[tamper]" {
		t.Fatalf("failing checks %v", got.Failing)
	}
}

// activeReader starts a service with one configured door and a reader
// activated for it.
func activeReader(t *testing.T, door string) (*service, string, *reader) {
	t.Helper()
	svc := startService(t, "", "")
	_, inst := svc.door("", door)
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	return svc, inst, r
}
