//go:build usb

package usb

// Supported reports whether this build reads USB HID scanners through
// libusb (the "usb" build tag). Without it, Open and List fail with
// ErrNotBuilt.
const Supported = true
