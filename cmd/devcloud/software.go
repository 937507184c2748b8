package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/release"
)

// keepReleases is how many releases per architecture keep their files:
// the newest, which readers fetch, and a few before it for an operator to
// go back to.
const keepReleases = 3

// releaseRecord is the newest release published for one architecture.
type releaseRecord struct {
	release.Manifest
	Signed    string    `json:"signedManifest"`
	Published time.Time `json:"published"`
	Kept      []string  `json:"keptVersions"` // newest first, this one included
}

// file is where the release's bytes are kept; the manifest's checks keep
// version and arch free of path separators.
func (s *server) releaseFile(m release.Manifest) string {
	return filepath.Join(s.releases, m.Arch, m.Version)
}

// publishRelease stores the request body as the newest release for the
// architecture in the path, hashed and signed with the release key.
func (s *server) publishRelease(w http.ResponseWriter, r *http.Request, _ apiKey) {
	m := release.Manifest{Product: release.Product, Version: r.PathValue("version"), Arch: r.PathValue("arch"),
		Downgrade: r.URL.Query().Get("downgrade") == "true"} // signed: readers take it over a newer version
	if err := release.CheckNames(m.Version, m.Arch); err != nil {
		writeError(w, http.StatusBadRequest, "bad_release", err.Error())
		return
	}
	tmp, err := s.receive(r.Body, filepath.Dir(s.releaseFile(m)), &m)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_release", err.Error())
		return
	}
	defer os.Remove(tmp) // after a successful rename this removes nothing
	rec := releaseRecord{Manifest: m, Published: s.now().UTC()}
	if rec.Signed, err = release.Sign(m, s.ca.release); err != nil {
		writeError(w, http.StatusBadRequest, "bad_release", err.Error())
		return
	}
	// One publication at a time: pruning must not remove a file another
	// publication has put in place and not yet recorded.
	s.publishMu.Lock()
	defer s.publishMu.Unlock()
	if err := os.Rename(tmp, s.releaseFile(m)); err != nil {
		writeError(w, http.StatusInternalServerError, "storage", err.Error())
		return
	}
	if !s.update(w, func(tx *bolt.Tx) error {
		var prev releaseRecord
		_ = get(tx, bReleases, m.Arch, &prev) // none yet: nothing kept
		if len(prev.Kept) == 0 && prev.Version != "" {
			prev.Kept = []string{prev.Version} // recorded before Kept existed
		}
		rec.Kept = keptAfter(m.Version, prev.Kept)
		return put(tx, bReleases, m.Arch, rec)
	}) {
		return
	}
	if err := s.prune(filepath.Dir(s.releaseFile(m)), rec.Kept); err != nil {
		// The files stay until the next publication prunes them.
		s.log.Warn("removing old releases failed", "arch", m.Arch, "err", err)
	}
	writeJSON(w, http.StatusCreated, rec)
}

// keptAfter is the list of kept versions once version is published.
func keptAfter(version string, prev []string) []string {
	kept := []string{version}
	for _, v := range prev {
		if v != version && len(kept) < keepReleases {
			kept = append(kept, v)
		}
	}
	return kept
}

// prune removes the release files in dir that are not kept, including
// those a crash after an earlier publication left behind. Uploads in
// progress (dot files) are left alone.
func (s *server) prune(dir string, kept []string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("devcloud: list releases: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || slices.Contains(kept, e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// receive writes body to a temporary file in dir, filling in m's size and
// hash.
func (s *server) receive(body io.Reader, dir string, m *release.Manifest) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(body, release.MaxSize+1))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
	case n == 0:
		err = errors.New("the release is empty")
	case n > release.MaxSize:
		err = fmt.Errorf("the release is larger than %d bytes", release.MaxSize)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	m.Size, m.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return f.Name(), nil
}

func (s *server) listReleases(w http.ResponseWriter, _ *http.Request, _ apiKey) {
	list(s, w, bReleases, "releases", all[releaseRecord])
}

// newest is the release published for arch, if any.
func (s *server) newest(w http.ResponseWriter, arch string) (releaseRecord, bool, bool) {
	var rec releaseRecord
	found := false
	ok := s.view(w, func(tx *bolt.Tx) error {
		err := get(tx, bReleases, arch, &rec)
		found = err == nil
		return nil
	})
	return rec, found, ok
}

// software tells a reader the newest release for its architecture; 204
// when none is published.
func (s *server) software(w http.ResponseWriter, r *http.Request, _ instanceRecord) {
	arch := r.URL.Query().Get("arch")
	rec, found, ok := s.newest(w, arch)
	if !ok {
		return
	}
	if !found {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := url.Values{"arch": {arch}, "version": {rec.Version}}
	writeJSON(w, http.StatusOK, api.Software{Version: rec.Version, SHA256: rec.SHA256, Size: rec.Size,
		Manifest: rec.Signed, URL: api.PathSoftware + "/download?" + q.Encode()})
}

// download serves the newest release's bytes, with Range requests so that
// a reader resumes after a cut.
func (s *server) download(w http.ResponseWriter, r *http.Request, _ instanceRecord) {
	rec, found, ok := s.newest(w, r.URL.Query().Get("arch"))
	if !ok {
		return
	}
	if !found || rec.Version != r.URL.Query().Get("version") {
		writeError(w, http.StatusNotFound, "no_such_release", "that release is not the one published")
		return
	}
	f, err := os.Open(s.releaseFile(rec.Manifest))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "storage", err.Error())
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, "", rec.Published, f)
}
