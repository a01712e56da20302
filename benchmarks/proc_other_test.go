//go:build !linux

package benchmarks_test

import (
	"os/exec"
	"time"
)

// dieWithParent does nothing here (no parent-death signal outside Linux):
// only the cleanups stop the agent.
func dieWithParent(*exec.Cmd) {}

// processCPU is not measured here (Linux's /proc only).
func processCPU(int) (time.Duration, bool) { return 0, false }

// processEnv cannot be read here.
func processEnv(int) (string, bool) { return "", false }

// processGone cannot be told here: the cleanups' Wait is the check.
func processGone(int) (gone, ok bool) { return false, false }
