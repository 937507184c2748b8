package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palmd/palmd/firmware/cloud"
	"github.com/palmd/palmd/firmware/update"
)

// TestSoftwareUpdate: a release published with the command line reaches an
// active reader, which verifies it against the pinned release key and
// swaps its program; installer and read-only keys cannot publish.
func TestSoftwareUpdate(t *testing.T) {
	svc := startService(t, "", "")
	_, inst := svc.door("", "Lobby")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))

	prog := filepath.Join(t.TempDir(), "palmd")
	if err := os.WriteFile(prog, []byte("palmd 1.0.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.syncr.Software = &cloud.Updates{Running: "1.0.0", Arch: "arm64", ReleaseKey: releaseKey(t, svc.dir),
		Dir: filepath.Join(r.dir, "updates"), Installer: update.Swap{Target: prog}}
	r.mustRound() // nothing published: nothing happens
	if read(t, prog) != "palmd 1.0.0" {
		t.Fatal("changed with no release")
	}

	build := bytes.Repeat([]byte("palmd 2.0.0 for arm64\n"), 50000)
	file := filepath.Join(t.TempDir(), "palmd-2.0.0")
	if err := os.WriteFile(file, build, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"installer.key", "readonly.key"} {
		if _, err := svc.as(key).publish(ctx, file, "2.0.0", "arm64", false); err == nil || !strings.Contains(err.Error(), "403") {
			t.Errorf("%s published a release: %v", key, err)
		}
	}
	if _, err := svc.admin.publish(ctx, file, "2.0.0", "amd64", false); err != nil {
		t.Fatal(err)
	}
	r.mustRound() // a release for another architecture: not this reader's
	if read(t, prog) != "palmd 1.0.0" {
		t.Fatal("installed another architecture's release")
	}
	if _, err := svc.admin.publish(ctx, file, "2.0.0", "arm64", false); err != nil {
		t.Fatal(err)
	}
	r.mustRound()
	if got := read(t, prog); got != string(build) {
		t.Fatalf("program holds %d bytes after the update, want %d", len(got), len(build))
	}
	if read(t, prog+".prev") != "palmd 1.0.0" {
		t.Fatal("previous program not kept")
	}
	if _, err := svc.admin.publish(ctx, file, "../../etc", "arm64", false); err == nil {
		t.Fatal("published a release whose version is a path")
	}
}

func releaseKey(t *testing.T, dir string) ed25519.PublicKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, fileRelease))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || len(blk.Bytes) != ed25519.PublicKeySize {
		t.Fatal("release.pub is not an Ed25519 key")
	}
	return blk.Bytes
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestOldReleasesPruned: only the newest keepReleases releases of each
// architecture keep their files; a file a crash left behind goes at the
// next publication; the newest is the one served.
func TestOldReleasesPruned(t *testing.T) {
	svc := startService(t, "", "")
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "palmd")
	publish := func(version, arch string) {
		t.Helper()
		if err := os.WriteFile(file, []byte("palmd "+version+" "+arch), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.admin.publish(ctx, file, version, arch, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		publish(v, "amd64")
	}
	stray := filepath.Join(svc.dir, "releases", "arm64", "0.9.0") // a crash's leftover
	if err := os.MkdirAll(filepath.Dir(stray), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stray, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.1.0", "1.3.0", "1.4.0"} {
		publish(v, "arm64")
	}
	for arch, want := range map[string]string{"arm64": "1.1.0 1.3.0 1.4.0", "amd64": "1.0.0 1.1.0 1.2.0"} {
		entries, err := os.ReadDir(filepath.Join(svc.dir, "releases", arch))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s keeps %v, want %s", arch, got, want)
		}
	}
	var list struct{ Releases []releaseRecord }
	svc.must("GET", "/manage/releases", nil, &list)
	for _, r := range list.Releases {
		if r.Arch == "arm64" && (r.Version != "1.4.0" || strings.Join(r.Kept, " ") != "1.4.0 1.3.0 1.1.0") {
			t.Errorf("arm64 record: newest %s, kept %v", r.Version, r.Kept)
		}
	}
}

// TestDowngradeNeedsTheSignedFlag: a release older than the reader's is
// refused unless it was published (and so signed) as a downgrade.
func TestDowngradeNeedsTheSignedFlag(t *testing.T) {
	svc := startService(t, "", "")
	_, inst := svc.door("", "Lobby")
	r := newReader(t, svc, "")
	r.activate(svc.qrToken(inst))
	prog := filepath.Join(t.TempDir(), "palmd")
	if err := os.WriteFile(prog, []byte("palmd 0.2.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.syncr.Software = &cloud.Updates{Running: "0.2.0", Arch: "arm64", ReleaseKey: releaseKey(t, svc.dir),
		Dir: filepath.Join(r.dir, "updates"), Installer: update.Swap{Target: prog}}
	ctx := context.Background()
	for _, tc := range []struct {
		version   string
		downgrade bool
		want      string
	}{
		{"0.1.5", false, "palmd 0.2.0"},
		{"0.1.6", true, "palmd 0.1.6"},
	} {
		file := filepath.Join(t.TempDir(), "palmd-"+tc.version)
		if err := os.WriteFile(file, []byte("palmd "+tc.version), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.admin.publish(ctx, file, tc.version, "arm64", tc.downgrade); err != nil {
			t.Fatal(err)
		}
		r.mustRound()
		if got := read(t, prog); got != tc.want {
			t.Fatalf("%s (downgrade %v): the program is %q, want %q", tc.version, tc.downgrade, got, tc.want)
		}
	}
}
