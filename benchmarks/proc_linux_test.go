package benchmarks_test

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// dieWithParent has the kernel kill cmd's process when this one dies (a
// test binary killed by go test's -timeout leaves no agent serving). The
// signal follows the thread that started it: the Go runtime ends threads
// only of goroutines that exit locked to theirs, which no benchmark does.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// processCPU returns the CPU time (user + system, all its threads) process
// pid has used, from /proc/PID/stat: in clock ticks, USER_HZ, 100 a second
// on Linux whatever the kernel's own rate.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid …: the fields after the command's closing
	// parenthesis, from the state (field 3); utime and stime are 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * (time.Second / 100), true
}

// processEnv returns process pid's environment, NUL-separated.
func processEnv(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	return strings.TrimRight(string(b), "\x00"), err == nil
}

// processGone says whether process pid no longer exists (reaped: no
// /proc/PID), and whether that could be told.
func processGone(pid int) (gone, ok bool) {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, false
	}
	return err != nil, true
}
