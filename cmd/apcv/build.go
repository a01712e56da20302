package main

import (
	"strings"

	"github.com/apcvkit/apcvkit/nfc/pcsc"
	"github.com/apcvkit/apcvkit/qrscan/hid/usb"
)

// missingNote names, for a flag's help, the device families this build of
// apcv cannot reach: PC/SC without cgo on Linux and macOS, USB HID without
// the usb build tag (see README, "Platforms"). It is "" when all are built.
func missingNote() string {
	var missing []string
	if !pcsc.Supported {
		missing = append(missing, "PC/SC (built without cgo)")
	}
	if !usb.Supported {
		missing = append(missing, "USB HID scanners (built without -tags usb: use the scanner's USB-COM mode)")
	}
	if len(missing) == 0 {
		return ""
	}
	return "; not in this build: " + strings.Join(missing, ", ")
}
