//go:build !windows

package winshare

var busyErr error // nothing is Busy on Unix
