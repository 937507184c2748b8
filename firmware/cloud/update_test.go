package cloud

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/release"
)

// releaseServer is a service with one published release. Its fault hooks
// cut or corrupt the download; it counts the bytes it sends.
type releaseServer struct {
	*httptest.Server
	mu       sync.Mutex
	sw       *api.Software
	body     []byte
	cutAfter int  // close the connection after this many body bytes (0: never)
	corrupt  bool // serve other bytes than the manifest names
	sent     int
	ranges   []string
}

func newReleaseServer(t *testing.T) *releaseServer {
	rs := &releaseServer{}
	rs.Server = httptest.NewTLSServer(http.HandlerFunc(rs.serve))
	t.Cleanup(rs.Close)
	return rs
}

func (rs *releaseServer) serve(w http.ResponseWriter, r *http.Request) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	switch r.URL.Path {
	case api.PathSoftware:
		if rs.sw == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		json.NewEncoder(w).Encode(rs.sw)
	case api.PathSoftware + "/download":
		rs.ranges = append(rs.ranges, r.Header.Get("Range"))
		body := rs.body
		if rs.corrupt {
			body = bytes.ToUpper(body)
		}
		cw := &countingWriter{ResponseWriter: w, rs: rs}
		http.ServeContent(cw, r, "", time.Unix(0, 0), bytes.NewReader(body))
	default:
		http.NotFound(w, r)
	}
}

type countingWriter struct {
	http.ResponseWriter
	rs *releaseServer
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.rs.cutAfter > 0 && c.rs.sent+len(p) > c.rs.cutAfter {
		p = p[:c.rs.cutAfter-c.rs.sent]
		c.ResponseWriter.Write(p)
		c.rs.sent += len(p)
		c.rs.cutAfter = 0
		panic(http.ErrAbortHandler) // the cable is pulled mid-download
	}
	c.rs.sent += len(p)
	return c.ResponseWriter.Write(p)
}

// publish signs body as version for arm64 with key.
func (rs *releaseServer) publish(t *testing.T, key ed25519.PrivateKey, version string, body []byte) release.Manifest {
	t.Helper()
	return rs.publishAs(t, key, release.Manifest{Version: version}, body)
}

// publishAs signs body with key under m's version and flags.
func (rs *releaseServer) publishAs(t *testing.T, key ed25519.PrivateKey, m release.Manifest, body []byte) release.Manifest {
	t.Helper()
	sum := sha256.Sum256(body)
	version := m.Version
	m.Product, m.Arch, m.SHA256, m.Size = release.Product, "arm64", hex.EncodeToString(sum[:]), int64(len(body))
	signed, err := release.Sign(m, key)
	if err != nil {
		t.Fatal(err)
	}
	rs.mu.Lock()
	rs.body = body
	rs.sw = &api.Software{Version: version, URL: api.PathSoftware + "/download?arch=arm64&version=" + version,
		SHA256: m.SHA256, Size: m.Size, Manifest: signed}
	rs.mu.Unlock()
	return m
}

type recordingInstaller struct {
	got  []byte
	m    release.Manifest
	runs int
}

func (ri *recordingInstaller) Install(path string, m release.Manifest) error {
	b, err := os.ReadFile(path)
	ri.got, ri.m, ri.runs = b, m, ri.runs+1
	return err
}

func newUpdates(t *testing.T, rs *releaseServer, key ed25519.PrivateKey) (*Updates, *clientState, *recordingInstaller) {
	anchors := x509.NewCertPool()
	anchors.AddCert(rs.Certificate())
	c := httpClient(tlsPolicy(anchors, nil))
	cs := &clientState{base: rs.URL,
		do: func(ctx context.Context, method, path string, in, out any) (bool, error) {
			return call(ctx, c, method, rs.URL+path, in, out)
		},
		get: func(ctx context.Context, path string, offset int64) (io.ReadCloser, int64, error) {
			return stream(ctx, c, rs.URL+path, offset)
		}}
	ri := &recordingInstaller{}
	u := &Updates{Running: "1.0.0", Arch: "arm64", ReleaseKey: key.Public().(ed25519.PublicKey), Dir: t.TempDir(), Installer: ri}
	return u, cs, ri
}

func testReleaseKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	s[0] = seed
	return ed25519.NewKeyFromSeed(s)
}

var program = bytes.Repeat([]byte("palmd build 2.0.0\n"), 20000)

func TestUpdateInstallsOnce(t *testing.T) {
	key := testReleaseKey(1)
	rs := newReleaseServer(t)
	u, cs, ri := newUpdates(t, rs, key)
	ctx := context.Background()
	if err := u.round(ctx, cs); err != nil || ri.runs != 0 {
		t.Fatalf("nothing published: %v, %d installs", err, ri.runs)
	}
	rs.publish(t, key, "1.0.0", []byte("the running version"))
	if err := u.round(ctx, cs); err != nil || ri.runs != 0 || rs.sent != 0 {
		t.Fatalf("the running version: %v, %d installs, %d bytes", err, ri.runs, rs.sent)
	}
	m := rs.publish(t, key, "2.0.0", program)
	if err := u.round(ctx, cs); err != nil {
		t.Fatal(err)
	}
	if ri.runs != 1 || !bytes.Equal(ri.got, program) || ri.m != m {
		t.Fatalf("installed %d times, %d bytes", ri.runs, len(ri.got))
	}
	if err := u.round(ctx, cs); err != nil || ri.runs != 1 {
		t.Fatalf("installed again: %v, %d", err, ri.runs)
	}
	// After the restart the new build may call itself something else; the
	// same bytes are still not installed twice.
	again := &Updates{Running: "2.0.0-dev", Arch: u.Arch, ReleaseKey: u.ReleaseKey, Dir: u.Dir, Installer: ri}
	if err := again.round(ctx, cs); err != nil || ri.runs != 1 {
		t.Fatalf("installed again after a restart: %v, %d", err, ri.runs)
	}
	if left, _ := filepath.Glob(filepath.Join(u.Dir, "2.0.0*")); len(left) != 0 {
		t.Fatalf("staged copy left behind: %v", left)
	}
}

// TestUpdateResumesAfterACut: the connection drops mid-download; the part
// is kept and the next round asks only for the rest.
func TestUpdateResumesAfterACut(t *testing.T) {
	key := testReleaseKey(1)
	rs := newReleaseServer(t)
	u, cs, ri := newUpdates(t, rs, key)
	rs.publish(t, key, "2.0.0", program)
	rs.cutAfter = len(program) / 3
	if err := u.round(context.Background(), cs); err == nil {
		t.Fatal("a cut download succeeded")
	}
	part := filepath.Join(u.Dir, "2.0.0.part")
	if fi, err := os.Stat(part); err != nil || fi.Size() == 0 {
		t.Fatalf("no partial download kept: %v", err)
	}
	kept := fileSize(part)
	if err := u.round(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ri.got, program) {
		t.Fatal("the resumed download differs")
	}
	if want := "bytes=" + strconv.FormatInt(kept, 10) + "-"; rs.ranges[len(rs.ranges)-1] != want {
		t.Fatalf("second request asked %q, want %q", rs.ranges[len(rs.ranges)-1], want)
	}
	if rs.sent != len(program) {
		t.Fatalf("the service sent %d bytes for a %d-byte release", rs.sent, len(program))
	}
}

// TestUpdateRefusals: releases the reader must not install; each is
// refused without an install, and not fetched again.
func TestUpdateRefusals(t *testing.T) {
	key := testReleaseKey(1)
	tests := []struct {
		name     string
		prepare  func(rs *releaseServer)
		want     string
		download bool // the refusal comes after the bytes
	}{
		{"signed by another key", func(rs *releaseServer) { rs.publish(t, testReleaseKey(9), "2.0.0", program) }, "signature", false},
		{"metadata off the manifest", func(rs *releaseServer) { rs.publish(t, key, "2.0.0", program); rs.sw.Size++ }, "does not match", false},
		{"another architecture", func(rs *releaseServer) {
			rs.publish(t, key, "2.0.0", program)
			m, _ := release.Verify(rs.sw.Manifest, key.Public().(ed25519.PublicKey))
			m.Arch = "riscv64"
			rs.sw.Manifest, _ = release.Sign(m, key)
		}, "is for riscv64", false},
		{"a download elsewhere", func(rs *releaseServer) { rs.publish(t, key, "2.0.0", program); rs.sw.URL = "https://evil.example/x" }, "not on the service", false},
		{"bytes that do not hash", func(rs *releaseServer) { rs.publish(t, key, "2.0.0", program); rs.corrupt = true }, "does not match its signed manifest", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := newReleaseServer(t)
			u, cs, ri := newUpdates(t, rs, key)
			tc.prepare(rs)
			err := u.round(context.Background(), cs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if ri.runs != 0 || (rs.sent > 0) != tc.download {
				t.Fatalf("%d installs, %d bytes downloaded", ri.runs, rs.sent)
			}
			sent := rs.sent
			if err := u.round(context.Background(), cs); err != nil || rs.sent != sent {
				t.Fatalf("refused release fetched again: %v, %d bytes", err, rs.sent-sent)
			}
			if left, _ := filepath.Glob(filepath.Join(u.Dir, "2.0.0*")); len(left) != 0 {
				t.Fatalf("left %v in the staging directory", left)
			}
		})
	}
}

func TestEnoughSpace(t *testing.T) {
	dir := t.TempDir()
	if err := enoughSpace(dir, 1); err != nil {
		t.Fatalf("one byte: %v", err)
	}
	if err := enoughSpace(dir, 1<<60); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("an exabyte: %v", err)
	}
}

// TestNoDowngrade: a release older than the running version is refused,
// and not fetched, unless its signed manifest says it may replace a newer
// one; a version that cannot be ordered is refused too.
func TestNoDowngrade(t *testing.T) {
	key := testReleaseKey(1)
	for _, tc := range []struct {
		name      string
		m         release.Manifest
		installed bool
	}{
		{"older", release.Manifest{Version: "0.9.5"}, false},
		{"older, signed as a downgrade", release.Manifest{Version: "0.9.5", Downgrade: true}, true},
		{"not a version", release.Manifest{Version: "latest"}, false},
		{"newer", release.Manifest{Version: "1.0.1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs := newReleaseServer(t)
			u, cs, ri := newUpdates(t, rs, key)
			rs.publishAs(t, key, tc.m, program)
			err := u.round(context.Background(), cs)
			if got := ri.runs == 1; got != tc.installed {
				t.Fatalf("installed %v (%v), want %v", got, err, tc.installed)
			}
			if !tc.installed && (!errors.Is(err, ErrDowngrade) || rs.sent != 0) {
				t.Fatalf("refusal %v after %d bytes, want ErrDowngrade before any", err, rs.sent)
			}
		})
	}
}

// TestRolledBackReleaseNeverFetched: a release the reader refused after
// it failed its trial is not downloaded again, even by a new Updates (a
// restart), until another one is published.
func TestRolledBackReleaseNeverFetched(t *testing.T) {
	key := testReleaseKey(1)
	rs := newReleaseServer(t)
	u, cs, ri := newUpdates(t, rs, key)
	rs.publish(t, key, "2.0.0", program)
	if err := u.Refuse("2.0.0"); err != nil {
		t.Fatal(err)
	}
	again := &Updates{Running: u.Running, Arch: u.Arch, ReleaseKey: u.ReleaseKey, Dir: u.Dir, Installer: ri}
	if err := again.round(context.Background(), cs); err != nil || ri.runs != 0 || rs.sent != 0 {
		t.Fatalf("a refused release: %v, %d installs, %d bytes", err, ri.runs, rs.sent)
	}
	rs.publish(t, key, "2.0.1", program[1:])
	if err := again.round(context.Background(), cs); err != nil || ri.runs != 1 {
		t.Fatalf("the next release: %v, %d installs", err, ri.runs)
	}
}

// trialInstaller is an A/B pair whose running release is on trial.
type trialInstaller struct {
	recordingInstaller
	trying bool
}

func (ti *trialInstaller) Trying() bool { return ti.trying }

// TestNothingFetchedOnTrial: while the running release is on trial no
// release is downloaded; once confirmed, the next one is.
func TestNothingFetchedOnTrial(t *testing.T) {
	key := testReleaseKey(1)
	rs := newReleaseServer(t)
	u, cs, _ := newUpdates(t, rs, key)
	ti := &trialInstaller{trying: true}
	u.Installer = ti
	rs.publish(t, key, "2.0.0", program)
	if err := u.round(context.Background(), cs); err != nil || ti.runs != 0 || rs.sent != 0 {
		t.Fatalf("on trial: %v, %d installs, %d bytes", err, ti.runs, rs.sent)
	}
	ti.trying = false
	if err := u.round(context.Background(), cs); err != nil || ti.runs != 1 {
		t.Fatalf("confirmed: %v, %d installs", err, ti.runs)
	}
}
