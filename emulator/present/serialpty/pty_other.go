//go:build !linux && !darwin

package serialpty

import (
	"fmt"
	"os"
	"runtime"
)

// Supported reports whether this system has the pseudo-terminals Open
// needs: false here (Windows has no tty a serial-port library can open as
// a COM port; use a virtual COM-port pair such as com0com instead, and
// qrscan/serial.New on any io.ReadWriteCloser for tests).
const Supported = false

func openPty() (master, slave *os.File, err error) {
	return nil, nil, fmt.Errorf("serialpty: no pseudo-terminals on %s: %w", runtime.GOOS, ErrUnsupported)
}
