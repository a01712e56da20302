//go:build unix

package agenttest

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// lockSlot takes an exclusive flock on path, waiting at most wait, and
// returns its release.
func lockSlot(path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
