//go:build !usb

package usb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan/hid/usb"
)

// Built without the "usb" tag, Open and List say so with a typed error and
// a desk message that tells what to do instead.
func TestNotBuilt(t *testing.T) {
	if usb.Supported {
		t.Fatal("Supported without the usb tag")
	}
	d, err := usb.Open(context.Background(), 0x0c2e, 0x0b61, usb.Options{})
	if d != nil || !errors.Is(err, usb.ErrNotBuilt) {
		t.Fatalf("Open = %v, %v; want ErrNotBuilt", d, err)
	}
	if got := apcverr.Message(err, apcverr.FR); got != usb.ErrNotBuilt.FR {
		t.Errorf("FR message %q", got)
	}
	infos, err := usb.List()
	if infos != nil || !errors.Is(err, usb.ErrNotBuilt) {
		t.Fatalf("List = %v, %v; want ErrNotBuilt", infos, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := usb.Open(ctx, 0x0c2e, 0x0b61, usb.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a done ctx: %v", err)
	}
}

// Without the "usb" build tag there is no libusb path: Open says so, with
// a message for the desk.
func ExampleOpen() {
	_, err := usb.Open(context.Background(), 0x0c2e, 0x0b61, usb.Options{})
	if errors.Is(err, usb.ErrNotBuilt) {
		fmt.Println(apcverr.Message(err, apcverr.EN))
	}
	// Output: This program was built without support for USB HID scanners. Set the scanner to USB serial (COM port) mode, or ask your software vendor for a version with USB HID support.
}
