//go:build linux || darwin || freebsd

package camera

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadCPU returns the CPU time of the calling thread, read with
// clock_gettime(CLOCK_THREAD_CPUTIME_ID) (a vDSO call on Linux, through
// libc without cgo on macOS).
func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
