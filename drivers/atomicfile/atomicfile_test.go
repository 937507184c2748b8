package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestWrite: a new file and a replaced one have the data and the mode
// asked for, and no temporary file is left, not even one a cut left.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "boot.json")
	// What a cut mid-write left: a partial temporary file.
	if err := os.WriteFile(path+".tmp", []byte("partial, from before a power"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		data string
		perm os.FileMode
	}{{"first", 0o600}, {"second, longer", 0o640}} {
		if err := Write(path, []byte(tc.data), tc.perm); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		fi, serr := os.Stat(path)
		if err != nil || serr != nil || string(b) != tc.data || fi.Mode().Perm() != tc.perm {
			t.Fatalf("%q %v, mode %v %v; want %q %v", b, err, fi.Mode().Perm(), serr, tc.data, tc.perm)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestWriteFails: a write that cannot replace its file leaves the old
// one, and no temporary file, and says why.
func TestWriteFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "taken")
	if err := os.Mkdir(path, 0o700); err != nil { // a directory cannot be renamed over
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new"), 0o600); err == nil {
		t.Fatal("replaced a directory")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || !entries[0].IsDir() {
		t.Fatalf("after the failure: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// TestWriteFromFails: content that fails midway leaves the old file
// whole and no temporary file, and the writer's error is returned.
func TestWriteFromFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pairs")
	if err := Write(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := errors.New("disk full")
	err := WriteFrom(path, 0o644, func(w io.Writer) error {
		if _, err := io.WriteString(w, "half of the new"); err != nil {
			return err
		}
		return full
	})
	if !errors.Is(err, full) {
		t.Fatalf("error %v, want the writer's", err)
	}
	b, rerr := os.ReadFile(path)
	if entries, _ := os.ReadDir(dir); rerr != nil || string(b) != "old" || len(entries) != 1 {
		t.Fatalf("after the failure: %q %v, %v", b, rerr, entries)
	}
}
