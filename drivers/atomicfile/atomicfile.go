// Package atomicfile replaces small files on flash so that a power cut at
// any instant leaves the old file or the new one, whole: the state a
// reader must find when it starts again (keys, boot records, network
// profiles, release bookkeeping).
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with data, with permissions perm: the temporary
// file path+".tmp", written and synced, renamed over path, then the
// directory synced so that the rename itself survives. The temporary
// file's name is fixed, so a cut mid-write leaves at most one, which the
// next write replaces; writers of one path take turns.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFrom(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom is Write for content too large to hold in memory at once:
// write streams it into the temporary file, and an error from write
// leaves path as it was.
func WriteFrom(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	err = fill(f, write, perm)
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: %s: %w", path, err)
	}
	return SyncDir(filepath.Dir(path))
}

// fill writes, syncs and closes f; perm is set again for a temporary
// file a cut left with other permissions.
func fill(f *os.File, write func(io.Writer) error, perm os.FileMode) error {
	err := f.Chmod(perm)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir makes the entries of dir (a rename, a removal) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: sync %s: %w", dir, err)
	}
	return nil
}
