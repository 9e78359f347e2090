//go:build !unix

package filestore

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir only opens the lock file: without flock, nothing stops a second
// store from opening dir, so run one per directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filestore: lock %s: %w", dir, err)
	}
	return f, nil
}
