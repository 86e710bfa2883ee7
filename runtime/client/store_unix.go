//go:build unix

package client

import (
	"fmt"
	"os"
)

// privateDir restricts dir, the token directory, to its owner (0700) if
// it is open to others: it may predate FileStore, made by hand or with
// the default umask.
func privateDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st.Mode().Perm() == 0o700 {
		return nil
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("oauth: the token directory %s has mode %v and cannot be restricted to its owner (0700): %w", dir, st.Mode().Perm(), err)
	}
	return nil
}
