//go:build !usb

package usb

import (
	"context"
	"fmt"

	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Supported reports whether this build reads USB HID scanners through
// libusb (the "usb" build tag). Without it, Open and List fail with
// ErrNotBuilt.
const Supported = false

// Device is an opened USB HID scanner. Built without the "usb" tag, Open
// never returns one.
type Device struct{}

var _ hid.ReportSource = (*Device)(nil)

// Open fails with an error wrapping ErrNotBuilt: this build has no libusb
// path (see the package doc). It still reports a done ctx first, as the
// libusb build does.
func Open(ctx context.Context, vid, pid uint16, opt Options) (*Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("usb: open %04x:%04x: %w", vid, pid, ErrNotBuilt)
}

// List fails with an error wrapping ErrNotBuilt: this build has no libusb
// path (see the package doc).
func List() ([]Info, error) { return nil, fmt.Errorf("usb: list: %w", ErrNotBuilt) }

// ReadReport fails with ErrNotBuilt: no Device exists in this build.
func (d *Device) ReadReport(ctx context.Context) ([]byte, error) { return nil, ErrNotBuilt }

// Close does nothing: no Device exists in this build.
func (d *Device) Close() error { return nil }
