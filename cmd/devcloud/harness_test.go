package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"image/png"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/identity"
	"github.com/palmd/palmd/firmware/people"
	"github.com/palmd/palmd/firmware/store"
)

// service is a devcloud running on loopback for one test.
type service struct {
	t      testing.TB
	dir    string
	addr   string
	srv    *server
	cancel context.CancelFunc
	done   chan error
	admin  *manager
}

// startService runs devcloud on loopback; opts adjust its configuration.
func startService(t testing.TB, dir, addr string, opts ...func(*serveConfig)) *service {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // a restart may race the old socket's release
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	c := serveConfig{dir: dir, hosts: "127.0.0.1", codeTTL: time.Minute, offline: time.Hour, unauthRate: unauthRate, unauthBurst: unauthBurst}
	for _, o := range opts {
		o(&c)
	}
	s, closeFn, err := newServer(c, l.Addr().String(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	svc := &service{t: t, dir: dir, addr: l.Addr().String(), srv: s, cancel: cancel, done: make(chan error, 1)}
	go func() { svc.done <- s.serve(ctx, l); closeFn() }()
	t.Cleanup(svc.stop)
	if svc.admin, err = newManager(dir, ""); err != nil {
		t.Fatal(err)
	}
	return svc
}

var stopOnce sync.Map

func (s *service) stop() {
	if _, done := stopOnce.LoadOrStore(s, true); done {
		return
	}
	s.cancel()
	if err := <-s.done; err != nil {
		s.t.Errorf("serve: %v", err)
	}
}

func (s *service) as(keyFile string) *manager {
	m, err := newManager(s.dir, filepath.Join(s.dir, keyFile))
	if err != nil {
		s.t.Fatal(err)
	}
	return m
}

func (s *service) must(method, path string, in, out any) {
	s.t.Helper()
	if err := s.admin.call(context.Background(), method, path, in, out); err != nil {
		s.t.Fatal(err)
	}
}

// door creates a site (once), a configured instance and returns its ID.
func (s *service) door(siteID, name string) (site, inst string) {
	s.t.Helper()
	if siteID == "" {
		var st struct{ SiteID string }
		s.must("POST", "/manage/sites", map[string]any{"name": "HQ", "address": address{Line1: "1 Main St", City: "Springfield", CountryCode: "US"}}, &st)
		siteID = st.SiteID
	}
	var tm struct{ TemplateID string }
	s.must("POST", "/manage/templates", map[string]any{"name": "entry", "configuration": api.DefaultConfig()}, &tm)
	var in struct{ DeviceInstanceID string }
	s.must("POST", "/manage/instances", map[string]any{"name": name, "siteId": siteID}, &in)
	s.must("PUT", "/manage/instances/"+in.DeviceInstanceID+"/configuration", map[string]any{"templateId": tm.TemplateID}, nil)
	return siteID, in.DeviceInstanceID
}

// qrToken creates an activation code and reads it back from its PNG, as
// the reader's camera would from the installer's phone.
func (s *service) qrToken(instanceID string) string {
	s.t.Helper()
	var out struct {
		Token string
		PNG   []byte
	}
	s.must("POST", "/manage/instances/"+instanceID+"/activation-code", nil, &out)
	if decodePNG(s.t, out.PNG) != out.Token {
		s.t.Fatal("QR image holds a different token")
	}
	return out.Token
}

// decodePNG reads a QR code from a PNG.
func decodePNG(t testing.TB, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("QR image does not decode: %v", err)
	}
	return res.GetText()
}

func (s *service) instance(id string) instance {
	s.t.Helper()
	var in instance
	s.must("GET", "/manage/instances/"+id, nil, &in)
	return in
}

// reader is a palmd's cloud side with a fake device.
type reader struct {
	t      testing.TB
	dir    string
	db     *store.DB
	ids    *identity.Dir
	act    *cloud.Activator
	people *people.Directory
	dev    *fakeDevice
	syncr  *cloud.Syncer
}

func newReader(t testing.TB, svc *service, dir string) *reader {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	db, err := store.Open(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ids, err := identity.NewDir(filepath.Join(dir, "identity"), db)
	if err != nil {
		t.Fatal(err)
	}
	anchors, pin := trust(t, svc.dir)
	dirPeople, err := people.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	r := &reader{t: t, dir: dir, db: db, ids: ids, people: dirPeople, dev: &fakeDevice{health: api.Health{Status: "HEALTHY"}}}
	r.act = &cloud.Activator{Service: "https://" + svc.addr, Anchors: anchors, PinnedKey: pin, Serial: "PLM-0001", Identity: ids}
	r.syncr = &cloud.Syncer{Service: "https://" + svc.addr, Anchors: anchors, Identity: ids, Store: db, Device: r.dev,
		Gallery: dirPeople, Interval: 20 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	return r
}

// trust reads the anchor and the activation key as an installer would
// copy them into the local configuration.
func trust(t testing.TB, dir string) (*x509.CertPool, ed25519.PublicKey) {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, fileCA))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	pubPEM, err := os.ReadFile(filepath.Join(dir, fileActivation))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(pubPEM)
	return pool, ed25519.PublicKey(b.Bytes)
}

func (r *reader) activate(token string) {
	r.t.Helper()
	_, cfg, err := r.act.Activate(context.Background(), token)
	if err != nil {
		r.t.Fatal(err)
	}
	if err := cloud.SaveRunning(r.db, cfg); err != nil {
		r.t.Fatal(err)
	}
}

func (r *reader) round() error { return r.syncr.Round(context.Background()) }

func (r *reader) mustRound() {
	r.t.Helper()
	if err := r.round(); err != nil {
		r.t.Fatal(err)
	}
}

type fakeDevice struct {
	mu       sync.Mutex
	applied  []api.Config
	refuse   error
	health   api.Health
	executed []api.Command
	wiped    bool
}

func (d *fakeDevice) ApplyConfig(c api.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refuse != nil {
		return d.refuse
	}
	d.applied = append(d.applied, c)
	return nil
}

func (d *fakeDevice) Health() api.Health {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.health
}

func (d *fakeDevice) Execute(c api.Command) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.executed = append(d.executed, c)
	return nil
}

func (d *fakeDevice) Wipe() error { d.mu.Lock(); d.wiped = true; d.mu.Unlock(); return nil }

// publishedEvents reads the service's event log.
func (s *service) publishedEvents() []published {
	s.t.Helper()
	f, err := os.Open(filepath.Join(s.dir, "events.jsonl"))
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	var out []published
	dec := json.NewDecoder(f)
	for {
		var p published
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, p)
	}
}
