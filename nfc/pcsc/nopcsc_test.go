//go:build !cgo && !windows

package pcsc_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/nfc/pcsc"
)

// A build without PC/SC says so at the first call, with a typed error and
// a desk message, and hands out nothing.
func TestNotBuilt(t *testing.T) {
	if pcsc.Supported {
		t.Fatal("Supported in a build without cgo")
	}
	c, err := pcsc.NewContext()
	if c != nil || !errors.Is(err, pcsc.ErrNotBuilt) {
		t.Fatalf("NewContext = %v, %v; want ErrNotBuilt", c, err)
	}
	if got := apcverr.Message(err, apcverr.FR); got != pcsc.ErrNotBuilt.FR {
		t.Errorf("FR message %q", got)
	}
	if got := apcverr.Code(err); got != "pcsc-not-built" {
		t.Errorf("code %q", got)
	}
	var zero pcsc.Context
	if _, err := zero.Connect(context.Background(), "any"); !errors.Is(err, pcsc.ErrNotBuilt) {
		t.Errorf("Connect: %v", err)
	}
	var k pcsc.Card
	if _, err := k.Transmit(context.Background(), []byte{0, 0xA4, 4, 0}); !errors.Is(err, pcsc.ErrNotBuilt) {
		t.Errorf("Transmit: %v", err)
	}
}

func ExampleNewContext_notBuilt() {
	_, err := pcsc.NewContext()
	if errors.Is(err, pcsc.ErrNotBuilt) {
		fmt.Println(apcverr.Message(err, apcverr.EN))
	}
	// Output: This program was built without support for contactless (NFC) readers. Use the QR code, or ask your software vendor for a version with NFC reader support.
}
