package pcsc

import (
	"errors"
	"strings"
	"testing"

	"github.com/ebfe/scard"
	"golang.org/x/sys/windows"

	"github.com/apcvkit/apcvkit/nfc"
)

// underWine reports whether this Windows binary runs under Wine, whose
// ntdll.dll exports wine_get_version.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}

// TestWinscard goes through winscard.dll, without cgo, the way every entry
// point does on Windows, and checks what comes back:
//   - a context, from the Smart Card service (a desk with or without a
//     reader): ListReaders answers and Close succeeds;
//   - the service stopped: the error is nfc.ErrNoService;
//   - Wine 8, whose winscard.dll is a stub (SCardEstablishContext answers
//     SCARD_F_INTERNAL_ERROR): that code, wrapped with the step and still
//     visible to errors.As, and no sentinel a caller would act on wrongly.
//
// The integration tests need pcscd and vpcd and skip on Windows; the code
// they cover above winscard.dll is shared with Linux and macOS.
func TestWinscard(t *testing.T) {
	c, err := NewContext()
	switch {
	case err == nil:
		readers, err := c.ListReaders()
		if err != nil { // no reader is an empty list
			t.Errorf("ListReaders = %v", err)
		}
		t.Logf("Smart Card service: %d reader(s)", len(readers))
		if err := c.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	case errors.Is(err, nfc.ErrNoService):
		t.Logf("Smart Card service stopped: %v", err)
	case underWine():
		var code scard.Error
		if !errors.As(err, &code) || code != scard.ErrInternalError {
			t.Fatalf("NewContext under Wine = %v, want the stub's SCARD_F_INTERNAL_ERROR", err)
		}
		if !strings.HasPrefix(err.Error(), "pcsc: establish context: ") {
			t.Errorf("error %q does not name its step", err)
		}
		for _, s := range []error{nfc.ErrNoPhone, nfc.ErrPhoneRemoved, nfc.ErrUnknownReader, nfc.ErrNoService} {
			if errors.Is(err, s) {
				t.Errorf("the stub's error reads as %v", s)
			}
		}
		t.Logf("Wine's winscard.dll is a stub: %v", err)
	default:
		t.Fatalf("NewContext = %v", err)
	}
}
