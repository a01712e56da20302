//go:build linux && cgo

package pcsc

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pcsc-lite's client library gives every context its own Unix socket to
// pcscd and holds the context's lock for the whole of a call, so a
// SCardTransmit to a hung card can be interrupted neither by SCardCancel nor
// by SCardDisconnect. The only way to make it return is to shut that socket
// down. The library does not expose it: clientSockets finds it by comparing
// the process's Unix sockets before and after SCardEstablishContext (under
// establishMu, which also covers SCardCancel, the only other call that opens
// one).

// unixSockets returns the process's file descriptors that are Unix sockets
// with a peer.
func unixSockets() map[int]bool {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	fds := make(map[int]bool, len(ents))
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		link, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil || !strings.HasPrefix(link, "socket:") {
			continue
		}
		sa, err := unix.Getpeername(fd)
		if err != nil {
			continue
		}
		if _, ok := sa.(*unix.SockaddrUnix); ok {
			fds[fd] = true
		}
	}
	return fds
}

// newSocket returns the one socket in after that is not in before, or -1.
func newSocket(before, after map[int]bool) int {
	fd := -1
	for s := range after {
		if !before[s] {
			if fd >= 0 {
				return -1 // ambiguous: do without abort
			}
			fd = s
		}
	}
	return fd
}

// shutdownSocket makes every pending and future call on the context fail.
func shutdownSocket(fd int) {
	_ = unix.Shutdown(fd, unix.SHUT_RDWR)
}
