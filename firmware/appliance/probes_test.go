package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMinFree(t *testing.T) {
	for _, tt := range []struct{ total, want uint64 }{
		{2 << 20, 2 << 20 / 10},     // a tiny filesystem: a tenth
		{32 << 30, 16 << 20},        // an eMMC: 16 MiB
		{100 << 20, 100 << 20 / 10}, // a small partition
	} {
		if got := minFree(tt.total); got != tt.want {
			t.Errorf("minFree(%d) = %d, want %d", tt.total, got, tt.want)
		}
	}
}

// TestStorageCheckOnAFullDisk: the storage check fails on a full
// filesystem without writing anything, and passes with room.
func TestStorageCheckOnAFullDisk(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700"); err != nil {
		t.Skipf("a small filesystem needs a tmpfs mount: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, 0) })
	p := HostProbes{StateDir: dir}
	if err := p.Storage(); err != nil {
		t.Fatalf("an empty filesystem: %v", err)
	}
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for chunk := make([]byte, 4096); ; {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	f.Close()
	if err := p.Storage(); err == nil {
		t.Fatal("a full filesystem passed the storage check")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the check wrote into the state directory: %v", entries)
	}
}

func TestTemperature(t *testing.T) {
	dir := t.TempDir()
	for name, milli := range map[string]string{"thermal_zone0": "45000\n", "thermal_zone1": "71500\n"} {
		if err := os.MkdirAll(filepath.Join(dir, name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name, "temp"), []byte(milli), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if c, ok := (HostProbes{Thermal: filepath.Join(dir, "thermal_zone*", "temp")}).Temperature(); !ok || c != 71.5 {
		t.Fatalf("hottest zone %v %v, want 71.5", c, ok)
	}
	if _, ok := (HostProbes{Thermal: filepath.Join(dir, "none*")}).Temperature(); ok {
		t.Fatal("a reader without thermal zones reported a temperature")
	}
}
