//go:build linux || darwin

package serialpty

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Supported reports whether this system has the pseudo-terminals Open
// needs: true on Linux and macOS.
const Supported = true

// openPty opens a pseudo-terminal pair: the master side non-blocking (so
// that Close interrupts a pending Read or Write), the slave side raw.
func openPty() (master, slave *os.File, err error) {
	m, slave, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("serialpty: open pty: %w", err)
	}
	// pty.Open put the master in blocking mode, where Close cannot
	// interrupt a pending Read or Write: use a non-blocking duplicate,
	// which the runtime poller manages.
	master, err = pollable(m)
	m.Close()
	if err != nil {
		slave.Close()
		return nil, nil, fmt.Errorf("serialpty: %w", err)
	}
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, fmt.Errorf("serialpty: raw mode on %s: %w", slave.Name(), err)
	}
	return master, slave, nil
}

// pollable returns a non-blocking duplicate of f.
func pollable(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := rc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, fmt.Errorf("dup %s: %w", f.Name(), derr)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return nil, fmt.Errorf("non-blocking %s: %w", f.Name(), err)
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// makeRaw sets the terminal of f as cfmakeraw(3) does.
func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var terr error
	if err := rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), ioctlGetTermios)
		if err != nil {
			terr = err
			return
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB
		t.Cflag |= unix.CS8
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		terr = unix.IoctlSetTermios(int(fd), ioctlSetTermios, t)
	}); err != nil {
		return err
	}
	return terr
}
