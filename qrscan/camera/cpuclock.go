package camera

import (
	"runtime"
	"time"
)

// budgetClock returns the clock the per-frame budget is read on, and a
// function that releases it. By default it is the CPU time of the thread
// that decodes: the goroutine is locked to its thread for the decode, so a
// machine loaded by other processes or by other goroutines of this one
// slows the decode down without spending its budget. Where no thread CPU
// clock exists, the clock is wall time.
func budgetClock(opts DecodeOptions, now func() time.Time) (func() time.Duration, func()) {
	if opts.Clock != nil {
		return opts.Clock, func() {}
	}
	if _, ok := threadCPU(); ok {
		runtime.LockOSThread()
		return func() time.Duration { d, _ := threadCPU(); return d }, runtime.UnlockOSThread
	}
	start := now()
	return func() time.Duration { return now().Sub(start) }, func() {}
}
