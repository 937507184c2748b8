package cloud

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/api"
	"github.com/palmd/palmd/firmware/release"
)

// Installer puts verified software in place of the running one. It is the
// reader's to implement: a binary swap, an A/B slot, a secure element.
type Installer interface {
	// Install installs the file at path, whose bytes match m; the reader
	// restarts into it when Install returns nil.
	Install(path string, m release.Manifest) error
}

// Trial is an Installer whose last release may still be on trial (an A/B
// pair): while it is, no release is fetched, for the only other slot
// holds the release to go back to.
type Trial interface{ Trying() bool }

// Updates fetches, verifies and hands over new software, once per sync
// round. A release is installed only if its manifest is signed by the
// pinned release key, names this product and architecture, and the
// downloaded bytes have its size and SHA-256. Downloads resume after a
// cut, where they stopped.
type Updates struct {
	Running    string            // version of the running software
	Arch       string            // architecture of the running software (GOARCH)
	ReleaseKey ed25519.PublicKey // pinned
	Dir        string            // staging directory for downloads
	Installer  Installer

	refused string // a version refused for good: not fetched again
}

// installedFile records the SHA-256 of the last release installed, so that
// a restarted reader whose build reports another version string does not
// install the same bytes again.
const installedFile = "installed"

// refusedFile lists, one a line, the releases that failed on this reader
// (rolled back after their trial): they are never fetched again.
const refusedFile = "refused"

// Errors of a software round.
var (
	ErrNoSpace = errors.New("cloud: not enough free space for the software update")
	ErrCorrupt = errors.New("cloud: the downloaded software does not match its signed manifest")
)

// syncSoftware runs a software round. Its failures are logged, not
// returned: an update that cannot be had must not hold up events.
func (s *Syncer) syncSoftware(ctx context.Context) error {
	if s.Software == nil {
		return nil
	}
	if err := s.Software.round(ctx, s.client); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.Log.Warn("cloud: software update", "err", err)
	}
	return nil
}

func (u *Updates) round(ctx context.Context, c *clientState) error {
	var sw api.Software
	if _, err := c.do(ctx, "GET", api.PathSoftware+"?arch="+url.QueryEscape(u.Arch), nil, &sw); err != nil {
		return err
	}
	if sw.Version == "" || sw.Version == u.Running || sw.Version == u.refused || sw.SHA256 == u.lastInstalled() || u.Refused(sw.Version) {
		return nil
	}
	if t, ok := u.Installer.(Trial); ok && t.Trying() {
		return nil // after the trial: confirmed, or rolled back and refused
	}
	m, err := u.check(sw)
	if err != nil {
		u.refused = sw.Version
		return err
	}
	path, err := u.fetch(ctx, c, sw.URL, m)
	if errors.Is(err, ErrCorrupt) {
		u.refused = sw.Version
	}
	if err != nil {
		return err
	}
	if err := u.Installer.Install(path, m); err != nil {
		return fmt.Errorf("cloud: install %s: %w", m.Version, err)
	}
	if err := atomicfile.Write(filepath.Join(u.Dir, installedFile), []byte(m.SHA256), 0o600); err != nil {
		return fmt.Errorf("cloud: installed %s but could not record it: %w", m.Version, err)
	}
	return os.Remove(path) // installed: the staged copy is spent
}

func (u *Updates) lastInstalled() string {
	b, err := os.ReadFile(filepath.Join(u.Dir, installedFile))
	if err != nil {
		return ""
	}
	return string(b)
}

// Refuse records a release that failed on this reader, so that it is
// never fetched again, whatever restarts come.
func (u *Updates) Refuse(version string) error {
	if u.Refused(version) {
		return nil
	}
	if err := os.MkdirAll(u.Dir, 0o700); err != nil {
		return fmt.Errorf("cloud: refuse release %s: %w", version, err)
	}
	b, err := os.ReadFile(filepath.Join(u.Dir, refusedFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cloud: refuse release %s: %w", version, err)
	}
	b = append(b, version+"\n"...)
	if err := atomicfile.Write(filepath.Join(u.Dir, refusedFile), b, 0o600); err != nil {
		return fmt.Errorf("cloud: refuse release %s: %w", version, err)
	}
	return nil
}

// Refused reports whether Refuse recorded version.
func (u *Updates) Refused(version string) bool {
	b, err := os.ReadFile(filepath.Join(u.Dir, refusedFile))
	return err == nil && slices.Contains(strings.Split(string(b), "\n"), version)
}

// check verifies the manifest and that the metadata agrees with it.
func (u *Updates) check(sw api.Software) (release.Manifest, error) {
	m, err := release.Verify(sw.Manifest, u.ReleaseKey)
	if err != nil {
		return m, fmt.Errorf("cloud: release %s: %w", sw.Version, err)
	}
	switch {
	case m.Version != sw.Version || m.SHA256 != sw.SHA256 || m.Size != sw.Size:
		return m, fmt.Errorf("cloud: release %s: the metadata does not match its signed manifest", sw.Version)
	case m.Arch != u.Arch:
		return m, fmt.Errorf("cloud: release %s is for %s, this reader is %s", m.Version, m.Arch, u.Arch)
	case !strings.HasPrefix(sw.URL, api.PathSoftware+"/"):
		return m, fmt.Errorf("cloud: release %s: download %q is not on the service's API", m.Version, sw.URL)
	}
	return m, u.notOlder(m)
}

// ErrDowngrade: the release is older than the running software and its
// signed manifest does not allow a downgrade.
var ErrDowngrade = errors.New("cloud: the release is older than the running software and not signed as a downgrade")

// notOlder refuses a release that would take the reader back, unless the
// release key signed it as one; versions that cannot be ordered are
// refused the same way.
func (u *Updates) notOlder(m release.Manifest) error {
	if m.Downgrade {
		return nil
	}
	older, err := release.Older(m.Version, u.Running)
	if err != nil {
		return fmt.Errorf("%w: %s against %s: %v", ErrDowngrade, m.Version, u.Running, err)
	}
	if older {
		return fmt.Errorf("%w: %s is older than %s", ErrDowngrade, m.Version, u.Running)
	}
	return nil
}

// fetch downloads the release into Dir, resuming a partial download, and
// returns the path of the verified file.
func (u *Updates) fetch(ctx context.Context, c *clientState, path string, m release.Manifest) (string, error) {
	if err := os.MkdirAll(u.Dir, 0o700); err != nil {
		return "", fmt.Errorf("cloud: staging: %w", err)
	}
	final := filepath.Join(u.Dir, m.Version) // CheckNames keeps it a plain name
	if matches(final, m) == nil {
		return final, nil // staged before; the install did not finish
	}
	part := final + ".part"
	have := fileSize(part)
	if have > m.Size {
		have = 0
	}
	if err := enoughSpace(u.Dir, m.Size-have); err != nil {
		return "", err
	}
	if err := c.download(ctx, path, part, have, m.Size); err != nil {
		return "", err
	}
	if err := matches(part, m); err != nil {
		os.Remove(part)
		return "", err
	}
	if err := os.Rename(part, final); err != nil {
		return "", fmt.Errorf("cloud: staging: %w", err)
	}
	return final, atomicfile.SyncDir(u.Dir)
}

// download appends the bytes from offset on to part, or writes them all
// when the service ignores the range.
func (c *clientState) download(ctx context.Context, path, part string, offset, size int64) error {
	body, from, err := c.get(ctx, path, offset)
	if err != nil {
		return err
	}
	defer body.Close()
	flags := os.O_CREATE | os.O_WRONLY
	if from == 0 {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(part, flags, 0o600)
	if err != nil {
		return fmt.Errorf("cloud: staging: %w", err)
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("cloud: staging: %w", err)
	}
	_, err = io.Copy(f, io.LimitReader(body, size-from))
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cloud: download (kept %s to resume): %w", filepath.Base(part), err)
	}
	return nil
}

// matches checks a file's size and hash against the manifest.
func matches(path string, m release.Manifest) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, m.Size+1))
	if err != nil {
		return err
	}
	if n != m.Size || hex.EncodeToString(h.Sum(nil)) != m.SHA256 {
		return fmt.Errorf("%w (%d bytes of %d)", ErrCorrupt, n, m.Size)
	}
	return nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// enoughSpace refuses a download that would fill the file system, keeping
// a margin for the event outbox and the database.
func enoughSpace(dir string, need int64) error {
	const margin = 16 << 20
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("cloud: staging: %w", err)
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < need+margin {
		return fmt.Errorf("%w: %d bytes free, %d needed", ErrNoSpace, free, need+margin)
	}
	return nil
}
