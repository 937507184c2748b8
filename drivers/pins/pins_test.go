package pins

import (
	"strings"
	"testing"
)

// On a machine without the named line (CI, a laptop) the lookup must be a
// clear error naming the line, never a nil pin.
func TestUnknownLineIsAClearError(t *testing.T) {
	b, err := Open()
	if err != nil {
		t.Skipf("periph host init failed here: %v", err)
	}
	_, err = b.ByName("PALMD_NO_SUCH_LINE")
	if err == nil || !strings.Contains(err.Error(), "PALMD_NO_SUCH_LINE") {
		t.Fatalf("got %v, want an error naming the line", err)
	}
}
