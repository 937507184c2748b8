package appliance

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// checkStorage asks the kernel, without writing: the directory must be
// writable (a filesystem remounted read-only after an error is not) and
// its filesystem must have room.
func checkStorage(dir string) error {
	if err := unix.Access(dir, unix.W_OK); err != nil {
		return fmt.Errorf("storage: %s is not writable: %w", dir, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return fmt.Errorf("storage: %s: %w", dir, err)
	}
	free, total := st.Bavail*uint64(st.Bsize), st.Blocks*uint64(st.Bsize)
	if need := minFree(total); free < need {
		return fmt.Errorf("storage: %d bytes free in %s, want at least %d", free, dir, need)
	}
	return nil
}
