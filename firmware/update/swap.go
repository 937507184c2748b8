// Package update installs verified software on the reader by swapping the
// program file: the new one is copied next to the target, synced, and
// renamed over it, with a hard link keeping the old one as TARGET.prev.
// A power cut at any point leaves either the old program or the new one at
// the target, never neither, and the previous one to roll back to by hand.
package update

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/palmd/palmd/drivers/atomicfile"
	"github.com/palmd/palmd/firmware/release"
)

// Swap installs into Target, the program the supervisor (systemd) starts.
type Swap struct {
	Target string
}

// Program is the program the swap replaces: what the reader restarts into.
func (s Swap) Program() string { return s.Target }

// Install copies the staged file into place. The caller restarts.
func (s Swap) Install(path string, m release.Manifest) error {
	dir := filepath.Dir(s.Target)
	next := s.Target + ".next"
	if err := copyFile(path, next, m.Size); err != nil {
		os.Remove(next)
		return fmt.Errorf("update: %w", err)
	}
	prev := s.Target + ".prev"
	if err := os.Remove(prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("update: %w", err)
	}
	if err := os.Link(s.Target, prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("update: keep the previous program: %w", err)
	}
	if err := os.Rename(next, s.Target); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

// copyFile copies exactly size bytes from src to a new executable dst and
// syncs it.
func copyFile(src, dst string, size int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, in)
	if err == nil && n != size {
		err = fmt.Errorf("copied %d bytes of %d", n, size)
	}
	if serr := out.Sync(); err == nil {
		err = serr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
