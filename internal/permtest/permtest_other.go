//go:build !windows

package permtest

import "os"

// Want returns the permission bits os.Stat reports for a file (dir false)
// or directory created with perm.
func Want(perm os.FileMode, dir bool) os.FileMode { return perm.Perm() }
