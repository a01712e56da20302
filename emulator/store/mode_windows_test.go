package store_test

import "os"

// fileMode is the mode a file written with perm reports: Windows keeps only
// the read-only attribute, which Go reports as 0o444 (else 0o666).
func fileMode(perm os.FileMode) os.FileMode {
	if perm&0o200 != 0 {
		return 0o666
	}
	return 0o444
}
