package update

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/palmd/palmd/firmware/release"
)

func TestSwap(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "palmd")
	staged := filepath.Join(dir, "staged")
	write(t, target, "old program")
	write(t, staged, "new program")
	m := release.Manifest{Version: "2", Size: int64(len("new program"))}
	if err := (Swap{Target: target}).Install(staged, m); err != nil {
		t.Fatal(err)
	}
	if got := read(t, target); got != "new program" {
		t.Fatalf("target holds %q", got)
	}
	if got := read(t, target+".prev"); got != "old program" {
		t.Fatalf("previous program %q", got)
	}
	fi, err := os.Stat(target)
	if err != nil || fi.Mode().Perm()&0o100 == 0 {
		t.Fatalf("target not executable: %v %v", fi.Mode(), err)
	}
	if _, err := os.Stat(target + ".next"); !os.IsNotExist(err) {
		t.Fatalf("left %s.next behind", target)
	}

	// A second update keeps only the one before it.
	write(t, staged, "newer")
	if err := (Swap{Target: target}).Install(staged, release.Manifest{Size: 5}); err != nil {
		t.Fatal(err)
	}
	if read(t, target) != "newer" || read(t, target+".prev") != "new program" {
		t.Fatal("second swap")
	}
}

// TestSwapRefusesAShortFile: a staged file that is not the manifest's size
// leaves the target alone.
func TestSwapRefusesAShortFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "palmd")
	write(t, target, "old program")
	write(t, filepath.Join(dir, "staged"), "new")
	if err := (Swap{Target: target}).Install(filepath.Join(dir, "staged"), release.Manifest{Size: 100}); err == nil {
		t.Fatal("installed a short file")
	}
	if read(t, target) != "old program" {
		t.Fatal("the target changed")
	}
	if _, err := os.Stat(target + ".next"); !os.IsNotExist(err) {
		t.Fatal("left the partial copy behind")
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o755); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
