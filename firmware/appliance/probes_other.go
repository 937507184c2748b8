//go:build !linux

package appliance

import (
	"fmt"
	"os"
)

// checkStorage can only see that the directory exists on systems other
// than Linux, where palmd runs for development alone.
func checkStorage(dir string) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}
