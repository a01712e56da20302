//go:build !unix

package agenttest

import (
	"os"
	"time"
)

// terminate kills p: there is no SIGTERM off Unix.
func terminate(p *os.Process) error { return p.Kill() }

// lockSlot does nothing: the PC/SC slots are pcscd's, a Unix daemon
// (pcsctest.Require skips elsewhere).
func lockSlot(string, time.Duration) (func(), error) { return func() {}, nil }
