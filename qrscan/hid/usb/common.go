package usb

import (
	"fmt"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/hid"
)

// Errors a person at the desk may see.
var (
	// ErrNotFound: no USB device with the given vendor and product IDs.
	// It is qrscan.ErrScannerNotFound.
	ErrNotFound = qrscan.ErrScannerNotFound
	// ErrAccess: the device exists but the system refused to open it.
	ErrAccess = apcverr.New("scanner-access-denied",
		"The USB QR scanner cannot be opened (permission denied). Ask your IT support to allow access to it.",
		"Le lecteur de QR code USB ne peut pas être ouvert (accès refusé). Demandez à votre support informatique d'en autoriser l'accès.")
	// ErrNoHIDEndpoint: the device has no HID interface to read scans from.
	ErrNoHIDEndpoint = apcverr.New("scanner-unsupported",
		"This USB device is not a supported QR scanner (no HID interface). Set the scanner to USB HID POS or USB keyboard mode.",
		"Ce périphérique USB n'est pas un lecteur de QR code pris en charge (pas d'interface HID). Réglez le lecteur en mode USB HID POS ou clavier USB.")
	// ErrNoUSB: the USB library could not start on this system.
	ErrNoUSB = apcverr.New("usb-unavailable",
		"USB is not available on this computer. Contact support.",
		"L'USB n'est pas disponible sur cet ordinateur. Contactez le support.")
	// ErrNotBuilt: this program was built without the libusb path (the
	// "usb" build tag, see the package doc); Supported is false.
	ErrNotBuilt = apcverr.New("usb-hid-not-built",
		"This program was built without support for USB HID scanners. Set the scanner to USB serial (COM port) mode, or ask your software vendor for a version with USB HID support.",
		"Ce logiciel a été compilé sans la prise en charge des lecteurs USB HID. Réglez le lecteur en mode série USB (port COM), ou demandez à votre éditeur une version avec la prise en charge USB HID.")
)

// Options configure Open. The zero value reads the HID POS interface when
// the device has one, else its boot keyboard.
type Options struct {
	Mode hid.Mode // which interface to read; see Choose
}

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

// UsesBarcodePage reports whether the HID report descriptor desc declares
// the Barcode Scanner usage page (0x8C) of the HID POS usage tables, in a
// Usage Page item or as the page of an extended (4-byte) Usage. It walks
// the short and long items (HID 1.11 §6.2.2); a descriptor whose last item
// runs past its end is reported as false.
func UsesBarcodePage(desc []byte) bool {
	const page = 0x8C
	found := false
	for len(desc) > 0 {
		prefix := desc[0]
		if prefix == 0xFE { // long item: size, tag, data
			if len(desc) < 3 || len(desc) < 3+int(desc[1]) {
				return false
			}
			desc = desc[3+int(desc[1]):]
			continue
		}
		size := int(prefix & 3)
		if size == 3 {
			size = 4
		}
		if len(desc) < 1+size {
			return false
		}
		var v uint32
		for i := size; i >= 1; i-- {
			v = v<<8 | uint32(desc[i])
		}
		switch prefix &^ 3 {
		case 0x04: // Usage Page (global)
			if v == page {
				found = true
			}
		case 0x08: // Usage (local): 4 bytes carry the page in the high half
			if size == 4 && v>>16 == page {
				found = true
			}
		}
		desc = desc[1+size:]
	}
	return found
}
