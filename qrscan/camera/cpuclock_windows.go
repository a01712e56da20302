package camera

import (
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

var procGetThreadTimes = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetThreadTimes")

// threadCPU returns the CPU time (kernel + user) of the calling thread,
// from GetThreadTimes.
func threadCPU() (time.Duration, bool) {
	var creation, exit, kernel, user windows.Filetime
	th, _ := windows.GetCurrentThread() // a pseudo-handle: never closed
	r, _, _ := procGetThreadTimes.Call(uintptr(th),
		uintptr(unsafe.Pointer(&creation)), uintptr(unsafe.Pointer(&exit)),
		uintptr(unsafe.Pointer(&kernel)), uintptr(unsafe.Pointer(&user)))
	if r == 0 {
		return 0, false
	}
	ticks := func(f windows.Filetime) int64 { return int64(f.HighDateTime)<<32 | int64(f.LowDateTime) }
	return time.Duration(ticks(kernel)+ticks(user)) * 100, true // 100-ns units
}
