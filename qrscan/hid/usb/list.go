//go:build usb

package usb

import (
	"fmt"
	"slices"

	"github.com/google/gousb"
)

// List returns the plugged-in devices of the known scanner vendors, without
// opening them. Errors wrap ErrNoUSB when libusb cannot start.
func List() ([]Info, error) {
	c, err := newContext()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var out []Info
	devs, err := c.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if slices.Contains(ScannerVendors, uint16(d.Vendor)) {
			out = append(out, Info{VID: uint16(d.Vendor), PID: uint16(d.Product), Bus: d.Bus, Address: d.Address,
				HID: len(Candidates(d)) > 0})
		}
		return false // never open: listing only
	})
	for _, d := range devs {
		d.Close()
	}
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("usb: list: %v: %w", err, ErrNoUSB)
	}
	return out, nil
}
