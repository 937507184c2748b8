//go:build linux

package badge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGrabRefusesWhatIsNoInputDevice: the grab is required: a path that
// is no input device is refused, saying so.
func TestGrabRefusesWhatIsNoInputDevice(t *testing.T) {
	p := filepath.Join(t.TempDir(), "event9")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := OpenGrabbed(p)
	if err == nil {
		f.Close()
		t.Fatal("grabbed a plain file")
	}
	if !strings.Contains(err.Error(), "grabbing") {
		t.Fatalf("err %v", err)
	}
}
