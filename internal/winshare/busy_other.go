//go:build !windows

package winshare

// Busy is Windows's: on Unix a file open elsewhere is renamed, linked,
// removed and read as any other.
func Busy(error) bool { return false }
