//go:build unix

package benchmarks_test

import (
	"syscall"
	"time"
)

// cpuTime returns the CPU time (user + system) this process has used, to
// the microsecond: on a loaded machine a cost in CPU is steadier than one
// in wall time, which includes the waits for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
