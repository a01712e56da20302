//go:build linux

package vpcd

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// quickAck sets TCP_QUICKACK, which Linux clears after each ACK it sends:
// it must be set again after every read, or vpcd's next frame waits for a
// delayed ACK (Nagle on the driver side) and each APDU costs about 40 ms.
func quickAck(raw syscall.RawConn) {
	_ = raw.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1)
	})
}
