package permtest

import "os"

// Want returns the permission bits os.Stat reports for a file (dir false)
// or directory created with perm.
func Want(perm os.FileMode, dir bool) os.FileMode {
	switch {
	case dir:
		return 0o777
	case perm&0o200 != 0:
		return 0o666
	default:
		return 0o444
	}
}
