//go:build !windows

package agent

// sharingViolation is Windows's: files are shared on Unix.
func sharingViolation(error) bool { return false }
