//go:build !windows

package store_test

import "os"

// fileMode is the mode a file written with perm reports.
func fileMode(perm os.FileMode) os.FileMode { return perm }
