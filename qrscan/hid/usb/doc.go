// Package usb opens a USB HID barcode scanner with libusb (through
// github.com/google/gousb, cgo; build needs libusb-1.0-0-dev) and reads its
// input reports as a hid.ReportSource:
//
//	dev, err := usb.Open(ctx, 0x0c2e, 0x0b61, usb.Options{}) // vendor, product
//	src := hid.NewSource(dev, hid.Config{})                 // then src.Next(ctx)
//
// # The "usb" build tag
//
// The libusb path is built only with the "usb" build tag
// (go build -tags usb): libusb needs cgo and a C library that Windows and
// macOS desks do not have, and an SDK embedded in billing software must
// build there with a plain go build. Without the tag the package still
// builds, Supported is false, and Open and List fail with an error wrapping
// ErrNotBuilt, whose desk message says to set the scanner to its USB serial
// (COM port) mode, which qrscan/serial reads on every platform. The
// project's Makefile passes -tags usb on Linux (make test, make demo, make
// vet), so its tests and vet cover this path; on macOS, build with
// -tags usb after brew install libusb. Candidate, Candidates and Choose
// work on libusb's descriptors and exist only with the tag.
//
// # The real-hardware path
//
// Open enumerates the bus and opens the first device with the vendor and
// product IDs, lists its HID interfaces that have an interrupt IN endpoint
// (Candidates), reads the report descriptor of each one that is not a boot
// keyboard to spot the HID POS Barcode Scanner page 0x8C
// (UsesBarcodePage), picks one (Choose: HID POS first, else the boot
// keyboard), detaches the kernel's usbhid driver from it, claims it, and for
// a keyboard selects the boot protocol and idle rate 0. ReadReport then
// performs one interrupt IN transfer per report, cancellable through its
// context; Close cancels a transfer in flight, releases the interface (the
// kernel driver comes back: a wedge scanner types into the focused window
// again) and closes libusb.
//
// While the SDK holds a wedge scanner, its keystrokes no longer reach the
// focused application: that is the point (no scan lands in the wrong field,
// and the keyboard layout of the PC no longer matters).
//
// On Linux the user needs access to the device node: a udev rule such as
//
//	SUBSYSTEM=="usb", ATTRS{idVendor}=="0c2e", ATTRS{idProduct}=="0b61", MODE="0660", GROUP="plugdev"
//
// Without it Open fails with ErrAccess. On Windows, libusb needs the WinUSB
// driver bound to the interface (Zadig), which takes it away from the HID
// stack; prefer the HID POS mode with the OS HID API there.
//
// # Testing without a bus
//
// Machines without USB still run the libusb context, the "no device"
// error path and the endpoint selection over constructed descriptors; the
// decoding itself is tested in package hid on generated reports
// (emulator/present/hidgen) through the same hid.ReportSource interface.
package usb
