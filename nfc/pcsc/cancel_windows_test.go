package pcsc

import (
	"errors"
	"testing"

	"github.com/ebfe/scard"
)

// On Windows the context's connection to the smart-card service cannot be
// shut down from outside: every Card must take the SCardCancel path that
// cancel_test.go drives.
func TestWindowsCardsUseCancel(t *testing.T) {
	if s := unixSockets(); s != nil {
		t.Fatalf("unixSockets() = %v on Windows", s)
	}
	if fd := newSocket(nil, nil); fd != -1 {
		t.Fatalf("newSocket = %d, want -1", fd)
	}
}

// winscard.dll is loaded without cgo. Under Wine its SCardEstablishContext
// is a stub that fails with SCARD_F_INTERNAL_ERROR (0x80100001); on a
// Windows desk without readers it may fail with SCARD_E_NO_SERVICE. Either
// way the failure is a typed scard.Error behind the step, never a panic;
// where it succeeds the context is released.
func TestWindowsEstablish(t *testing.T) {
	c, err := NewContext()
	if err == nil {
		t.Log("winscard: context established")
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		return
	}
	var code scard.Error
	if !errors.As(err, &code) {
		t.Fatalf("NewContext: %v: no scard.Error inside", err)
	}
	t.Logf("winscard: %v (%#x)", err, uint32(code))
}
