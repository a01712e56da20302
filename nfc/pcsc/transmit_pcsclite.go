//go:build cgo && linux

package pcsc

// #cgo pkg-config: libpcsclite
// #include <winscard.h>
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/ebfe/scard"
)

// ebfe/scard's Card.Transmit allocates a maximum-size receive buffer (64 KiB)
// for every APDU. transmitInto makes the same SCardTransmit call into a
// buffer the caller reuses. ebfe/scard does not export the card handle:
// scardCard mirrors its Card (handle, then active protocol; the module
// version is pinned in go.mod, the size is checked below and
// TestTransmitInto compares both paths through pcscd).
type scardCard struct {
	handle         uintptr
	activeProtocol scard.Protocol
}

// The mirror must have the size of the real thing, or the build fails.
var _ [unsafe.Sizeof(scard.Card{}) - unsafe.Sizeof(scardCard{})]struct{}
var _ [unsafe.Sizeof(scardCard{}) - unsafe.Sizeof(scard.Card{})]struct{}

// recvBufferSize is pcsc-lite's MAX_BUFFER_SIZE_EXTENDED, the largest answer.
const recvBufferSize = C.MAX_BUFFER_SIZE_EXTENDED

// hasTransmitInto says whether transmitInto exists on this platform.
const hasTransmitInto = true

// transmitArgs are the arguments SCardTransmit takes by address: passed to
// C they would be moved to the heap at every call, so each context keeps
// one (transmitInto's s).
type transmitArgs struct {
	send, recv C.SCARD_IO_REQUEST
	n          C.DWORD
}

// transmitInto sends cmd to card and writes the answer into rsp, returning
// its length; errors are scard.Error values, as ebfe/scard's. s is the
// caller's, reused from call to call (nil: one is allocated).
func transmitInto(card *scard.Card, cmd, rsp []byte, s *transmitArgs) (int, error) {
	k := (*scardCard)(unsafe.Pointer(card))
	if len(cmd) == 0 || len(rsp) == 0 {
		return 0, scard.ErrInvalidParameter
	}
	if s == nil {
		s = new(transmitArgs)
	}
	*s = transmitArgs{}
	switch k.activeProtocol {
	case scard.ProtocolT0, scard.ProtocolT1:
		s.send.dwProtocol = C.ulong(k.activeProtocol)
	default:
		return 0, fmt.Errorf("pcsc: transmit: protocol %v: %w", k.activeProtocol, scard.ErrProtoMismatch)
	}
	s.send.cbPciLength = C.sizeof_SCARD_IO_REQUEST
	s.n = C.DWORD(len(rsp))
	r := C.SCardTransmit(C.SCARDHANDLE(k.handle), &s.send, (*C.BYTE)(&cmd[0]), C.DWORD(len(cmd)), &s.recv, (*C.BYTE)(&rsp[0]), &s.n)
	if r != C.SCARD_S_SUCCESS {
		return 0, scard.Error(r)
	}
	if int(s.n) > len(rsp) {
		return 0, scard.ErrInsufficientBuffer
	}
	return int(s.n), nil
}
