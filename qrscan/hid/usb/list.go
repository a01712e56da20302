package usb

import (
	"fmt"
	"slices"

	"github.com/google/gousb"
)

// ScannerVendors are the USB vendor IDs of the QR scanner makers that List
// recognises (the same makers as qrscan/serial's table).
var ScannerVendors = []uint16{
	0x0C2E, // Honeywell (Metrologic)
	0x0536, // Honeywell (Hand Held Products)
	0x05E0, // Zebra (Symbol Technologies)
	0x05F9, // Datalogic (PSC)
	0x1EAB, // Newland
	0x065A, // Opticon
}

// Info identifies a plugged-in USB device that may be a QR scanner.
type Info struct {
	VID, PID     uint16
	Bus, Address int
	HID          bool // it has a HID interface (HID POS or keyboard) to read scans from
}

// String returns "usb:VVVV:PPPP".
func (i Info) String() string { return fmt.Sprintf("usb:%04x:%04x", i.VID, i.PID) }

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
